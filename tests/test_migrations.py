"""The schema is versioned: a database of the release before migrations, or of any revision since,
upgrades to the newest with every account, token, change and count kept (SQLite and PostgreSQL)."""
import datetime
import multiprocessing
import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from craftmap import create_app, db, schema
from tests.conftest import DATA, fresh_database_url

# Made by release 1a8d227 (the last before migrations): two accounts, a token, two API edits with
# visitor counts, a centre added through the API, a failed sign-in.
FIXTURE = Path(__file__).with_name("fixtures") / "release-1a8d227.sql"
FIXTURE_TOKEN = "iRhNUWlCTsycbmXVOGEM3NlkcQy_gCtkbneb1F0DV_U"
FIXTURE_PASSWORD = "old password 1"


def _config(url):
    return {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "DATA_DIR": DATA, "TILE_URL": ""}


def _previous_release(tmp_path, url=None):
    """A database holding what release 1a8d227 wrote: its own SQLite file, or on PostgreSQL the
    baseline revision without Alembic's table, filled with the same rows."""
    url = url or fresh_database_url(tmp_path)
    dump = FIXTURE.read_text(encoding="utf-8")
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executescript(dump)
        return url
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        schema.upgrade(conn, schema.BASELINE)
        conn.execute(sa.text("DROP TABLE alembic_version"))
        for statement in re.findall(r"^INSERT INTO .*?\);$", dump, flags=re.M | re.S):
            conn.exec_driver_sql(statement.replace("%", "%%"))
        for table in ("users", "changes", "login_failures"):  # the rows came with their ids
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    engine.dispose()
    return url


def _counts(app):
    with app.extensions["craftmap.engine"].connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in db.metadata.sorted_tables}


@pytest.fixture
def upgraded(tmp_path):
    app = create_app(_config(_previous_release(tmp_path)))
    yield app
    db.dispose(app)


def test_previous_release_is_upgraded_on_start_with_nothing_lost(upgraded):
    with upgraded.extensions["craftmap.engine"].connect() as conn:
        assert schema.current(conn) == schema.head()
        assert conn.execute(sa.select(db.meta.c.value)).scalar_one() == 4  # its data version, not reloaded
        hashes = dict(conn.execute(sa.select(db.users.c.email, db.users.c.password_hash)).all())
        route_authors = set(conn.execute(sa.select(db.routes.c.updated_by)).scalars())
        assert set(conn.execute(sa.select(db.changes.c.survey_id)).scalars()) == {None}  # no survey made them
    assert _counts(upgraded) | {"alembic_version": None} == {
        "centres": 42, "routes": 2, "users": 2, "api_tokens": 1, "changes": 9, "visitor_counts": 3,
        "login_failures": 2, "meta": 1, "surveys": 0, "photos": 0, "reports": 0} | {"alembic_version": None}
    assert set(hashes) == {"editor@dobele.example", "planner@zemgale.example"}
    assert set(hashes.values()) == set(re.findall(r"'(\$argon2id\$[^']+)'", FIXTURE.read_text(encoding="utf-8")))
    with upgraded.app_context():
        assert db.visitors("dobele-crafts-house") == {2024: 1100, 2025: 1234}
        assert db.get_centre("folk-applied-art-studio-auce")["wheelchair"] == "limited"
    assert route_authors == {"seed"}


def test_upgraded_accounts_still_sign_in_and_their_tokens_still_write(upgraded):
    client = upgraded.test_client()
    auth = {"Authorization": f"Bearer {FIXTURE_TOKEN}"}
    history = client.get("/api/v1/centres/dobele-crafts-house/history", headers=auth).get_json()
    assert {c["field"] for c in history["changes"]} >= {"phone", "signage", "visitors_2025"}
    etag = client.get("/api/v1/centres/dobele-crafts-house", headers=auth).headers["ETag"]
    answer = client.patch("/api/v1/centres/dobele-crafts-house", headers=auth | {"If-Match": etag},
                          json={"visitors": {"2026": 1500}})
    assert answer.status_code == 200
    page = client.get("/manage/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = client.post("/manage/login", data={"email": "editor@dobele.example", "password": FIXTURE_PASSWORD,
                                                   "csrf_token": csrf})
    assert signed_in.status_code == 302


def test_upgraded_tokens_expire_a_year_after_the_upgrade_and_accounts_are_listed(upgraded):
    runner = upgraded.test_cli_runner()
    year_on = f"{datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=365):%Y-%m-%d}"
    tokens = runner.invoke(args=["token", "list"]).output.splitlines()[1:]
    assert len(tokens) == 1 and "editor@dobele.example" in tokens[0] and year_on in tokens[0]
    users = runner.invoke(args=["user", "list"]).output
    assert "editor@dobele.example" in users and "planner@zemgale.example" in users


def test_models_and_migrations_agree(app):
    """A database built by the revisions has exactly the tables, columns and indexes of craftmap/db.py."""
    with app.extensions["craftmap.engine"].connect() as conn:
        assert schema.differences(conn) == []


def test_baseline_is_the_previous_release_schema(tmp_path):
    """Column by column, the baseline revision builds what release 1a8d227 built (its own SQLite file)."""
    old_url, new_url = _previous_release(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite3'}"), f"sqlite:///{tmp_path / 'new.sqlite3'}"
    new = sa.create_engine(new_url, poolclass=sa.NullPool)
    with new.begin() as conn:
        schema.upgrade(conn, schema.BASELINE)
    old = sa.create_engine(old_url, poolclass=sa.NullPool)

    def shape(engine):
        inspector = sa.inspect(engine)
        return {t: ([(c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in inspector.get_columns(t)],
                    sorted(i["name"] for i in inspector.get_indexes(t)), inspector.get_pk_constraint(t)["constrained_columns"])
                for t in inspector.get_table_names() if t != "alembic_version"}
    assert shape(old) == shape(new)
    old.dispose()
    new.dispose()


def test_every_record_field_has_its_column():
    from craftmap.validation import CENTRE_FIELDS
    assert set(CENTRE_FIELDS) <= set(db.centres.c.keys())


def test_a_database_with_foreign_tables_is_left_alone(tmp_path):
    url = fresh_database_url(tmp_path)
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
    with pytest.raises(schema.SchemaError, match="missing: api_tokens"):
        create_app(_config(url))
    assert sa.inspect(engine).get_table_names() == ["users"]
    engine.dispose()


def test_cli_reports_and_upgrades(runner):
    head = schema.head()
    assert f"database: {head}; newest known: {head}" in runner.invoke(args=["db", "current"]).output
    assert "0001  Baseline" in runner.invoke(args=["db", "history"]).output
    assert f"Database at revision {head}" in runner.invoke(args=["db", "upgrade"]).output


def _start(url, queue):
    try:
        app = create_app(_config(url))
        queue.put(len(app.extensions["craftmap.reference"].indicators) and "ok")
        db.dispose(app)
    except Exception as exc:  # reported to the test, which fails on it
        queue.put(repr(exc))


def test_servers_starting_together_upgrade_and_seed_once(tmp_path):
    url = fresh_database_url(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_start, args=(url, queue)) for _ in range(3)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join()
    assert results == ["ok"] * 3
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM centres")).scalar_one() == 46
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT value FROM meta")).scalar_one() == 1
    engine.dispose()


def test_a_database_of_the_last_release_gains_where_hours_come_from_with_nothing_lost(tmp_path):
    """Revision 0004 (the release before hours had sources): an editor's typed hours stay, undated
    ("not known", never guessed), and `data reload` then brings data/'s hours with their pages."""
    url = _previous_release(tmp_path)
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        schema.upgrade(conn, "0004")
        conn.execute(sa.text("UPDATE centres SET opening_hours = 'Tu-Sa 10:00-16:00' WHERE id = 'dobele-crafts-house'"))
        kept = [c for c in db.centres.c if c.name not in ("opening_hours_source", "opening_hours_as_of")]
        before = conn.execute(sa.select(*kept)).mappings().all()
    engine.dispose()
    app = create_app(_config(url))
    with app.app_context():
        after = {c["id"]: c for c in db.all_centres()}
        assert {c["id"] for c in before} == set(after)
        for old in before:
            assert {k: after[old["id"]][k] for k in old} == dict(old)
            assert (after[old["id"]]["opening_hours_source"], after[old["id"]]["opening_hours_as_of"]) == ("", "")
    page = app.test_client().get("/centres/dobele-crafts-house?lang=en").get_data(as_text=True)
    assert "Tuesday–Saturday 10:00–16:00" in page and "check before you go" not in page
    assert "Nothing to change" not in app.test_cli_runner().invoke(args=["data", "reload", "--yes"]).output
    with app.app_context():
        birzai = db.get_centre("birzai-regional-museum-sela")
        assert birzai["opening_hours_source"] == "http://trip2lt.com/object/birzai-museum-sela/"
        assert db.get_centre("folk-applied-art-studio-auce")["wheelchair"] == "limited"  # the editor's, kept
    db.dispose(app)
