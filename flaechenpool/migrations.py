"""Schema migrations (Alembic, under db/): upgrade to the newest revision and report the current one."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from flaechenpool.settings import PROJECT_ROOT


def alembic_config() -> Config:
    """The project's Alembic configuration (alembic.ini at the checkout's root)."""
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def head_revision() -> str:
    """The newest migration revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def is_known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of the migrations shipped with this code."""
    return any(script.revision == revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def roles_sql() -> str:
    """The statements that create the service's cluster-wide roles (idempotent; part of the first migration)."""
    return (PROJECT_ROOT / "db" / "sql" / "0001" / "00_roles.sql").read_text(encoding="utf-8")


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` in one transaction; return the revision before."""
    config = alembic_config()
    with engine.begin() as conn:
        before = current_revision(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return before


def run_sql_files(version: str) -> None:
    """Inside a migration: run ``db/sql/<version>/*.sql`` in name order.

    The DBAPI cursor without parameters sends each file as one simple query (several statements,
    ``%`` needs no escaping), so each file can be read and pasted into psql as it is.
    """
    from alembic import op

    cursor = op.get_bind().connection.cursor()
    for path in sorted((PROJECT_ROOT / "db" / "sql" / version).glob("*.sql")):
        cursor.execute(path.read_text(encoding="utf-8"))
