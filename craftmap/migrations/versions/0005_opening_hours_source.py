"""Opening hours say where they come from and as of when: hours copied from a web page are only as
good as that page's date, and a visitor planning a day is told so.

Hours of an older database were typed by an editor (data/ held none before this revision); when is
not known, so both new fields start empty ("not known"), and the next save of the hours dates them.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("opening_hours_source", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("opening_hours_as_of", sa.Text, nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("centres") as batch:
        batch.drop_column("opening_hours_as_of")
        batch.drop_column("opening_hours_source")
