"""Frozen reports: a reporting period's figures, their basis and the data version, kept as they were
when a planner froze them. An older database has none.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("frozen_by", sa.Text, nullable=False),
        sa.Column("data_version", sa.Integer, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
    )


def downgrade():
    op.drop_table("reports")
