"""Foundation: municipalities, parcels with history, sites, land pool, buildings and vacancies,
personal data, reference layers, users/roles and the audit log.

The statements are in db/sql/0001/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from pathlib import Path

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "0001"


def upgrade() -> None:
    # the DBAPI cursor without parameters sends each file as one simple query (several statements)
    cursor = op.get_bind().connection.cursor()
    for path in sorted(SQL_DIR.glob("*.sql")):
        cursor.execute(path.read_text(encoding="utf-8"))


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS audit, auth, ref, personal, core CASCADE")
