"""Thumbnails of site photos (``core.site_photos.thumbnail``) for the public list of sites: the column, the
audit without its bytes and the public view (db/sql/0016/*.sql); the thumbnails of photos stored before
are made here (``photos.thumbnail_of``), then every photo must have one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from alembic import op
from sqlalchemy import text

from flaechenpool.migrations import run_sql_files
from flaechenpool.photos import thumbnail_of

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0016")
    conn = op.get_bind()
    # the audit trigger records the change as the migration's (the thumbnail's size, never its bytes)
    conn.execute(text("SELECT set_config('flaechenpool.reason', 'Vorschaubild ergänzt (Migration 0016)', true)"))
    for photo_id, content in conn.execute(text("SELECT id, content FROM core.site_photos WHERE thumbnail IS NULL "
                                               "ORDER BY id")).all():
        conn.execute(text("UPDATE core.site_photos SET thumbnail = :t WHERE id = :i"),
                     {"t": thumbnail_of(bytes(content)), "i": photo_id})
    op.execute("ALTER TABLE core.site_photos ALTER COLUMN thumbnail SET NOT NULL")


def downgrade() -> None:
    run_sql_files("0016.down")
