"""Land office: bulk imports skip the row audit trigger; audit.changes view for planners and land managers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None



def upgrade() -> None:
    run_sql_files("0003")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS audit.changes")
    for table, key in (("core.parcels", "flurstueckskennzeichen"), ("core.buildings", "id")):
        op.execute(f"DROP TRIGGER audit_log ON {table}")
        op.execute(f"CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION audit.log_change('{key}')")
