"""How the land office handles an inquiry: status (new, in progress, answered, closed), when and by whom it
last changed, and an internal note, set through ``personal.set_inquiry_status`` by the land managers of the
municipality; the reads return them and can keep to one status; the note is a personal column (redacted
from audit.log with the inquiry).

The statements are in db/sql/0013/*.sql (and db/sql/0013.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0013")


def downgrade() -> None:
    run_sql_files("0013.down")
