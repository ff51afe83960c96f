"""Areas of pre-emption rights (Vorkaufsrechtsgebiete, §§ 24, 25 BauGB) as a reference layer, for the question
whether a right exists on a notice (db/sql/0022/*.sql, db/sql/0022.down/ for the way back).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0022")


def downgrade() -> None:
    run_sql_files("0022.down")
