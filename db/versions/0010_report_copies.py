"""Erasure on a person's request also reaches the copy of their report's description in the site made
from the report ("Aus Meldung …: …"): replaced by the same note in the site (retired or not) and in its
audit records (``personal.redact_reports``; ``core.sites_before_write`` lets only that function change a
retired site, and only its description).

The statements are in db/sql/0010/*.sql (and db/sql/0010.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0010")


def downgrade() -> None:
    run_sql_files("0010.down")
