"""``flaechenpool preemption list|record|decide``: pre-emption cases (Vorkaufsrechtsfälle) and their
deadlines (``flaechenpool.preemption``); run as the operator (admin), logged as ``cli:<user>``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from flaechenpool.cli import _as_operator, _options, out, show
from flaechenpool.cli_landoffice import _load_json, _operator

preemption_app = typer.Typer(help="Pre-emption cases (Vorkaufsrecht, §§ 24–28 BauGB) and their deadlines.",
                             no_args_is_help=True)
STATE = {"open": "offen", "due": "[bold red]Frist läuft ab[/bold red]", "lapsed": "[red]Frist verstrichen[/red]",
         "decided": "entschieden"}
DECISION = {"no_right": "kein Vorkaufsrecht", "waived": "nicht ausgeübt", "exercised": "ausgeübt"}


@preemption_app.command("list")
def preemption_list(
    municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
    state: Annotated[str | None, typer.Option(help="open, due (deadline within 14 days), lapsed, decided")] = None,
    due_within: Annotated[int | None, typer.Option(help="Open cases whose deadline is at most N days away")] = None,
    parcel: Annotated[str | None, typer.Option(help="Cases naming this Flurstückskennzeichen")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """The cases: open ones by deadline (soonest first), then the decided ones."""
    from flaechenpool import preemption
    from flaechenpool.expose.labels import day

    if state is not None and state not in STATE:
        raise typer.BadParameter(f"one of {', '.join(STATE)}", param_hint="--state")
    rows = _as_operator("pre-emption cases (CLI)", lambda conn: preemption.list_cases(
        conn, _operator(), municipality=municipality, state=state, due_within=due_within,  # type: ignore[arg-type]
        parcel=parcel, limit=limit))
    several = len({c["municipality_ags"] for c in rows}) > 1
    table = Table(title=f"Vorkaufsrechtsfälle: {len(rows)}")
    for column in ("id", "Aktenzeichen / Flurstücke", *(["Gemeinde"] if several else []), "Frist", "Tage", "Stand"):
        table.add_column(column, justify="right" if column in ("id", "Tage") else "left")
    for c in rows:
        stand = STATE[c["state"]] + (f":\n{DECISION[c['decision']]} am {day(c['decided_on'])}" if c["decision"] else "")
        table.add_row(str(c["id"]), "\n".join([c["file_reference"], *c["parcels"]]),
                      *([c["municipality"]] if several else []), day(c["deadline"]),
                      "" if c["days_left"] is None else str(c["days_left"]), stand)
    show(table)


@preemption_app.command("show")
def preemption_show(case_id: Annotated[int, typer.Argument(help="Case id")]) -> None:
    """One case with its deadline and what to weigh before deciding: land value, zoning plans, sites, analysis
    candidates, flood and protected shares, municipal parcels next to it."""
    from flaechenpool import preemption
    from flaechenpool.expose.case_report import basis_rows, contract_rows

    def read(conn: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        case = preemption.get_case(conn, _operator(), case_id)
        return case, preemption.decision_basis(conn, case)

    case, basis = _as_operator("pre-emption case read (CLI)", read)
    table = Table(title=f"Vorkaufsrechtsfall {case['id']}: {case['file_reference']} ({case['municipality']})",
                  show_header=False, title_justify="left")
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in [*contract_rows(case, basis), *basis_rows(basis), ("Notizen", case["notes"] or "")]:
        table.add_row(label, value)
    out.print(table)


@preemption_app.command("report")
def preemption_report(
    case_id: Annotated[int, typer.Argument(help="Case id")],
    out_file: Annotated[Path | None, typer.Option("--out", help="PDF file (default: vorkaufsrecht-fall-ID.pdf)")] = None,
) -> None:
    """The decision paper (Entscheidungsvorlage) as PDF: terms, deadline, map with the land pool, decision basis."""
    from flaechenpool.expose.case_report import case_report_pdf

    pdf, name = _as_operator("pre-emption decision paper (CLI)", lambda conn: case_report_pdf(conn, _operator(),
                                                                                              case_id))
    target = out_file or Path(name)
    target.write_bytes(pdf)
    out.print(f"wrote {target} ({len(pdf) // 1024} KiB)")


@preemption_app.command("record")
def preemption_record(
    file: Annotated[Path | None, typer.Argument(help="JSON of the notice (as POST /api/preemption); or the options")]
    = None,
    municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
    reference: Annotated[str | None, typer.Option(help="File reference (Aktenzeichen)")] = None,
    parcel: Annotated[list[str] | None, typer.Option(help="Flurstückskennzeichen (repeat for several)")] = None,
    contract: Annotated[str | None, typer.Option(help="Contract date, 2026-11-02")] = None,
    notified: Annotated[str | None, typer.Option(help="Day the notice arrived (the deadline runs from it)")] = None,
    price: Annotated[float | None, typer.Option(help="Price in €")] = None,
    basis: Annotated[str, typer.Option(help="general (§ 24 BauGB) or statute (§ 25 BauGB)")] = "general",
    notes: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record the notice of a sale contract; the deadline is three months from its arrival."""
    from flaechenpool import preemption
    from flaechenpool.expose.case_report import WARNING

    data = None if file is not None else _options(
        preemption.CaseCreate, {"municipality_ags": "municipality", "file_reference": "reference",
                                "parcels": "parcel", "contract_date": "contract", "notified_on": "notified",
                                "price_eur": "price", "legal_basis": "basis"}, hint="FILE or the options",
        municipality_ags=municipality, file_reference=reference, parcels=parcel or None, contract_date=contract,
        notified_on=notified, price_eur=price, legal_basis=basis, notes=notes)

    def record(conn: Any) -> dict[str, Any]:
        notice = data if file is None else _load_json(preemption.CaseCreate, file)   # its errors name the file
        assert notice is not None                    # data is None only where a file is given
        return preemption.with_basis(conn, preemption.get_case(conn, _operator(),
                                                               preemption.record_case(conn, _operator(), notice)))

    case = _as_operator("pre-emption case recorded (CLI)", record)
    left = "lapsed already" if case["days_left"] is None else f"{case['days_left']} days left"
    out.print(f"pre-emption case {case['id']} recorded: deadline {case['deadline']} ({left})")
    for warning in case["warnings"]:                 # e.g. § 25 claimed and no statute recorded over the parcels
        out.print(f"[yellow]Hinweis:[/yellow] {WARNING[warning['code']]}")


@preemption_app.command("decide")
def preemption_decide(
    case_id: Annotated[int, typer.Argument(help="Case id")],
    decision: Annotated[str, typer.Argument(help="no_right, waived or exercised")],
    on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Decided on (default: today)")] = None,
    effective: Annotated[dt.datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="exercised: the day the land enters the pool (default: decided on)")] = None,
    price: Annotated[float | None, typer.Option(help="exercised: the price paid, if not the contract's")] = None,
    note: Annotated[str | None, typer.Option(help="A note for the file")] = None,
) -> None:
    """Record the decision (final); an exercised right enters the land pool as a purchase."""
    from flaechenpool import preemption

    body = _options(preemption.CaseDecision,
                    {"decided_on": "on", "effective_date": "effective", "price_eur": "price", "notes": "note"},
                    decision=decision, decided_on=on.date() if on else None,
                    effective_date=effective.date() if effective else None, price_eur=price, notes=note)
    case = _as_operator(f"pre-emption case {case_id}: {decision} (CLI)",
                        lambda conn: preemption.decide(conn, _operator(), case_id, body))
    extra = f"; land-pool transaction {case['transaction_id']}" if case["transaction_id"] else ""
    out.print(f"pre-emption case {case_id}: {DECISION[case['decision']]} on {case['decided_on']}{extra}")
