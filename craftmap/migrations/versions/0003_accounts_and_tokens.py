"""Accounts can be disabled and record their last sign-in; API tokens expire, record their last use
(to the minute) and carry a label; login failures get an index on their time, for pruning.

A token of an older database never expired. It is given 365 days from this upgrade (the default for new
tokens), so no client stops working the moment the release is deployed; `flask token list` shows it.

Revision ID: 0003
Revises: 0002
"""
import datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("label", sa.Text, nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=365)))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index("ix_login_failures_at", "login_failures", ["at"])


def downgrade():
    op.drop_index("ix_login_failures_at", table_name="login_failures")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("label")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("last_login_at")
