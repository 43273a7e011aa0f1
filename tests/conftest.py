import shutil
from pathlib import Path

import pytest

from craftmap import create_app

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def data_dir(tmp_path):
    """A private copy of data/ that a test may spoil."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def make_app(tmp_path):
    """Build an app on a fresh SQLite file, optionally from another data folder."""
    def make(data=DATA, **config):
        db_file = tmp_path / f"craftmap-{len(list(tmp_path.glob('*.sqlite3')))}.sqlite3"
        return create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{db_file}",
                           "DATA_DIR": data, "TILE_URL": "", **config})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
