"""The key-history index of parcels holds closed versions only (current ones are in the unique
current-key index): a first import writes each key once, not twice.

The statements are in db/sql/0008/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0008")


def downgrade() -> None:
    op.execute("DROP INDEX core.parcels_key_history_idx")
    op.execute("CREATE INDEX parcels_key_history_idx ON core.parcels (flurstueckskennzeichen, valid_from)")
