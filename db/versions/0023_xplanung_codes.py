"""XPlanung's codes of the special types of use (XP_BesondereArtDerBaulNutzung) as XPlanung defines them: 2100
sonstiges Sondergebiet, 3000 Wochenendhausgebiet, 4000 Sondergebiet of the BauNVO 1962/1968 (0001 had 3000 and 4000
for the first two), 9999 sonstiges Gebiet (db/sql/0023/*.sql, db/sql/0023.down/ for the way back).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0023")


def downgrade() -> None:
    run_sql_files("0023.down")
