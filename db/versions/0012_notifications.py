"""E-mail notifications: users get an e-mail address (``auth.users.email``, ``notify``), and an inquiry
or site report sent through the public page is queued in ``core.notifications`` by a trigger, in the
transaction that stores it, for the service's mail job.

The statements are in db/sql/0012/*.sql (and db/sql/0012.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0012")


def downgrade() -> None:
    run_sql_files("0012.down")
