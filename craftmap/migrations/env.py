"""Alembic's entry point: craftmap always hands it an open connection (see craftmap/schema.py)."""
from alembic import context

from craftmap.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                  render_as_batch=True)  # SQLite alters a table by copying it; batch mode does that
with context.begin_transaction():
    context.run_migrations()
