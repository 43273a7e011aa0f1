"""Routes record who last wrote them, so loading data/ again keeps a route a planner edited.

Every route of an older database came from data/ or a planner; which is not known, so they are marked
"seed" (as loaded) unless a planner had changed them, which the version tells: above 1 it was edited.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("routes") as batch:
        batch.add_column(sa.Column("updated_by", sa.Text, nullable=False, server_default="seed"))
    op.execute("UPDATE routes SET updated_by = 'a planner (before 0002)' WHERE version > 1")


def downgrade():
    with op.batch_alter_table("routes") as batch:
        batch.drop_column("updated_by")
