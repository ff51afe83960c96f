"""Analysis: redevelopment-potential runs and their candidates (schema ``analysis``), the link from
core.sites to the run and candidate a site was created from, the box index of core.buildings the
analysis joins through, grants and audit triggers.

The statements are in db/sql/0004/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0004")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS analysis.candidate_features")
    op.execute("ALTER TABLE core.sites DROP COLUMN IF EXISTS analysis_candidate_id, "
               "DROP COLUMN IF EXISTS analysis_run_id")
    op.execute("DROP SCHEMA IF EXISTS analysis CASCADE")
    op.execute("DROP INDEX IF EXISTS core.buildings_box_idx")
