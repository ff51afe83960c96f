"""Erasure on a person's request reaches the site reports they sent: the description is replaced by a
note, the photo deleted, the description removed from audit.log (``personal.redact_reports``, called by
``personal.erase_by_email``, which now also says how many reports it cleared).

The statements are in db/sql/0009/*.sql (and db/sql/0009.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from flaechenpool.migrations import run_sql_files

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0009")


def downgrade() -> None:
    run_sql_files("0009.down")
