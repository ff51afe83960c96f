"""Photos of sites (``core.site_photos``: caption as text alternative, credit, image without metadata),
audited without their bytes; anonymous callers see those of published sites (``core.public_site_photos``).

The statements are in db/sql/0015/*.sql (and db/sql/0015.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0015")


def downgrade() -> None:
    run_sql_files("0015.down")
