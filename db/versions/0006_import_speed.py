"""Import speed: the foreign keys of core.parcels are checked once per (municipality, import run)
pair through core.parcel_references instead of once per row; parcel geometries are stored uncompressed
and inline up to a full page.

The statements are in db/sql/0006/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0006")


def downgrade() -> None:
    op.execute("ALTER TABLE core.parcels ALTER COLUMN geom SET STORAGE MAIN")
    op.execute("ALTER TABLE core.parcels RESET (toast_tuple_target)")
    op.execute("DROP TRIGGER parcel_references ON core.parcels")
    op.execute("DROP TRIGGER parcel_references_update ON core.parcels")
    op.execute("DROP TABLE core.parcel_references")
    op.execute("DROP FUNCTION core.parcel_references_add(), core.parcel_references_keep()")
    op.execute("ALTER TABLE core.parcels "
               "ADD CONSTRAINT parcels_municipality_ags_fkey FOREIGN KEY (municipality_ags) "
               "REFERENCES core.municipalities, "
               "ADD CONSTRAINT parcels_import_run_id_fkey FOREIGN KEY (import_run_id) REFERENCES core.import_runs")
