"""Field surveys: the answers a municipality worker gives at a centre's door, kept with their date and
who surveyed, and the change sets their saves made marked with the survey they came from.

An older database has no surveys; its change sets came from forms, the API and imports, so their
survey is empty (NULL).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("survey_id", sa.String(32), nullable=True))
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), nullable=False),
        sa.Column("surveyed_on", sa.String(10), nullable=False),
        sa.Column("surveyed_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("wheelchair", sa.Text, nullable=False),
        sa.Column("wheelchair_derived", sa.Text, nullable=False),
        sa.Column("override_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("signage", sa.Text, nullable=False),
        sa.Column("centre_version", sa.Integer, nullable=False),
    )
    op.create_index("ix_surveys_centre_id", "surveys", ["centre_id"])


def downgrade():
    op.drop_index("ix_surveys_centre_id", "surveys")
    op.drop_table("surveys")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("survey_id")
