"""Pre-emption cases on the map: the outline of each case's parcels (kept as recorded) and one definition of a
case's state, for the OGC collection ``preemption_cases`` (db/sql/0021/*.sql, db/sql/0021.down/ for the way back).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0021")


def downgrade() -> None:
    run_sql_files("0021.down")
