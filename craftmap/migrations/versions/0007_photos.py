"""Photos as a survey's evidence, re-encoded without their metadata and kept in the database, so every
app server behind a load balancer serves them. An older database has none.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "photos",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("centre_id", sa.String(80), sa.ForeignKey("centres.id"), nullable=False),
        sa.Column("survey_id", sa.String(32), sa.ForeignKey("surveys.id"), nullable=True),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("caption", sa.Text, nullable=False, server_default=""),
        sa.Column("mimetype", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_photos_centre_id", "photos", ["centre_id"])


def downgrade():
    op.drop_index("ix_photos_centre_id", "photos")
    op.drop_table("photos")
