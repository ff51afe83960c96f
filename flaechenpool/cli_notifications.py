"""``flaechenpool notifications list|send``: the e-mails that tell land managers about new inquiries and
site reports (``flaechenpool.notifications``). The service sends them every ``mail.every_s`` seconds;
``send`` does one turn by hand or from cron (``FLAECHENPOOL_MAIL__EVERY_S=0``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from flaechenpool.cli import _as_operator, _read, _run, _settings, _when, out, show

notifications_app = typer.Typer(help="E-mail notifications of new inquiries and site reports.", no_args_is_help=True)


@notifications_app.command("list")
def notifications_list(
    pending: Annotated[bool, typer.Option("--pending", help="Only those not sent yet")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """The newest notifications: what arrived, when, whether and to whom it was sent, the last error."""
    from flaechenpool import notifications

    rows = _read(lambda conn: notifications.list_notifications(conn, pending=pending, limit=limit))
    if not rows:
        out.print("no notifications" + (" waiting" if pending else ""))
        return
    table = Table(title=f"{len(rows)} notification(s)")
    for column in ("reference", "kind", "municipality", "site", "arrived", "state", "attempts", "sent to / next try",
                   "last error"):
        table.add_column(column, overflow="fold")
    for n in rows:
        state = n["state"] if n["state"] != "retrying" else f"[red]{n['state']}[/red]"
        when = ", ".join(n["sent_to"]) if n["sent_at"] else _when(n["next_attempt_at"])
        table.add_row(n["reference"], n["kind"], n["municipality_ags"], str(n["site_id"] or "–"),
                      _when(n["created_at"]), state, str(n["attempts"]), when, n["last_error"] or "–")
    show(table)


def _no_smtp_server() -> None:
    from flaechenpool.errors import ConfigurationError

    raise ConfigurationError("no SMTP server configured: set FLAECHENPOOL_MAIL__SMTP_HOST (and __SMTP_PORT, "
                             "__SECURITY, __USERNAME, __PASSWORD, __SENDER)")


@notifications_app.command("send")
def notifications_send(
    retry: Annotated[bool, typer.Option("--retry", help="Also those waiting for their next attempt (after the "
                                                        "mail settings were fixed)")] = False,
) -> None:
    """Send what is due now (the service does this every mail.every_s seconds)."""
    from flaechenpool import notifications

    settings = _settings()
    if settings.mail.smtp_host is None:
        _run(_no_smtp_server)

    def send(conn: Any) -> notifications.SendReport:
        if retry:
            notifications.retry_now(conn)
        return notifications.send_due(conn, settings.mail, settings.public)

    report = _as_operator("notifications send", send, settings)
    out.print(f"{report.sent} sent, {report.failed} failed (tried again later), {report.without_recipient} without "
              f"recipient" + (f", {report.deleted} older sent ones deleted" if report.deleted else ""))
    if report.failed or report.without_recipient:
        out.print("see 'flaechenpool notifications list --pending' for the reasons")
