"""Foundation: municipalities, parcels with history, sites, land pool, buildings and vacancies,
personal data, reference layers, users/roles and the audit log.

The statements are in db/sql/0001/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None



def upgrade() -> None:
    run_sql_files("0001")


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS audit, auth, ref, personal, core CASCADE")
