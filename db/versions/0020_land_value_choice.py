"""Land values where zones overlap: per spot the zones that fit best (building land first, then the site's
use), instead of the mean of all zones over a geometry (db/sql/0020/*.sql, db/sql/0020.down/ for the way back).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0020")


def downgrade() -> None:
    run_sql_files("0020.down")
