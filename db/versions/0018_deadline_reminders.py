"""Reminders of pre-emption deadlines (kind ``deadline`` in ``core.notifications``): the land managers are
told of open cases whose deadline comes near (db/sql/0018/*.sql, db/sql/0018.down/ for the way back).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0018")


def downgrade() -> None:
    run_sql_files("0018.down")
