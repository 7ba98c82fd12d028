"""Alembic's environment for the desk's database. mtcheck runs the migrations itself (store.migrate), with
the connection it opened passed in `config.attributes["connection"]`; no alembic.ini is needed."""

from alembic import context

from mtcheck.desk.models import Base

connection = context.config.attributes.get("connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
