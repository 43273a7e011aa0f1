"""The data layer: the only module that talks to the database (SQLite or PostgreSQL)."""
import datetime
import json
import time
from collections.abc import Mapping
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app

__all__ = ["metadata", "init_app", "engine", "data_version", "all_centres", "shared_centres", "get_centre",
           "all_routes", "get_route", "all_visitor_counts", "visitors",
           "bump_data_version", "transaction", "serialise", "Versions", "SCHEMA_LOCK", "dispose",
           "write_dialect"]

# The schema. Every change here ships with an Alembic revision in craftmap/migrations/versions/;
# tests/test_migrations.py fails when the two disagree.
metadata = sa.MetaData()

centres = sa.Table(
    "centres", metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("name_en", sa.Text, nullable=False, server_default=""),
    sa.Column("kind", sa.Text, nullable=False, server_default=""),
    sa.Column("crafts", sa.Text, nullable=False, server_default=""),
    sa.Column("country", sa.Text, nullable=False, server_default=""),
    sa.Column("municipality", sa.Text, nullable=False, server_default=""),
    sa.Column("settlement", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    sa.Column("coord_precision", sa.Text, nullable=False, server_default=""),
    sa.Column("coord_note", sa.Text, nullable=False, server_default=""),
    sa.Column("phone", sa.Text, nullable=False, server_default=""),
    sa.Column("email", sa.Text, nullable=False, server_default=""),
    sa.Column("website", sa.Text, nullable=False, server_default=""),
    sa.Column("opening_hours", sa.Text, nullable=False, server_default=""),
    sa.Column("opening_hours_source", sa.Text, nullable=False, server_default=""),  # where the hours come from
    sa.Column("opening_hours_as_of", sa.Text, nullable=False, server_default=""),   # YYYY[-MM[-DD]] they held
    sa.Column("wheelchair", sa.Text, nullable=False, server_default=""),
    sa.Column("wheelchair_description", sa.Text, nullable=False, server_default=""),
    sa.Column("toilets_wheelchair", sa.Text, nullable=False, server_default=""),
    sa.Column("signage", sa.Text, nullable=False, server_default=""),
    sa.Column("signage_checked_on", sa.Text, nullable=False, server_default=""),
    sa.Column("mid_baltic_network", sa.Text, nullable=False, server_default=""),
    sa.Column("mid_baltic_evidence", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.Text, nullable=False, server_default=""),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("updated_by", sa.Text, nullable=False, server_default="seed"),
)

routes = sa.Table(
    "routes", metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("doc", sa.Text, nullable=False),        # route properties as JSON, stops included
    sa.Column("geometry", sa.Text, nullable=True),    # GeoJSON geometry, WGS 84
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_by", sa.Text, nullable=False, server_default="seed"),  # "seed", "data/" or a planner
)

visitor_counts = sa.Table(
    "visitor_counts", metadata,
    sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("visitors", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("municipality", sa.Text, nullable=True),
    sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),  # set: no sign-in, no session, no token
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),  # to the minute, not every request
    sa.Column("label", sa.Text, nullable=True),
)

login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(250), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),  # old rows are pruned by this index
)

changes = sa.Table(
    "changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), nullable=False, index=True),
    sa.Column("batch", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("field", sa.String(40), nullable=False),
    sa.Column("old", sa.Text, nullable=True),
    sa.Column("new", sa.Text, nullable=True),
    sa.Column("reverts", sa.String(32), nullable=True),
    sa.Column("version", sa.Integer, nullable=True),  # the centre's version this change set made
    sa.Column("survey_id", sa.String(32), nullable=True),  # the field survey this change set came from
)

surveys = sa.Table(  # craftmap/surveys.py: the answers at the door, and the values they gave the centre
    "surveys", metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # made by the client, so a resend is no second survey
    sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), nullable=False, index=True),
    sa.Column("surveyed_on", sa.String(10), nullable=False),  # YYYY-MM-DD
    sa.Column("surveyed_by", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("answers", sa.Text, nullable=False),  # JSON {question: answer}
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("wheelchair", sa.Text, nullable=False),          # as given to the centre
    sa.Column("wheelchair_derived", sa.Text, nullable=False),  # as the rules read the answers
    sa.Column("override_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("signage", sa.Text, nullable=False),
    sa.Column("centre_version", sa.Integer, nullable=False),  # the centre's version the survey's save made
)

photos = sa.Table(  # craftmap/photos.py: evidence, re-encoded without metadata; kept here so every server has it
    "photos", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), nullable=False, index=True),
    sa.Column("survey_id", sa.String(32), sa.ForeignKey("surveys.id"), nullable=True),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),  # shown to visitors only if so
    sa.Column("caption", sa.Text, nullable=False, server_default=""),
    sa.Column("mimetype", sa.String(40), nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

reports = sa.Table(  # craftmap/reports.py: a reporting period's figures as they were when frozen
    "reports", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),  # "report 2026"
    sa.Column("frozen_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("frozen_by", sa.Text, nullable=False),
    sa.Column("data_version", sa.Integer, nullable=False),
    sa.Column("figures", sa.Text, nullable=False),  # JSON, never rewritten
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


def engine():
    return current_app.extensions["craftmap.engine"]


class Versions:
    """The data version, read from the database at most once per ``interval`` seconds (0: on every call).

    A write through this process expires it at once; a write through another server is seen within
    ``interval``. Every cache of craftmap is keyed on this number. ``stamp()`` adds the date, read
    on the same beat, for caches of pages that show what is due by date.
    """

    def __init__(self, eng, interval):
        self.engine, self.interval = eng, interval
        self.read_at, self.stamp_value = float("-inf"), None

    def current(self, fresh=False):
        now = time.monotonic()
        if fresh or now - self.read_at >= self.interval:
            with self.engine.connect() as conn:  # plain SQL: this may run on every request
                value = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'data_version'").scalar_one()
            self.stamp_value, self.read_at = (value, datetime.date.today()), now
        return self.stamp_value[0]

    def stamp(self):
        """(version, date), as of the last check."""
        self.current()
        return self.stamp_value

    def expire(self):
        self.read_at = float("-inf")


def data_version(fresh=False):
    """A number that changes whenever anything shown to users changes; ``fresh`` reads it now."""
    return current_app.extensions["craftmap.versions"].current(fresh)


def _centre_dict(row):
    return dict(row._mapping)


def all_centres():
    with engine().connect() as conn:
        return [_centre_dict(r) for r in conn.execute(sa.select(centres).order_by(centres.c.name))]


class Record(Mapping):
    """A centre of the shared snapshot, read-only: its values in a tuple, the field names shared by all.

    At 100 000 centres a dict per centre, with its own strings, took 250 MB in every worker; a tuple
    whose repeated values (a municipality, a status, a source) are one string each takes a fifth of it.
    """

    __slots__ = ("_values",)
    names, index = (), {}

    def __init__(self, values):
        self._values = values

    def __getitem__(self, key):
        return self._values[self.index[key]]

    def __iter__(self):
        return iter(self.names)

    def __len__(self):
        return len(self.names)

    def __or__(self, other):
        return dict(self) | other

    def __repr__(self):
        return f"Record({dict(self)!r})"


Record.names = tuple(c.name for c in centres.columns)
Record.index = {name: i for i, name in enumerate(Record.names)}


def shared_centres():
    """Every centre as a Record, by name, for the snapshot that all requests of a data version share."""
    one = {}  # each distinct value once: sqlite and psycopg give every row its own copy of "active"
    with engine().connect() as conn:
        rows = conn.execution_options(yield_per=2000).execute(sa.select(centres).order_by(centres.c.name))
        return [Record(tuple(one.setdefault(v, v) if type(v) is str else v for v in row)) for row in rows]


def get_centre(centre_id):
    with engine().connect() as conn:
        row = conn.execute(sa.select(centres).where(centres.c.id == centre_id)).first()
    return _centre_dict(row) if row else None


def _route_dict(row):
    doc = json.loads(row.doc)
    return {"id": row.id, **doc, "geometry": json.loads(row.geometry) if row.geometry else None,
            "version": row.version}


def all_routes():
    with engine().connect() as conn:
        return [_route_dict(r) for r in conn.execute(sa.select(routes).order_by(routes.c.id))]


def get_route(route_id):
    with engine().connect() as conn:
        row = conn.execute(sa.select(routes).where(routes.c.id == route_id)).first()
    return _route_dict(row) if row else None


def visitors(centre_id, conn=None):
    """A centre's visitor counts as {year: visitors}; inside ``conn``'s transaction when given."""
    if conn is None:
        with engine().connect() as conn:
            return visitors(centre_id, conn)
    rows = conn.execute(sa.select(visitor_counts.c.year, visitor_counts.c.visitors)
                        .where(visitor_counts.c.centre_id == centre_id).order_by(visitor_counts.c.year))
    return {int(y): int(v) for y, v in rows}


def all_visitor_counts():
    with engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(visitor_counts))]


def bump_data_version(conn):
    """Mark that what users see has changed: caches keyed on the version follow."""
    conn.execute(meta.update().where(meta.c.key == "data_version").values(value=meta.c.value + 1))


@contextmanager
def transaction():
    """A write transaction (on SQLite it takes the write lock up front); once committed, this
    process reads the data version again, so its next page shows the write."""
    with current_app.extensions["craftmap.write_engine"].begin() as conn:
        yield conn
    current_app.extensions["craftmap.versions"].expire()


def write_dialect():
    """The SQL dialect of write transactions, to compile statements before taking the write lock."""
    return current_app.extensions["craftmap.write_engine"].dialect


SCHEMA_LOCK = "craftmap:schema"  # held while the schema is upgraded and data/ is loaded


def serialise(conn, name):
    """Within a write transaction, wait for any other one holding ``name`` (SQLite: already one writer)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def _engines(url):
    if not url.startswith("sqlite"):
        eng = sa.create_engine(url, pool_pre_ping=True)
        return eng, eng
    read = sa.create_engine(url, connect_args={"timeout": 30})
    write = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(write, "connect")
    def _manual_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(write, "begin")
    def _begin_immediate(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    return read, write


def init_app(app):
    eng, write = _engines(app.config["DATABASE_URL"])
    app.extensions["craftmap.engine"] = eng
    app.extensions["craftmap.write_engine"] = write
    app.extensions["craftmap.versions"] = Versions(eng, app.config["VERSION_CHECK_SECONDS"])


def dispose(app):
    app.extensions["craftmap.engine"].dispose()
    app.extensions["craftmap.write_engine"].dispose()
