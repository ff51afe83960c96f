"""Public side: construction projects (Bauvorhaben), site reports (Meldungen) with photos and
contacts, investors' inquiries (Anfragen) as personal data, motorway junctions, the views of what the
public sees and the functions through which anonymous callers submit and land managers read.

The statements are in db/sql/0005/*.sql, run in name order, so each can be read and pasted into psql.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

from flaechenpool.migrations import run_sql_files

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_files("0005")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS core.public_sites, core.public_construction_projects")
    op.execute("DROP TABLE IF EXISTS personal.inquiries, personal.report_contacts, core.site_report_photos, "
               "core.site_reports, core.construction_projects, ref.motorway_junctions")
    for function in ("personal.read_report_contacts(bigint[], text)",
                     "personal.read_inquiries(text[], bigint, text, integer)",
                     "personal.submit_inquiry(bigint, text, text, text, text, boolean, text)",
                     "personal.check_read(text[], text, text)", "auth.may_read_personal_data(text)",
                     "core.submit_site_report(text, text, double precision, double precision, integer, bytea, text, "
                     "integer, integer, text, text, text, boolean, text)",
                     "core.new_reference(text)", "core.site_reports_before_update()", "core.bump_version()",
                     "core.investor_uses(text[], text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
