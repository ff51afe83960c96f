"""Retention and erasure of what the public sends: inquiries and report contacts are deleted when
their retention period ends (``personal.purge_expired``) or on a person's request (``personal.erase``,
``personal.find_by_email`` for access requests), with their personal columns redacted in audit.log;
rate limits of the public side are counted in the database (``core.rate_acquire``), shared by every
process of the service.

The statements are in db/sql/0007/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0007")


def downgrade() -> None:
    op.execute("DROP FUNCTION personal.find_by_email(text, text), personal.purge_expired(integer, integer), "
               "personal.erase_by_email(text, text), personal.ids_by_email(text), personal.erase(bigint[], bigint[], text), "
               "audit.redact(text, text[], text), audit.personal_columns(text), "
               "core.rate_acquire(text[], integer[], integer)")
    op.execute("DROP TABLE core.rate_hits, core.rate_salt")
