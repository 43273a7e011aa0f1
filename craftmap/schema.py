"""The database schema's version: Alembic revisions in craftmap/migrations, applied on start and by
``flask db``. A database made before migrations existed is recognised and stamped as the baseline."""
from pathlib import Path

import click
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask.cli import AppGroup

from . import db

__all__ = ["BASELINE", "head", "current", "upgrade", "differences", "SchemaError", "cli"]

SCRIPTS = Path(__file__).with_name("migrations")
BASELINE = "0001"
_BASELINE_TABLES = {"centres", "routes", "visitor_counts", "users", "api_tokens", "login_failures", "changes", "meta"}


class SchemaError(Exception):
    """The database holds tables that no craftmap release made; nothing was changed."""


def _config(conn=None):
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = conn
    return cfg


def head():
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(conn):
    """The revision the database is at; None for an empty database or one made before migrations."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn, revision="head"):
    """Bring the database in ``conn``'s transaction to ``revision``: create the tables of an empty one,
    stamp one made by the last release before migrations, then apply every later revision."""
    tables = set(sa.inspect(conn).get_table_names())
    if "alembic_version" not in tables and tables & _BASELINE_TABLES:
        if not _BASELINE_TABLES <= tables:
            raise SchemaError("the database has some of craftmap's tables but not all of them "
                              f"(missing: {', '.join(sorted(_BASELINE_TABLES - tables))}); nothing was changed")
        command.stamp(_config(conn), BASELINE)
    command.upgrade(_config(conn), revision)


def differences(conn):
    """What differs between the tables declared in craftmap/db.py and the database: empty when they agree."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


cli = AppGroup("db", help="The database schema: upgrade it, see its revision and history.")


def _write_connection():
    from flask import current_app
    return current_app.extensions["craftmap.write_engine"].begin()


@cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision):
    """Upgrade the database to REVISION (default: the newest). Servers also do this on start."""
    with _write_connection() as conn:
        db.serialise(conn, db.SCHEMA_LOCK)
        before = current(conn)
        upgrade(conn, revision)
        after = current(conn)
    click.echo(f"Database at revision {after}" + ("" if after == before else f" (was {before or 'unversioned'})"))


@cli.command("current")
def current_command():
    """Print the database's revision and the newest one this code knows."""
    from flask import current_app
    with current_app.extensions["craftmap.engine"].connect() as conn:  # reading needs no write transaction
        rev = current(conn)
    click.echo(f"database: {rev or 'unversioned'}; newest known: {head()}")


@cli.command("history")
def history_command():
    """List every revision, newest first."""
    for script in ScriptDirectory.from_config(_config()).walk_revisions():
        click.echo(f"{script.revision}  {script.doc.splitlines()[0] if script.doc else ''}")


@cli.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes, and why.")
def revision_command(message):
    """Write a new revision from the difference between craftmap/db.py and the database (for developers)."""
    with _write_connection() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
