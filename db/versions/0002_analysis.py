"""Placeholder kept so that databases already at 0002 or 0003 stay on the chain; the analysis schema is 0004.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
