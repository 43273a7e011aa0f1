import csv
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from craftmap import create_app

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def data_dir(tmp_path):
    """A private copy of data/ that a test may spoil."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def set_opening_hours(data, hours):
    """Give centres of the data folder ``data`` opening hours ({centre id: opening_hours}): the seed has
    none recorded, and a travel day needs some to be open or closed."""
    path = data / "centres.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["opening_hours"] = hours.get(row["id"], row["opening_hours"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


POSTGRES = os.environ.get("CRAFTMAP_TEST_POSTGRES")  # e.g. postgresql+psycopg://127.0.0.1:5432/test
_schemas = []


def fresh_database_url(folder):
    """A new empty database: a SQLite file in ``folder``, or a new schema on CRAFTMAP_TEST_POSTGRES."""
    if not POSTGRES:
        return f"sqlite:///{folder / ('craftmap-' + uuid.uuid4().hex[:8] + '.sqlite3')}"
    schema = "test_" + uuid.uuid4().hex[:12]
    with sa.create_engine(POSTGRES, poolclass=sa.NullPool).begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    _schemas.append(schema)
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


@pytest.fixture
def make_app(tmp_path):
    """Build an app on a fresh database, optionally from another data folder."""
    apps = []

    def make(data=DATA, **config):
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": fresh_database_url(tmp_path),
                          "DATA_DIR": data, "TILE_URL": "",
                          "BUILT_DIR": tmp_path / f"built-{len(apps)}", **config})
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["craftmap.engine"].dispose()
        app.extensions["craftmap.write_engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_sessionfinish(session):
    if POSTGRES and _schemas:
        engine = sa.create_engine(POSTGRES, poolclass=sa.NullPool)
        for schema in _schemas:  # one transaction each: dropping all at once exhausts the lock table
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


PASSWORD = "correct horse battery"
ACCOUNTS = {"dobele@example.test": ("editor", "Dobeles novads"), "bauska@example.test": ("editor", "Bauskas novads"),
            "planner@example.test": ("planner", None)}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def accounts(app, runner):
    """An editor for Dobele, one for Bauska and a planner, each made with the CLI."""
    for email, (role, municipality) in ACCOUNTS.items():
        args = ["user", "add", email, "--role", role] + (["--municipality", municipality] if municipality else [])
        result = runner.invoke(args=args, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    return ACCOUNTS


class Auth:
    def __init__(self, client):
        self.client = client

    def csrf(self, path="/manage/login"):
        html = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def login(self, email, password=PASSWORD):
        return self.client.post("/manage/login", data={"email": email, "password": password,
                                                       "csrf_token": self.csrf()})

    def post(self, path, data=None, **kwargs):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf("/manage/")}, **kwargs)


@pytest.fixture
def auth(client, accounts):
    return Auth(client)


def map_script_src(html):
    """The URL of the map set-up script a page links to (the CSP keeps it out of the page)."""
    return re.search(r'<script src="(/(?:maps|planner)/[^"]+\.js[^"]*)"', html).group(1).replace("&amp;", "&")


def map_script_of(client, html):
    return client.get(map_script_src(html)).get_data(as_text=True)


EXAMPLE_ARGS = {"centre_id": "dobele-crafts-house", "route_id": "balts-road-selonian", "digest": "0" * 16,
                "name": "css/craftmap.css", "fmt": "gpx", "change_id": 1,
                "batch": "0" * 32, "photo_id": "0" * 32, "report_id": 1}


def example_paths(app):
    """(rule, a path for it built from example arguments) for every rule of the URL map."""
    out = []
    for rule in app.url_map.iter_rules():
        args = {a: EXAMPLE_ARGS[a] for a in rule.arguments}
        out.append((rule, rule.build(args, append_unknown=False)[1]))
    return out


def page_paths(app):
    """Every GET page of the public, planner and manage blueprints."""
    return sorted({path for rule, path in example_paths(app) if "GET" in rule.methods
                   and rule.endpoint.split(".")[0] in ("public", "planner", "manage")})


@pytest.fixture
def editor_client(app, accounts):
    """A second client, signed in as Dobele's editor."""
    client = app.test_client()
    Auth(client).login("dobele@example.test")
    return client


@pytest.fixture
def planner_client(app, accounts):
    client = app.test_client()
    Auth(client).login("planner@example.test")
    return client
