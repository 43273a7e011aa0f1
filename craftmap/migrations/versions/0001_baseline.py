"""Baseline: the schema of the last release before migrations (commit 1a8d227).

A database made by that release has these tables but no alembic_version table; craftmap recognises
it on start and stamps it with this revision before upgrading (craftmap/schema.py).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CENTRE_TEXT = ("name", "name_en", "kind", "crafts", "country", "municipality", "settlement", "address",
               "coord_precision", "coord_note", "phone", "email", "website", "opening_hours", "wheelchair",
               "wheelchair_description", "toilets_wheelchair", "signage", "signage_checked_on",
               "mid_baltic_network", "mid_baltic_evidence", "status", "source", "notes")


def upgrade():
    op.create_table(
        "centres",
        sa.Column("id", sa.String(80), primary_key=True),
        *[sa.Column(name, sa.Text, nullable=False, server_default="") for name in CENTRE_TEXT],
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("updated_by", sa.Text, nullable=False, server_default="seed"),
    )
    op.create_table(
        "routes",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
        sa.Column("geometry", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "visitor_counts",
        sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("visitors", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("municipality", sa.Text, nullable=True),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_login_failures_key", "login_failures", ["key"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), nullable=False),
        sa.Column("batch", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old", sa.Text, nullable=True),
        sa.Column("new", sa.Text, nullable=True),
        sa.Column("reverts", sa.String(32), nullable=True),
    )
    op.create_index("ix_changes_centre_id", "changes", ["centre_id"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade():
    for table in ("meta", "changes", "login_failures", "api_tokens", "users", "visitor_counts", "routes", "centres"):
        op.drop_table(table)
