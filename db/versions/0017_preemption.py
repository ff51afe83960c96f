"""Pre-emption cases (Vorkaufsrechtsfälle, §§ 24–28 BauGB): the sale contracts notaries report to the
municipality, the three-month deadline of § 28 (2) BauGB and the decision (no right, waived, exercised; an
exercised right becomes a land-pool transaction). The statements are in db/sql/0017/*.sql (and
db/sql/0017.down/ for the way back).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0017")


def downgrade() -> None:
    run_sql_files("0017.down")
