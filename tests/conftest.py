import os
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
                          "DATA_DIR": data, "TILE_URL": "", **config})
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["craftmap.engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_sessionfinish(session):
    if POSTGRES and _schemas:
        with sa.create_engine(POSTGRES, poolclass=sa.NullPool).begin() as conn:
            for schema in _schemas:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
