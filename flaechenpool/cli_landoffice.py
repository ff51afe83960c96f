"""Land-office commands: ``parcels find``, ``sites …``, ``pool …``, ``vacancies …``, ``audit``.

The command line runs on the server with the operator's rights (role admin, actor ``cli:<os user>``);
every write lands in the audit log under that name.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from flaechenpool.cli import _actor, _as_operator, _connection, _options, _read, _run, _settings, _when, out, show

parcels_app = typer.Typer(help="Find candidate parcels (Flurstücke).", no_args_is_help=True)
sites_app = typer.Typer(help="The site register (Potenzialflächen).", no_args_is_help=True)
pool_app = typer.Typer(help="The municipal land pool (Flächenpool).", no_args_is_help=True)
vacancies_app = typer.Typer(help="The shared vacancy register.", no_args_is_help=True)
estates_app = typer.Typer(help="Commercial estates (Gewerbegebiete) and their land balance.", no_args_is_help=True)
# how a parcel came into the pool (pool.TransactionKind), in the land office's words
ACQUIRED_BY = {"purchase": "Kauf", "exchange": "Tausch", "lease_in": "Pacht", "pre_emption": "Vorkauf"}


def _operator() -> Any:
    from flaechenpool.auth import Principal

    return Principal(username=_actor(), role="admin")


def _file_bytes(file: Path) -> bytes:
    from flaechenpool.errors import ImportFileError

    try:
        return file.read_bytes()
    except OSError as exc:
        raise ImportFileError(exc.strerror or str(exc), file=str(file)) from None


def _load_json(model: Any, file: Path) -> Any:
    """A pydantic model from a JSON file; errors name the file and the field."""
    from pydantic import ValidationError

    from flaechenpool.errors import ImportFileError

    data = _file_bytes(file)
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        detail = exc.errors()[0]
        raise ImportFileError(detail["msg"], file=str(file), field=".".join(str(p) for p in detail["loc"]) or None) from None


def _stored(reason: str, model: Any, file: Path, crs: str | None, store: Any) -> int:
    """``store(conn, operator, data, srid=…)`` of the JSON ``file`` read as ``model``, its geometry in ``crs``
    (default CRS84), as the operator with ``reason``: the id of what was stored."""
    from flaechenpool.spatial import parse_crs

    return int(_as_operator(reason, lambda conn: store(conn, _operator(), _load_json(model, file),
                                                       srid=parse_crs(crs))))


@parcels_app.command("find")
def parcels_find(
    municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
    gemarkung: Annotated[str | None, typer.Option(help="Gemarkung key or number")] = None,
    min_area: Annotated[float | None, typer.Option(help="Minimum official area (m²)")] = None,
    max_area: Annotated[float | None, typer.Option(help="Maximum official area (m²)")] = None,
    land_use: Annotated[list[str] | None, typer.Option(help="Actual land use")] = None,
    zoning: Annotated[list[str] | None, typer.Option(help="Zoning plan land-use type (XPlanung), e.g. GE")] = None,
    municipal: Annotated[bool | None, typer.Option(help="Held by the land pool on --as-of")] = None,
    as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Date for --municipal")] = None,
    in_site: Annotated[bool | None, typer.Option(help="Part of a site")] = None,
    outside_flood_zones: Annotated[bool, typer.Option(help="Not in a flood zone")] = False,
    outside_protected_areas: Annotated[bool, typer.Option(help="Not in a protected area")] = False,
    station_within: Annotated[float | None, typer.Option(help="Within N m of a railway station")] = None,
    bbox: Annotated[str | None, typer.Option(help="minx,miny,maxx,maxy")] = None,
    bbox_crs: Annotated[str | None, typer.Option(help="CRS of --bbox (default CRS84)")] = None,
    building_free: Annotated[bool, typer.Option(help="No building on the parcel")] = False,
    max_built_share: Annotated[float | None, typer.Option(help="Built share below N %")] = None,
    sort: Annotated[list[str] | None, typer.Option(help="Sort key, '-' for descending, e.g. -area")] = None,
    limit: Annotated[int, typer.Option(help="Rows")] = 50,
    offset: Annotated[int, typer.Option(help="Rows to skip")] = 0,
    output: Annotated[Path | None, typer.Option(help="Write to a file (.csv, .gpkg, .geojson)")] = None,
) -> None:
    """Find candidate parcels with the same filters as GET /api/parcels."""
    from flaechenpool import parcels
    from flaechenpool.exports import format_of, write_file
    from flaechenpool.spatial import STORAGE_SRID, parse_bbox

    settings = _settings()

    def run() -> tuple[list[dict[str, Any]], int]:
        q = parcels.ParcelQuery(
            municipality=municipality, gemarkung=gemarkung, min_area=min_area, max_area=max_area,
            land_use=land_use or [], zoning=zoning or [], municipal=municipal,
            as_of=as_of.date() if as_of else None, in_site=in_site, outside_flood_zones=outside_flood_zones,
            outside_protected_areas=outside_protected_areas, station_within_m=station_within,
            bbox=parse_bbox(bbox, bbox_crs), building_free=building_free, max_built_share=max_built_share,
            sortby=sort or ["flurstueckskennzeichen"], limit=limit, offset=offset)
        q.validate(settings.api.max_limit)
        if output is not None:
            format_of(output)
        with _connection(settings) as conn:
            return parcels.find_rows(conn, q, srid=STORAGE_SRID), parcels.count(conn, q)

    rows, matched = _run(run)
    if output is not None:
        _run(lambda: write_file(rows, output, columns=parcels.PROPERTIES, srid=STORAGE_SRID, layer="parcels"))
        out.print(f"{len(rows)} of {matched} parcels written to {output}")
        return
    table = Table(title=f"Flurstücke: {len(rows)} of {matched}")
    columns = ("flurstueckskennzeichen", "gemarkung", "flur", "official_area_m2", "land_use", "built_share_pct",
               "station_distance_m")
    for column in columns:
        table.add_column(column, justify="right" if column not in ("flurstueckskennzeichen", "gemarkung", "land_use")
                         else "left")
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    show(table)


@sites_app.command("list")
def sites_list(municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
               kind: Annotated[str | None, typer.Option()] = None,
               status: Annotated[str | None, typer.Option()] = None) -> None:
    """Current sites as a table."""
    from flaechenpool import sites
    from flaechenpool.expose.labels import number

    features = _read(lambda conn: json.loads(sites.list_sites(
        conn, _operator(), municipality=municipality, kind=kind, status=status, limit=10_000)))["features"]
    table = Table(title=f"Potenzialflächen: {len(features)}")
    for column in ("id", "name", "kind", "status"):
        table.add_column(column)
    table.add_column("m²", justify="right")
    table.add_column("public")
    for f in features:
        p = f["properties"]
        table.add_row(str(f["id"]), p["name"], p["kind"], p["status"], number(p["area_m2"]),
                      "yes" if p["published"] else "")
    show(table)


@sites_app.command("create")
def sites_create(file: Annotated[Path, typer.Argument(help="JSON with the site's fields (as POST /api/sites)")],
                 crs: Annotated[str | None, typer.Option(help="CRS of the geometry (default CRS84)")] = None) -> None:
    """Create a site from a JSON file (drawn geometry or a list of parcels)."""
    from flaechenpool import sites

    out.print(f"site {_stored('site created (CLI)', sites.SiteCreate, file, crs, sites.create_site)} created")


@sites_app.command("show")
def sites_show(site_id: int) -> None:
    """One site: its fields, parcels and status history (who moved it when, and why)."""
    from flaechenpool import sites

    feature, history = _read(lambda conn: (sites.get_site(conn, _operator(), site_id),
                                           sites.site_history(conn, _operator(), site_id)))
    fields = Table(title=f"Potenzialfläche {site_id}", show_header=False)
    for key, value in feature["properties"].items():
        shown = ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)
        fields.add_row(key, shown)
    out.print(fields)
    moves = Table(title="Status")
    for column in ("on", "from", "to", "by", "reason"):
        moves.add_column(column)
    for m in history["status_history"]:
        moves.add_row(str(m["changed_on"]), m["from_status"] or "–", m["to_status"], m["author"], m["reason"] or "")
    show(moves)
    out.print(f"{len(history['changes'])} change(s) in the audit trail: flaechenpool audit --table core.sites "
              f"--key {site_id}", highlight=False)


@sites_app.command("update")
def sites_update(site_id: int,
                 file: Annotated[Path, typer.Argument(help="JSON with the fields to change (as PATCH /api/sites/ID)")],
                 reason: Annotated[str | None, typer.Option(help="Why (kept in the audit trail)")] = None,
                 crs: Annotated[str | None, typer.Option(help="CRS of a geometry (default CRS84)")] = None) -> None:
    """Change fields, the geometry or the parcels of a site from a JSON file."""
    from flaechenpool import sites
    from flaechenpool.spatial import parse_crs

    why = reason or "site edited (CLI)"
    version = _as_operator(why, lambda conn: sites.update_site(
        conn, _operator(), site_id, _load_json(sites.SiteFields, file), if_match=None, require_match=False,
        srid=parse_crs(crs), reason=why))
    out.print(f"site {site_id} updated (version {version})")


@sites_app.command("status")
def sites_status(site_id: int, status: str, reason: Annotated[str, typer.Option(help="Why (required)")],
                 date: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None) -> None:
    """Move a site along the mobilisation workflow."""
    from flaechenpool import sites

    version = _as_operator(reason, lambda conn: sites.change_status(
        conn, _operator(), site_id, status, reason=reason, day=date.date() if date else None))  # type: ignore[arg-type]
    out.print(f"site {site_id} is now {status} (version {version})")


@sites_app.command("retire")
def sites_retire(site_id: int, reason: Annotated[str, typer.Option(help="Why (required)")]) -> None:
    """End a site; it stays with its history."""
    from flaechenpool import sites

    _as_operator(reason, lambda conn: sites.retire_site(conn, _operator(), site_id, reason=reason))
    out.print(f"site {site_id} retired")


@sites_app.command("photo-add")
def sites_photo_add(site_id: int, file: Annotated[Path, typer.Argument(help="JPEG, PNG or WebP")],
                    caption: Annotated[str, typer.Option(help="Caption, also the text alternative (German)")],
                    credit: Annotated[str, typer.Option(help="Bildnachweis: who took it, under which licence")],
                    position: Annotated[int, typer.Option(help="Order among the site's photos")] = 0) -> None:
    """Add a photo to a site (stored without metadata; shown on the public page once the site is published)."""
    from flaechenpool import site_photos

    data = _run(lambda: _file_bytes(file))
    settings = _settings()
    photo = _as_operator(f"photo of site {site_id}", lambda conn: site_photos.add_photo(
        conn, _operator(), site_id, data, _options(site_photos.PhotoIn, caption=caption, credit=credit,
                                                   position=position), settings.public), settings)
    out.print(f"photo {photo['id']} of site {site_id}: {photo['width']}×{photo['height']} {photo['media_type']}",
              highlight=False)


@sites_app.command("photos")
def sites_photos(site_id: int) -> None:
    """The photos of a site: id, size, caption, credit."""
    from flaechenpool import site_photos

    rows = _read(lambda conn: site_photos.list_photos(conn, site_id))
    if not rows:
        out.print(f"site {site_id} has no photos")
        return
    table = Table(title=f"Fotos der Fläche {site_id}")
    for column in ("id", "position", "size", "caption", "credit", "added"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["id"]), str(r["position"]), f"{r['width']}×{r['height']}", r["caption"], r["credit"],
                      f"{_when(r['created_at'])} ({r['created_by']})")
    show(table)


@sites_app.command("photo-remove")
def sites_photo_remove(site_id: int, photo_id: int) -> None:
    """Remove a photo of a site."""
    from flaechenpool import site_photos

    _as_operator(f"remove photo {photo_id} of site {site_id}",
                 lambda conn: site_photos.remove_photo(conn, _operator(), site_id, photo_id))
    out.print(f"photo {photo_id} of site {site_id} removed")


@pool_app.command("holdings")
def pool_holdings(municipality: Annotated[str, typer.Option(help="AGS")],
                  as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
                  since: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                                    help="Also show changes since")] = None) -> None:
    """What the municipality held on a date (and what changed since another date)."""
    from flaechenpool import pool
    from flaechenpool.expose.labels import day as german_day
    from flaechenpool.expose.labels import number

    day = as_of.date() if as_of else dt.date.today()
    held, changed = _read(lambda conn: (pool.holdings(conn, municipality, day), (
        pool.changes(conn, municipality, since.date(), day) if since else None)))
    table = Table(title=f"Flächenpool {municipality} am {german_day(day)}: {held['count']} Flurstücke, "
                        f"{number(held['area_m2'])} m², Buchwert {number(held['book_value_eur'], 2)} €")
    table.add_column("Flurstück")
    table.add_column("Gemarkung")
    table.add_column("erworben")
    table.add_column("m²", justify="right")
    table.add_column("Buchwert €", justify="right")
    for row in held["parcels"]:
        table.add_row(row["flurstueckskennzeichen"], row["gemarkung"] or "",
                      f"{german_day(row['acquired_on'])} ({ACQUIRED_BY.get(row['acquired_by'], row['acquired_by'])})",
                      number(row["area_m2"]), number(row["book_value_eur"] or 0, 2))
    show(table)
    if changed:
        change = changed["area_change_m2"]
        out.print(f"seit {german_day(since.date()) if since else ''}: "
                  f"+{len(changed['acquired'])} / -{len(changed['disposed'])} Flurstücke, "
                  f"{'+' if change >= 0 else '-'}{number(abs(change))} m²")


@pool_app.command("record")
def pool_record(file: Annotated[Path, typer.Argument(help="JSON of the transaction (as POST /api/pool/transactions)")]
                ) -> None:
    """Record a purchase, sale, exchange, lease or pre-emption from a JSON file."""
    from flaechenpool import pool

    transaction_id = _as_operator("pool transaction (CLI)", lambda conn: pool.record_transaction(
        conn, _operator(), _load_json(pool.TransactionCreate, file)))
    out.print(f"transaction {transaction_id} recorded")


@vacancies_app.command("summary")
def vacancies_summary(association: Annotated[str | None, typer.Option(help="e.g. thueringer-becken")] = None,
                      municipality: Annotated[str | None, typer.Option(help="AGS")] = None,
                      districts: Annotated[bool, typer.Option(help="Also per district")] = False) -> None:
    """Vacancy counts, rates and durations per municipality (and district)."""
    from flaechenpool import vacancies

    result = _read(lambda conn: vacancies.summary(conn, association=association, municipality=municipality))
    rows = result["municipalities"] + (result["districts"] if districts else [])
    table = Table(title=f"Leerstand am {result['as_of']}")
    table.add_column("municipality")
    if districts:
        table.add_column("district")
    for column in ("buildings", "vacant", "rate %", "mean years", "max years"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(r["municipality"], *([r.get("district") or ""] if districts else []), str(r["buildings"]),
                      str(r["vacant"]), str(r["rate_pct"] or ""), str(r["mean_years"] or ""),
                      str(r["max_years"] or ""))
    show(table)


@vacancies_app.command("list")
def vacancies_list(association: Annotated[str | None, typer.Option(help="e.g. thueringer-becken")] = None,
                   municipality: Annotated[str | None, typer.Option(help="AGS")] = None) -> None:
    """The current vacancies, longest vacant first."""
    from flaechenpool import vacancies

    rows = _read(lambda conn: vacancies.list_vacancies(conn, association=association, municipality=municipality))
    table = Table(title=f"Leerstand: {len(rows)} current")
    for column in ("id", "municipality", "address", "type", "scope", "units", "since", "source", "building"):
        table.add_column(column)
    for r in rows:
        units = f"{r['vacant_units'] or '?'}/{r['total_units'] or '?'}" if r["scope"] == "partial" else ""
        table.add_row(str(r["id"]), r["municipality"], r["address"] or "", r["building_type"], r["scope"], units,
                      str(r["vacant_since"]), r["source"], str(r["building_id"] or ""))
    show(table)


@vacancies_app.command("record")
def vacancies_record(file: Annotated[Path, typer.Argument(help="JSON of the vacancy (as POST /api/vacancies)")],
                     crs: Annotated[str | None, typer.Option(help="CRS of a location (default CRS84)")] = None) -> None:
    """Record a vacant building or a partial vacancy from a JSON file (by building id or location)."""
    from flaechenpool import vacancies

    vacancy_id = _stored("vacancy recorded (CLI)", vacancies.VacancyCreate, file, crs, vacancies.record_vacancy)
    out.print(f"vacancy {vacancy_id} recorded")


@vacancies_app.command("end")
def vacancies_end(vacancy_id: int,
                  date: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                                   help="Day it ended (default today)")] = None) -> None:
    """End a vacancy (the building is used again); it stays in the history."""
    from flaechenpool import vacancies

    day = date.date() if date else dt.date.today()
    _as_operator("vacancy ended (CLI)", lambda conn: vacancies.end_vacancy(conn, _operator(), vacancy_id, day))
    out.print(f"vacancy {vacancy_id} ended on {day.isoformat()}")


@estates_app.command("list")
def estates_list(municipality: Annotated[str | None, typer.Option(help="AGS")] = None) -> None:
    """The commercial estates with their gross area."""
    from flaechenpool import estates

    rows = _read(lambda conn: estates.list_estates(conn, municipality))
    table = Table(title=f"Gewerbegebiete: {len(rows)}")
    for column in ("id", "name", "municipality", "gross ha", "provenance"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["municipality_ags"], f"{r['gross_ha']:.2f}", r["provenance"])
    show(table)


@estates_app.command("balance")
def estates_balance(estate_id: int) -> None:
    """An estate's land balance: net hectares sold or leased, optioned and free, the largest free plot,
    and sales by year (as the state's site database asks for them)."""
    from flaechenpool import estates

    b = _read(lambda conn: estates.balance(conn, estate_id))
    stock = b["stock"]
    table = Table(title=f"{b['name']} ({b['municipality']}): {b['gross_ha']:.2f} ha brutto", show_header=False)
    for label, key in (("netto ha", "net_ha"), ("verkauft/verpachtet ha", "sold_or_leased_ha"),
                       ("optioniert ha", "optioned_ha"), ("frei ha", "free_ha"),
                       ("größte zusammenhängende freie Fläche ha", "largest_contiguous_free_ha")):
        table.add_row(label, f"{stock[key]:.3f}")
    table.add_row("freie Grundstücke", str(stock["free_plots"]))
    for year in b["yearly_sales"]:
        table.add_row(f"verkauft {year['year']}", f"{year['plots']} Grundstück(e), {year['ha']:.3f} ha")
    show(table)


@estates_app.command("create")
def estates_create(file: Annotated[Path, typer.Argument(help="JSON of the estate (as POST /api/estates)")],
                   crs: Annotated[str | None, typer.Option(help="CRS of the outline (default CRS84)")] = None) -> None:
    """Record a commercial estate (its outline, utilities, funding) from a JSON file."""
    from flaechenpool import estates

    out.print(f"estate {_stored('estate created (CLI)', estates.EstateCreate, file, crs, estates.save_estate)} created")


audit_app = typer.Typer(help="The audit trail.", invoke_without_command=True)


@audit_app.callback()
def audit_show(table: Annotated[str | None, typer.Option(help="e.g. core.sites")] = None,
               key: Annotated[str | None, typer.Option(help="Row key, e.g. a site id or Flurstückskennzeichen")] = None,
               actor: Annotated[str | None, typer.Option()] = None,
               limit: Annotated[int, typer.Option()] = 30) -> None:
    """Show the newest audit entries (who, when, what, before/after)."""
    from flaechenpool import audit

    rows = _read(lambda conn: audit.entries(conn, _operator(), table=table, row_key=key, actor=actor, limit=limit))
    table_view = Table(title=f"Audit: {len(rows)} entries")
    for column in ("at", "actor", "action", "table", "key", "changed"):
        table_view.add_column(column)
    for r in rows:
        before, after = r["before"] or {}, r["after"] or {}
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        table_view.add_row(r["at"].strftime("%Y-%m-%d %H:%M:%S"), r["actor"], r["action"], r["table_name"],
                           r["row_key"] or "", ", ".join(changed[:6]) or (r["reason"] or ""))
    show(table_view)
