"""Weekly reminders of inquiries still new some days after they arrived: ``personal.queue_reminders`` queues
one per municipality and week in ``core.notifications`` (kind ``reminder``), ``personal.overdue_inquiries``
lists what the e-mail names (reference, site, arrival; no personal data).

The statements are in db/sql/0014/*.sql (and db/sql/0014.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0014")


def downgrade() -> None:
    run_sql_files("0014.down")
