"""The data layer: the only module that talks to the database (SQLite or PostgreSQL)."""
import json

import click
import sqlalchemy as sa
from flask import current_app

from . import seed

__all__ = ["metadata", "init_app", "engine", "data_version", "all_centres", "get_centre",
           "all_routes", "get_route", "all_visitor_counts", "create_and_seed",
           "update_centre", "set_visitor_count", "StaleVersion"]

metadata = sa.MetaData()

centres = sa.Table(
    "centres", metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    *[sa.Column(f, sa.Text, nullable=False, server_default="") for f in seed.CENTRE_FIELDS
      if f not in ("id", "lat", "lon")],
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
)

visitor_counts = sa.Table(
    "visitor_counts", metadata,
    sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("visitors", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


def engine():
    return current_app.extensions["craftmap.engine"]


def data_version():
    """A number that changes whenever anything shown to users changes."""
    with engine().connect() as conn:
        return conn.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar_one()


def _centre_dict(row):
    return dict(row._mapping)


def all_centres():
    with engine().connect() as conn:
        return [_centre_dict(r) for r in conn.execute(sa.select(centres).order_by(centres.c.name))]


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


def all_visitor_counts():
    with engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(visitor_counts))]


class StaleVersion(Exception):
    """The centre changed since the caller read it."""


def _bump_data_version(conn):
    conn.execute(meta.update().where(meta.c.key == "data_version").values(value=meta.c.value + 1))


def update_centre(centre_id, changes, expected_version, user):
    """Write ``changes`` to a centre if it is still at ``expected_version``; return the new version.

    The version is checked in the UPDATE itself, so two concurrent edits can never both land.
    """
    with engine().begin() as conn:
        result = conn.execute(
            centres.update()
            .where(centres.c.id == centre_id, centres.c.version == expected_version)
            .values(**changes, version=centres.c.version + 1, updated_by=user, updated_at=sa.func.now()))
        if result.rowcount != 1:
            raise StaleVersion(centre_id)
        _bump_data_version(conn)
    return expected_version + 1


def set_visitor_count(centre_id, year, visitors, source):
    """Record (or replace) a centre's visitor count for a year."""
    with engine().begin() as conn:
        conn.execute(visitor_counts.delete().where(visitor_counts.c.centre_id == centre_id,
                                                   visitor_counts.c.year == year))
        conn.execute(visitor_counts.insert().values(centre_id=centre_id, year=year, visitors=visitors,
                                                    source=source))
        _bump_data_version(conn)


def create_and_seed(eng, data_dir, ref):
    """Create the tables and load data/ into an empty database, all or nothing."""
    centre_rows = seed.read_centres(data_dir / "centres.csv", ref)
    route_rows = seed.read_routes(data_dir / "routes.geojson", {c["id"] for c in centre_rows})
    metadata.create_all(eng)
    with eng.begin() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(centres)).scalar_one():
            return False
        conn.execute(centres.insert(), centre_rows)
        if route_rows:
            conn.execute(routes.insert(), [
                {"id": r["id"], "geometry": json.dumps(r["geometry"]) if r["geometry"] else None,
                 "doc": json.dumps({k: v for k, v in r.items() if k not in ("id", "geometry")},
                                   ensure_ascii=False)} for r in route_rows])
        conn.execute(meta.insert(), [{"key": "data_version", "value": 1}])
    return True


def _is_seeded(eng):
    return sa.inspect(eng).has_table("meta")


def init_app(app, ref):
    eng = sa.create_engine(app.config["DATABASE_URL"], future=True)
    app.extensions["craftmap.engine"] = eng
    try:
        if not _is_seeded(eng):
            try:
                create_and_seed(eng, app.config["DATA_DIR"], ref)
            except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError):
                if not _is_seeded(eng):  # else another server seeded it at the same moment
                    raise
    except Exception:
        eng.dispose()
        raise
    app.cli.add_command(reseed_command)


@click.command("reseed")
@click.confirmation_option(prompt="This replaces every centre and route with data/. Continue?")
def reseed_command():
    """Drop all data and load data/ again."""
    from flask import current_app as app
    eng = engine()
    metadata.drop_all(eng)
    create_and_seed(eng, app.config["DATA_DIR"], app.extensions["craftmap.reference"])
    click.echo("Database loaded from " + str(app.config["DATA_DIR"]))
