"""A criterion's contribution to the score as a double (``analysis.contribution``, and
``analysis.normalised`` for categorical criteria): step 16 of a run sums the score from it instead of
reading the contributions back out of the criteria's jsonb. ``analysis.criterion`` computes what it
showed before through these functions.

The statements are in db/sql/0011/*.sql (and db/sql/0011.down/ for the way back), run in name order,
so each can be read and pasted into psql.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from flaechenpool.migrations import run_sql_files

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0011")


def downgrade() -> None:
    run_sql_files("0011.down")
