"""Land values (*Bodenrichtwerte*, § 196 BauGB) as a reference layer: zones with a value per m², the
reference date, use and development state, as the expert committees (Gutachterausschüsse) publish them
(db/sql/0019/*.sql, db/sql/0019.down/ for the way back).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0019")


def downgrade() -> None:
    run_sql_files("0019.down")
