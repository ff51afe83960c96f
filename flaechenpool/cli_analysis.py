"""``flaechenpool potential …``: the redevelopment-potential analysis on the command line.

Runs on the server with the operator's rights (role admin, actor ``cli:<os user>``), like the
land-office commands; tables are printed with rich.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from flaechenpool.cli import _as_operator, _read, _run, _settings, out, show
from flaechenpool.cli_landoffice import _operator

potential_app = typer.Typer(help="Redevelopment potential: find and rank brownfields, infill gaps, vacancy.",
                            no_args_is_help=True)
BAR = "█"


@potential_app.command("run")
def potential_run(
    municipality: Annotated[list[str] | None, typer.Option(help="AGS (repeat for several; default: all)")] = None,
    profile: Annotated[str, typer.Option(help="Profile of profiles.toml (see 'potential profiles')")] = "default",
    area: Annotated[Path | None, typer.Option(help="GeoJSON file with a (Multi)Polygon limiting the run")] = None,
    area_crs: Annotated[str | None, typer.Option(help="CRS of --area (default CRS84)")] = None,
) -> None:
    """Detect and score candidates; stores a run with its profile, area and time."""
    from flaechenpool.analysis.runs import RunRequest, start_run
    from flaechenpool.errors import ImportFileError
    from flaechenpool.spatial import parse_crs

    settings = _settings()

    def run(conn: Any) -> dict[str, Any]:
        geometry = None
        if area is not None:
            try:
                geometry = json.loads(area.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as exc:
                raise ImportFileError(f"not a readable GeoJSON file ({exc})", file=str(area)) from None
            if isinstance(geometry, dict) and geometry.get("type") == "FeatureCollection":
                geometry = (geometry.get("features") or [{}])[0].get("geometry")
        request = RunRequest(profile=profile, municipalities=municipality or None, area=geometry)
        return start_run(conn, _operator(), request, area_srid=parse_crs(area_crs),
                         timeout_ms=settings.db.analysis_timeout_ms)

    result = _as_operator(f"potential run ({profile})", run, settings)
    counts = result["counts"]
    table = Table(title=f"Analyselauf {result['id']} (Profil {result['profile']}): {result['parcels_analysed']} "
                        f"Flurstücke in {result['duration_s']:.1f} s")
    table.add_column("kind")
    table.add_column("candidates", justify="right")
    for kind, n in sorted(counts["kinds"].items()):
        table.add_row(kind, str(n))
    table.add_row("[bold]all[/bold]", f"[bold]{counts['candidates']}[/bold]")
    show(table)


@potential_app.command("runs")
def potential_runs(municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
                   limit: Annotated[int, typer.Option()] = 20) -> None:
    """The newest runs."""
    from flaechenpool.analysis.runs import list_runs

    runs = _read(lambda conn: list_runs(conn, municipality=municipality, limit=limit))
    table = Table(title="Analyseläufe")
    for column in ("id", "profile", "municipalities", "started", "seconds", "parcels", "candidates"):
        table.add_column(column)
    for r in runs:
        table.add_row(str(r["id"]), r["profile"], ", ".join(r["municipalities"] or ["alle"]),
                      f"{r['started_at']:%Y-%m-%d %H:%M}", f"{r['duration_s'] or 0:.1f}", str(r["parcels_analysed"]),
                      str(r["counts"].get("candidates", "")))
    show(table)


@potential_app.command("candidates")
def potential_candidates(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    kind: Annotated[str | None, typer.Option(help="infill_gap, brownfield, underused, …")] = None,
    min_score: Annotated[float | None, typer.Option(help="Only from this score on")] = None,
    municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
    sort: Annotated[str, typer.Option(help="score, rank, area, kind, id; - for descending")] = "-score",
    limit: Annotated[int, typer.Option(help="Rows")] = 20,
    offset: Annotated[int, typer.Option(help="Rows to skip")] = 0,
    output: Annotated[Path | None, typer.Option(
        help="Write every matching candidate (not only a page) to a file: .csv, .gpkg, .geojson; a column per "
        "criterion's value and points")] = None,
) -> None:
    """A run's candidates with score and each criterion's contribution (points)."""
    from flaechenpool.analysis.candidates import FILE_COLUMNS, candidate_rows, list_candidates
    from flaechenpool.analysis.profiles import CRITERIA

    if output is not None:
        from flaechenpool.exports import format_of, write_file
        from flaechenpool.spatial import STORAGE_SRID

        _run(lambda: format_of(output))
        rows = _read(lambda conn: candidate_rows(conn, run_id, kind=kind, min_score=min_score,
                                                 municipality=municipality, sort=sort, srid=STORAGE_SRID))
        _run(lambda: write_file(rows, output, columns=FILE_COLUMNS, srid=STORAGE_SRID,
                                   layer=f"candidates_run_{run_id}"))
        out.print(f"{len(rows)} candidates of run {run_id} written to {output}")
        return
    page = _read(lambda conn: json.loads(list_candidates(
        conn, run_id, kind=kind, min_score=min_score, municipality=municipality, sort=sort, limit=limit, offset=offset)))
    title = f"Lauf {run_id}: {page['numberReturned']} von {page['numberMatched']} Kandidaten"
    wide = out.width >= 60 + 9 * len(CRITERIA)    # a column per criterion only where it can be read
    table = Table(title=title + (" (Punkte je Kriterium)" if wide else " (stärkste Kriterien; explain ID zeigt alle)"))
    for column in ("id", "rank", "score", "kind", "m²"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for column in CRITERIA if wide else ("top",):
        table.add_column(CRITERIA[column].title if wide else "Kriterien (Punkte)", justify="right" if wide else "left")
    for f in page["features"]:
        p = f["properties"]
        contributions = {k: p["criteria"][k]["contribution"] for k in CRITERIA}
        if wide:
            points = [f"{contributions[k]:g}" for k in CRITERIA]
        else:
            strongest = sorted((k for k in contributions if contributions[k]), key=lambda k: -abs(contributions[k]))
            points = [", ".join(f"{CRITERIA[k].title} {contributions[k]:+g}" for k in strongest[:3])]
        table.add_row(str(f["id"]), str(p["rank"]), f"{p['score']:.1f}", p["floo_category"], f"{p['area_m2']:.0f}",
                      *points)
    show(table)


@potential_app.command("explain")
def potential_explain(candidate_id: Annotated[int, typer.Argument(help="Candidate id")]) -> None:
    """Why a candidate ranks where it does: every criterion's value, normalised value, weight, points."""
    from flaechenpool.analysis.candidates import get_candidate

    p = _read(lambda conn: get_candidate(conn, candidate_id))["properties"]
    table = Table(title=f"Kandidat {candidate_id}: {p['floo_category']}, Rang {p['rank']}, {p['score']:.1f} Punkte")
    for column in ("criterion", "value", "unit", "normalised", "weight", "points"):
        table.add_column(column, justify="left" if column in ("criterion", "unit") else "right")
    for spec in p["criteria"].values():
        table.add_row(spec["title"], str(spec["value"]), spec["unit"], f"{spec['normalised']:g}", f"{spec['weight']:g}",
                      f"{spec['contribution']:g}")
    show(table)
    out.print(json.dumps(p["detection"], ensure_ascii=False, default=str), highlight=False)


@potential_app.command("compare")
def potential_compare(run_a: Annotated[int, typer.Argument(help="The earlier run")],
                      run_b: Annotated[int, typer.Argument(help="The later run")],
                      limit: Annotated[int, typer.Option(help="Rows per list")] = 20) -> None:
    """What appeared in run B since run A, what vanished, whose score changed."""
    from flaechenpool.analysis.candidates import compare

    result = _read(lambda conn: compare(conn, run_b, run_a, limit=limit))
    s = result["summary"]
    table = Table(title=f"Lauf {run_b} gegenüber Lauf {run_a}: +{s['appeared']} neu, -{s['vanished']} entfallen, "
                        f"{s['kept']} geblieben ({s['score_changed']} mit anderer Punktzahl)")
    for column in ("change", "kind", "parcels", "score before", "score now"):
        table.add_column(column)
    for change in ("appeared", "vanished", "changed"):
        for r in result[change]:
            table.add_row(change, r["kind"], ", ".join(r["parcels"][:3]) + (" …" if len(r["parcels"]) > 3 else ""),
                          "" if r["base_score"] is None else f"{r['base_score']:.1f}",
                          "" if r["score"] is None else f"{r['score']:.1f}")
    show(table)


@potential_app.command("to-site")
def potential_to_site(candidate_id: Annotated[int, typer.Argument(help="Candidate id")],
                      name: Annotated[str | None, typer.Option(help="Name of the site")] = None) -> None:
    """Make a site (Potenzialfläche) of a candidate; the site keeps the link to it."""
    from flaechenpool.analysis.to_site import candidate_to_site

    site_id = _as_operator("site from analysis candidate (CLI)",
                           lambda conn: candidate_to_site(conn, _operator(), candidate_id, name=name))
    out.print(f"site {site_id} created from candidate {candidate_id}")


@potential_app.command("profiles")
def potential_profiles() -> None:
    """The scoring profiles and the weight of each criterion (flaechenpool/analysis/profiles.toml)."""
    from flaechenpool.analysis.profiles import CRITERIA, list_profiles

    found = _run(list_profiles)
    table = Table(title="Bewertungsprofile: Gewichte (Punkte) und Spanne low → high")
    table.add_column("criterion")
    table.add_column("unit")
    for profile in found:
        table.add_column(f"{profile['name']}\n{profile['title']}", justify="right")
    for key, criterion in CRITERIA.items():
        cells = []
        for profile in found:
            spec = profile["criteria"][key]
            span = "" if criterion.categorical else f" ({spec['low']:g} → {spec['high']:g})"
            cells.append(f"{spec['weight']:g}{span}")
        table.add_row(criterion.title, criterion.unit, *cells)
    show(table)


@potential_app.command("indicators")
def potential_indicators(municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
                         run_id: Annotated[int | None, typer.Option("--run", help="Run (default: newest)")] = None,
                         districts: Annotated[bool, typer.Option(help="Also per district")] = True) -> None:
    """Potential area by kind, flood and municipal shares, vacancy rate; a bar per municipality."""
    from flaechenpool.analysis.indicators import indicators
    from flaechenpool.analysis.profiles import FLOO_CATEGORIES

    result = _read(lambda conn: indicators(conn, run_id=run_id, municipality=municipality))
    rows = [r for r in result["rows"] if districts or r["district"] is None]
    found = [k for k in FLOO_CATEGORIES if any(r["area_by_kind_m2"][k] for r in rows)]    # no empty columns
    title = f"Potenzial je Gemeinde und Ortsteil (Lauf {result['run_id']})"
    narrow = "\nJe Kategorie (FLOO): ein breiteres Terminal oder GET /api/analysis/indicators"
    for kinds, bar, tight, note in ((found, True, False, ""), (found, True, True, ""), ([], True, True, narrow),
                                    ([], False, True, narrow)):
        table = _indicator_table(rows, kinds, title, note, bar=bar, tight=tight)
        if _fits(table, out.width):
            break   # the headings wrap where needed; a narrow terminal gets totals and shares; the last wraps names
    show(table)


def _fits(table: Table, width: int) -> bool:
    """Whether ``table`` fits ``width`` columns with every column at its fixed ``width`` or at least its
    ``min_width`` (padding and borders included); rich would otherwise shrink columns and wrap or cut numbers."""
    return sum((c.width or c.min_width or 0) + 2 for c in table.columns) + len(table.columns) + 1 <= width


def _indicator_table(rows: list[dict[str, Any]], kinds: list[str], title: str, note: str, *, bar: bool,
                     tight: bool) -> Table:
    """The indicators as a table: a column of hectares per FLOO category in ``kinds``, with ``bar`` a bar of
    the area. Numbers never wrap or shorten: a column is as wide as its longest value or heading (``tight``:
    its heading's longest word; the heading wraps); the names wrap."""
    from flaechenpool.analysis.profiles import FLOO_CATEGORIES

    largest = max((r["area_m2"] for r in rows), default=0) or 1
    table = Table(title=title, caption="ha: Fläche in Hektar · HQ %: Anteil im Überschwemmungsgebiet\nGemeinde %: "
                  "Anteil im Eigentum der Gemeinde · Leerstand %: Leerstandsquote" + note)
    body = [[f"[bold]{r['municipality']}[/bold]" if r["district"] is None else f"  {r['district']}",
             str(r["candidates"]), f"{r['area_m2'] / 10_000:.2f}",
             *(f"{r['area_by_kind_m2'][k] / 10_000:.2f}" if r["area_by_kind_m2"][k] else "" for k in kinds),
             _pct(r["flood_share"]), _pct(r["municipal_share"]),
             "" if r["vacancy_rate_pct"] is None else f"{r['vacancy_rate_pct']:.1f}",
             *([BAR * max(1, round(12 * r["area_m2"] / largest))] if bar else [])] for r in rows]
    headings = ["Gemeinde / Ortsteil", "Anzahl", "ha", *(FLOO_CATEGORIES[k] for k in kinds), "HQ %", "Gemeinde %",
                "Leerstand %", *([""] if bar else [])]
    for i, heading in enumerate(headings):
        if i == 0:
            table.add_column(heading, min_width=12)
            continue
        widest = max([len(row[i]) for row in body] + [len(w) for w in (heading.split() if tight else [heading])])
        table.add_column(heading, justify="left" if not heading else "right", width=widest)     # fixed
    for row in body:
        table.add_row(*row)
    return table


def _pct(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"
