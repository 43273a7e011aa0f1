"""Loading the open data in data/ into the database: on first start, and again when data/ changes,
without touching what people entered (accounts, tokens, history, visitor counts, their edits).

Start-up upgrades the schema and loads an empty database under one lock, so several servers
starting together do it once. ``flask data reload`` shows what loading data/ again would change,
then applies it as recorded changes; ``flask data reset`` is the separate command that deletes everything.
"""
import json
import uuid

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from . import db, editing, schema, seed
from .validation import CENTRE_FIELDS

__all__ = ["LOADER", "init_app", "read", "plan_reload", "apply_reload", "cli"]

LOADER = "data/"  # the author of every change that loading the open data makes
_LOCATION = ("lat", "lon", "coord_precision")  # kept or updated together, never split
_ROUTE_LOADERS = ("seed", LOADER)


def read(data_dir, ref):
    """Centre and route records from data/, checked; raises seed.DataError naming file, row and field."""
    centres = seed.read_centres(data_dir / "centres.csv", ref)
    return centres, seed.read_routes(data_dir / "routes.geojson", {c["id"] for c in centres}, ref.study_region)


def _route_values(route):
    return {"geometry": json.dumps(route["geometry"]) if route["geometry"] else None,
            "doc": json.dumps({k: v for k, v in route.items() if k not in ("id", "geometry")}, ensure_ascii=False)}


def _is_loaded(conn):
    return conn.execute(sa.select(db.meta.c.value).where(db.meta.c.key == "data_version")).first() is not None


def _load_empty(conn, centres, routes):
    conn.execute(db.centres.insert(), centres)
    if routes:
        conn.execute(db.routes.insert(), [{"id": r["id"], **_route_values(r)} for r in routes])
    conn.execute(db.meta.insert(), [{"key": "data_version", "value": 1}])


def prepare(app, ref):
    """Upgrade the schema to the newest revision and load data/ into an empty database, under one lock."""
    loaded = False
    with app.extensions["craftmap.engine"].connect() as conn:
        if sa.inspect(conn).has_table("meta"):
            loaded = _is_loaded(conn)
    records = None if loaded else read(app.config["DATA_DIR"], ref)  # outside the lock: files are slow
    with app.extensions["craftmap.write_engine"].begin() as conn:
        db.serialise(conn, db.SCHEMA_LOCK)  # SQLite: BEGIN IMMEDIATE has taken the lock already
        schema.upgrade(conn)
        if not _is_loaded(conn):
            _load_empty(conn, *(records or read(app.config["DATA_DIR"], ref)))


def init_app(app, ref):
    prepare(app, ref)
    app.cli.add_command(cli)


def _person_edited(conn):
    """(centre id, field) pairs that someone other than the loader has changed."""
    rows = conn.execute(sa.select(db.changes.c.centre_id, db.changes.c.field).where(db.changes.c.by != LOADER))
    edited = set()
    for centre_id, field in rows:
        group = CENTRE_FIELDS if field == "created" else _LOCATION if field in _LOCATION else (field,)
        edited |= {(centre_id, f) for f in group}  # a person who created a centre wrote all of it
    return edited


def _centre_plan(conn, centres):
    current = {r.id: dict(r._mapping) for r in conn.execute(sa.select(db.centres))}
    edited = _person_edited(conn)
    plan = {"add": [], "update": {}, "kept": {}, "not_in_data": sorted(set(current) - {c["id"] for c in centres})}
    for record in centres:
        now = current.get(record["id"])
        if now is None:
            plan["add"].append(record)
            continue
        differ = {f: (now[f], record[f]) for f in CENTRE_FIELDS if f != "id" and now[f] != record[f]}
        kept = {f: d for f, d in differ.items() if (record["id"], f) in edited}
        if len(kept) != len(differ):
            plan["update"][record["id"]] = {"version": now["version"],
                                            "fields": {f: d for f, d in differ.items() if f not in kept}}
        if kept:
            plan["kept"][record["id"]] = kept
    return plan


def _route_plan(conn, routes):
    current = {r.id: r for r in conn.execute(sa.select(db.routes))}
    plan = {"add": [], "update": [], "kept": [], "not_in_data": sorted(set(current) - {r["id"] for r in routes})}
    for route in routes:
        now, values = current.get(route["id"]), _route_values(route)
        if now is None:
            plan["add"].append(route)
        elif (json.loads(now.doc), now.geometry and json.loads(now.geometry)) != (
                json.loads(values["doc"]), route["geometry"]):
            plan["kept" if now.updated_by not in _ROUTE_LOADERS else "update"].append(route | {"version": now.version})
    return plan


def plan_reload(conn, centres, routes):
    """What loading these records again would do, without writing: per centre and route, what is
    added, updated, kept because a person edited it since, and what the database has beyond data/."""
    return {"centres": _centre_plan(conn, centres), "routes": _route_plan(conn, routes)}


class Moved(Exception):
    """A centre or route changed between the preview and applying it."""


def apply_reload(conn, plan):
    """Apply a plan in ``conn``'s transaction; every centre change is recorded as the loader's, so it
    shows in the history and can be reverted. Raises Moved when something changed since the plan."""
    batch = uuid.uuid4().hex
    for record in plan["centres"]["add"]:
        conn.execute(db.centres.insert().values(**record, updated_by=LOADER))
        conn.execute(db.changes.insert(), editing.record(record["id"], batch, LOADER,
                                                         {"created": (None, record["name"])}, 1))
    for centre_id, update in plan["centres"]["update"].items():
        version, fields = update["version"], update["fields"]
        done = conn.execute(db.centres.update().where(db.centres.c.id == centre_id, db.centres.c.version == version)
                            .values(**{f: new for f, (_, new) in fields.items()}, version=version + 1,
                                    updated_by=LOADER, updated_at=sa.func.now()))
        if done.rowcount != 1:
            raise Moved(centre_id)
        conn.execute(db.changes.insert(), editing.record(centre_id, batch, LOADER, fields, version + 1))
    for route in plan["routes"]["add"]:
        conn.execute(db.routes.insert().values(id=route["id"], updated_by=LOADER, **_route_values(route)))
    for route in plan["routes"]["update"]:
        done = conn.execute(db.routes.update().where(db.routes.c.id == route["id"], db.routes.c.version == route["version"])
                            .values(version=route["version"] + 1, updated_by=LOADER,
                                    **_route_values({k: v for k, v in route.items() if k != "version"})))
        if done.rowcount != 1:
            raise Moved(route["id"])
    db.bump_data_version(conn)


def _describe(plan):
    c, r = plan["centres"], plan["routes"]
    lines = [f"add centre {x['id']}" for x in c["add"]]
    for centre_id, update in c["update"].items():
        lines += [f"update centre {centre_id}, {f}: {old!r} -> {new!r}" for f, (old, new) in update["fields"].items()]
    for centre_id, diffs in c["kept"].items():
        lines += [f"keep centre {centre_id}, {f}: {now!r} (edited in craftmap; data/ has {new!r})"
                  for f, (now, new) in diffs.items()]
    lines += [f"keep centre {x} (not in data/: added in craftmap, or dropped from the open data)" for x in c["not_in_data"]]
    lines += [f"add route {x['id']}" for x in r["add"]] + [f"update route {x['id']}" for x in r["update"]]
    lines += [f"keep route {x['id']} (edited by a planner; data/ differs)" for x in r["kept"]]
    lines += [f"keep route {x} (not in data/)" for x in r["not_in_data"]]
    return lines


def _changes_anything(plan):
    return any(plan[k][a] for k in ("centres", "routes") for a in ("add", "update"))


cli = AppGroup("data", help="Load the open data in data/ again, or reset the database.")


@cli.command("reload")
@click.option("--yes", is_flag=True, help="Apply without asking.")
def reload_command(yes):
    """Update centres and routes from data/: shows every change first; keeps accounts, tokens, history,
    visitor counts, centres and routes not in data/, and every field a person edited since."""
    app = current_app
    records = read(app.config["DATA_DIR"], app.extensions["craftmap.reference"])
    with db.engine().connect() as conn:
        plan = plan_reload(conn, *records)
    for line in _describe(plan):
        click.echo(line)
    if not _changes_anything(plan):
        click.echo("Nothing to change: the database already holds what data/ says.")
        return
    if not yes:
        click.confirm("Apply these changes?", abort=True)
    try:
        with db.transaction() as conn:
            apply_reload(conn, plan)
    except Moved as exc:
        raise click.ClickException(f"{exc.args[0]} changed while you read the list; nothing was applied. Run again.")
    click.echo("Applied; each centre change is in its history as made by 'data/'.")


def _counts(conn):
    tables = {"accounts": db.users, "API tokens": db.api_tokens, "change records": db.changes,
              "visitor counts": db.visitor_counts, "centres": db.centres, "routes": db.routes,
              "sign-in failure records": db.login_failures}
    return {name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for name, t in tables.items()}


@cli.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask (for scripts).")
def reset_command(yes):
    """Delete EVERYTHING in the database and load data/ again, as on a first start."""
    app = current_app
    records = read(app.config["DATA_DIR"], app.extensions["craftmap.reference"])
    with db.engine().connect() as conn:
        counts = _counts(conn)
    click.echo("This deletes all " + ", ".join(f"{name} ({n})" for name, n in counts.items())
               + ", then loads data/ as on a first start. Accounts must be added again.")
    if not yes:
        click.confirm("Delete all of it?", abort=True)
    before = db.data_version(fresh=True)
    with db.transaction() as conn:
        db.serialise(conn, db.SCHEMA_LOCK)
        db.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        schema.upgrade(conn)
        _load_empty(conn, *records)
        # never back to a version that running servers have cached
        conn.execute(db.meta.update().where(db.meta.c.key == "data_version").values(value=before + 1))
    click.echo("Deleted; data/ loaded.")
