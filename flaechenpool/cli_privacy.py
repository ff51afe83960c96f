"""``flaechenpool personal purge|show|erase``: retention and requests of data subjects for what the
public sends (inquiries, reporters' contacts). Runs with the operator's rights (role admin, actor
``cli:<os user>``); showing is logged with its purpose, erasing records its reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from flaechenpool.cli import _as_operator, _settings, _when, out, show

if TYPE_CHECKING:
    from flaechenpool.privacy import Erased

personal_app = typer.Typer(help="Retention and erasure of personal data sent through the public page.",
                           no_args_is_help=True)


def _summary(what: str, erased: Erased) -> str:
    reports = (f"; {erased.reports} reports cleared of description and photo (and the copies in sites made from them)"
               if erased.reports else "")
    return (f"{what}: {erased.inquiries} inquiries, {erased.report_contacts} report contacts deleted{reports}; "
            f"{erased.audit_records} audit records redacted")


@personal_app.command("purge")
def personal_purge() -> None:
    """Delete inquiries and report contacts whose retention period has ended (settings: public.*_retention_days)."""
    from flaechenpool import privacy

    settings = _settings()
    erased = _as_operator("retention period ended", lambda conn: privacy.purge_expired(conn, settings.public), settings)
    out.print(_summary(f"retention (inquiries {settings.public.inquiry_retention_days} days, report contacts "
                       f"{settings.public.report_contact_retention_days} days)", erased))


@personal_app.command("show")
def personal_show(email: Annotated[str, typer.Argument(help="E-mail address the person used")],
                  purpose: Annotated[str, typer.Option(help="Why (logged), e.g. 'Auskunft nach Art. 15 DSGVO, Az. …'")]
                  ) -> None:
    """Everything stored about an e-mail address (for an access request)."""
    from flaechenpool import privacy

    rows = _as_operator(f"access request: {purpose}", lambda conn: privacy.find_by_email(conn, email, purpose=purpose))
    out.print(f"{email}: {len(rows)} records")
    for r in rows:   # one block a record: readable in a narrow terminal, complete for the answer to the person
        table = Table(title=f"{r['what']} {r['reference']}", show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for field in ("received_at", "municipality_ags", "name", "email", "phone", "company", "message",
                      "consent_text_version"):
            if r[field] is not None:
                value = _when(r[field]) if field == "received_at" else str(r[field])
                table.add_row(field, value)
        show(table)


@personal_app.command("erase")
def personal_erase(email: Annotated[str, typer.Argument(help="E-mail address the person used")],
                   reason: Annotated[str, typer.Option(help="Why (recorded), e.g. 'Löschung nach Art. 17 DSGVO, Az. …'")]
                   ) -> None:
    """Delete everything sent with an e-mail address (inquiries, report contacts, the description and photo
    of those reports, the copy of that description in a site made from a report) and redact it in the audit log."""
    from flaechenpool import privacy

    out.print(_summary(email, _as_operator(reason, lambda conn: privacy.erase_by_email(conn, email, reason=reason))))
