"""Each change row records the centre version its save made, so that a form's starting version can be
rebuilt from the history (three-way merge of two people's saves) instead of trusting hidden fields.

Rows of an older database are numbered backwards from each centre's version, newest change set first.
Where a save once changed nothing (a version with no rows) this numbers a change set higher than it was:
a merge from such a version then asks about a field rather than silently overwriting it.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_changes = sa.table("changes", sa.column("id", sa.Integer), sa.column("centre_id", sa.String),
                    sa.column("batch", sa.String), sa.column("version", sa.Integer))
_centres = sa.table("centres", sa.column("id", sa.String), sa.column("version", sa.Integer))


def _backfill(conn):
    versions = dict(conn.execute(sa.select(_centres.c.id, _centres.c.version)).all())
    newest = (sa.select(_changes.c.centre_id, _changes.c.batch, sa.func.max(_changes.c.id).label("last"))
              .group_by(_changes.c.centre_id, _changes.c.batch).order_by(sa.desc("last")))
    seen = {}
    for centre_id, batch, _last in conn.execute(newest).all():
        seen[centre_id] = seen.get(centre_id, -1) + 1
        version = max(1, versions.get(centre_id, 1) - seen[centre_id])
        conn.execute(_changes.update().where(_changes.c.centre_id == centre_id, _changes.c.batch == batch)
                     .values(version=version))


def upgrade():
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=True))
    _backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("version")
