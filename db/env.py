"""Alembic environment: runs the migrations on the connection flaechenpool hands over.

``flaechenpool.migrations.upgrade`` passes an open SQLAlchemy connection in
``config.attributes["connection"]``; the command line form (``alembic upgrade head``) resolves
the database from the settings like every other command.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from flaechenpool.db import create_engine_for, resolve_database_url
    from flaechenpool.settings import Settings

    engine = create_engine_for(resolve_database_url(Settings()))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
