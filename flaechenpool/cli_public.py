"""Commands for the public side: ``inquiries list|status|demand``, ``reports list|accept|reject``,
``projects list|create|publish``.

Like the land-office commands they run with the operator's rights (role admin, actor
``cli:<os user>``); reading inquiries or reporters' contacts needs a purpose and is logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from flaechenpool.cli import _as_operator, _options, _read, _when, out, show
from flaechenpool.cli_landoffice import _operator, _stored

inquiries_app = typer.Typer(help="Investors' inquiries (personal data; reads are logged).", no_args_is_help=True)
reports_app = typer.Typer(help="Site reports from the public (review queue).", no_args_is_help=True)
projects_app = typer.Typer(help="Construction projects (Bauvorhaben).", no_args_is_help=True)


def _short(value: Any, width: int = 60) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@inquiries_app.command("list")
def inquiries_list(municipality: Annotated[str, typer.Option(help="AGS of the municipality")],
                   purpose: Annotated[str, typer.Option(help="Why the personal data are read (logged)")],
                   site: Annotated[int | None, typer.Option(help="Only inquiries to this site")] = None,
                   status: Annotated[str | None, typer.Option(
                       help="Only inquiries in this handling: new, in_progress, answered, closed")] = None,
                   limit: Annotated[int, typer.Option()] = 200) -> None:
    """Inquiries to the municipality's published sites, newest first, with their handling."""
    from flaechenpool import inquiries

    rows = _as_operator(f"read inquiries: {purpose}", lambda conn: inquiries.list_inquiries(
        conn, _operator(), purpose=purpose, municipality=municipality, site_id=site, limit=limit, status=status))
    table = Table(title=f"Anfragen {municipality}: {len(rows)}")
    for column in ("received", "reference", "site", "name", "email", "company", "message", "status", "note"):
        table.add_column(column)
    for r in rows:
        handled = r["status"] if r["handled_by"] is None else \
            f"{r['status']} ({r['handled_by']}, {r['status_changed_at'].astimezone():%Y-%m-%d})"
        table.add_row(_when(r["received_at"]), r["reference"], _short(r["site_name"], 40), r["name"],
                      r["email"], r["company"] or "", _short(r["message"]), handled, _short(r["note"] or ""))
    show(table)


@inquiries_app.command("demand")
def inquiries_demand(municipality: Annotated[str | None, typer.Option(help="AGS (default: every municipality)")] = None
                     ) -> None:
    """How many inquiries each site received, by handling status: counts only (no purpose needed)."""
    from flaechenpool import inquiries

    rows = _read(lambda conn: inquiries.demand(conn, _operator(), municipality=municipality))
    if not rows:
        out.print("no inquiries" + (f" in {municipality}" if municipality else ""))
        return
    table = Table(title=f"Anfragen je Fläche ({sum(r['inquiries'] for r in rows)})")
    for column in ("site", "name", "municipality", "inquiries", "new", "in progress", "answered", "closed", "latest"):
        table.add_column(column, justify="right" if column in ("site", "inquiries", "new", "in progress", "answered",
                                                                "closed") else "left")
    for r in rows:
        table.add_row(str(r["site_id"]), _short(r["site_name"], 40), r["municipality_ags"], str(r["inquiries"]),
                      str(r["new"]), str(r["in_progress"]), str(r["answered"]), str(r["closed"]),
                      f"{r['last_received_at'].astimezone():%Y-%m-%d}")
    show(table)


@inquiries_app.command("status")
def inquiries_status(reference: Annotated[str, typer.Argument(help="Reference number, e.g. A-2026-1A2B3C4D")],
                     status: Annotated[str, typer.Argument(help="new, in_progress, answered or closed")],
                     note: Annotated[str | None, typer.Option(help="Internal note ('' removes it)")] = None) -> None:
    """Set how far an inquiry is handled (and an internal note); recorded with who and when."""
    from flaechenpool import inquiries

    row = _as_operator(f"inquiry {reference}: {status}", lambda conn: inquiries.set_status(
        conn, reference, _options(inquiries.HandlingIn, status=status, note=note)))
    out.print(f"{row['reference']}: {row['status']} (by {row['handled_by']})"
              + (f", note: {row['note']}" if row["note"] else ""), highlight=False)


@reports_app.command("list")
def reports_list(municipality: Annotated[str | None, typer.Option(help="AGS (default: every municipality)")] = None,
                 status: Annotated[str, typer.Option(help="new, accepted, rejected or all")] = "new",
                 purpose: Annotated[str | None, typer.Option(help="Also show the reporters' contacts (logged)")] = None
                 ) -> None:
    """The review queue of site reports."""
    from flaechenpool import reports

    if status not in ("new", "accepted", "rejected", "all"):
        raise typer.BadParameter("choose new, accepted, rejected or all", param_hint="--status")
    features = _as_operator("report queue", lambda conn: reports.list_reports(
        conn, _operator(), municipality=municipality, status=None if status == "all" else status,
        purpose=purpose))["features"]
    table = Table(title=f"Meldungen ({status}): {len(features)}")
    for column in ("id", "reference", "municipality", "kind", "status", "received", "photo", "description", "contact"):
        table.add_column(column)
    for f in features:
        p = f["properties"]
        contact = p.get("contact") or {}
        table.add_row(str(p["id"]), p["reference"], p["municipality"], p["kind"], p["status"], p["received_at"][:10],
                      "yes" if p["has_photo"] else "", _short(p["description"], 50),
                      " / ".join(v for v in (contact.get("name"), contact.get("email"), contact.get("phone")) if v))
    show(table)


@reports_app.command("accept")
def reports_accept(report_id: int,
                   name: Annotated[str | None, typer.Option(help="Name of the new site")] = None,
                   kind: Annotated[str | None, typer.Option(help="Site kind (default from the report)")] = None,
                   parcel: Annotated[list[str] | None, typer.Option(help="Flurstückskennzeichen of the site "
                                                                         "(default: parcels at the reported place)")] = None,
                   reason: Annotated[str | None, typer.Option(help="Why (audit log)")] = None) -> None:
    """Accept a report: a site is created through the site register and linked to the report."""
    from flaechenpool import reports

    def run(conn: Any) -> int:
        data = _options(reports.Acceptance, {"parcels": "parcel"}, name=name, kind=kind, parcels=parcel or None,
                        reason=reason)
        return reports.accept_report(conn, _operator(), report_id, data)

    site_id = _as_operator(reason or f"accept report {report_id}", run)
    out.print(f"report {report_id} accepted: site {site_id} created")


@reports_app.command("reject")
def reports_reject(report_id: int, reason: Annotated[str, typer.Option(help="Why (required)")]) -> None:
    """Reject a report with a reason."""
    from flaechenpool import reports

    _as_operator(reason, lambda conn: reports.reject_report(conn, _operator(), report_id, reason=reason))
    out.print(f"report {report_id} rejected")


@projects_app.command("list")
def projects_list(municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
                  status: Annotated[str | None, typer.Option(help="planned, under_construction, completed")] = None,
                  public: Annotated[bool | None, typer.Option("--public/--not-public", help="Only public ones "
                                                              "(or only internal ones)")] = None) -> None:
    """Construction projects as a table."""
    from flaechenpool import projects

    features = _read(lambda conn: projects.list_projects(
        conn, municipality=municipality, status=status, public=public))["features"]
    table = Table(title=f"Bauvorhaben: {len(features)}")
    for column in ("id", "municipality", "name", "kind", "status", "period", "builder", "public"):
        table.add_column(column)
    for f in features:
        p = f["properties"]
        period = f"{p['start_on'] or '?'} – {p['end_on'] or '?'}"
        table.add_row(str(p["id"]), p["municipality_ags"], p["name"], p["kind"], p["status"], period,
                      f"{p['builder_type']}: {p['builder_name'] or ''}", "yes" if p["public"] else "no")
    show(table)


@projects_app.command("create")
def projects_create(file: Annotated[Path, typer.Argument(help="JSON with the project's fields (as POST /api/projects)")],
                    crs: Annotated[str | None, typer.Option(help="CRS of the geometry (default CRS84)")] = None) -> None:
    """Record a construction project from a JSON file (not public until published)."""
    from flaechenpool import projects

    project_id = _stored("project created (CLI)", projects.ProjectCreate, file, crs, projects.create_project)
    out.print(f"construction project {project_id} created")


@projects_app.command("publish")
def projects_publish(project_id: int,
                     unpublish: Annotated[bool, typer.Option("--unpublish", help="Take it off the public page")] = False
                     ) -> None:
    """Show a construction project on the public page (or take it off)."""
    from flaechenpool import projects

    version = _as_operator("project unpublished" if unpublish else "project published", lambda conn: projects.update_project(
        conn, _operator(), project_id, projects.ProjectFields(public=not unpublish)))
    out.print(f"construction project {project_id} is {'no longer ' if unpublish else ''}public (version {version})")
