"""The ``flaechenpool`` command line: thin wrappers over the library that turn domain errors into
one message and exit code 1."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from flaechenpool.db import translate_db_error
from flaechenpool.errors import FlaechenpoolError
from flaechenpool.settings import Settings, load_settings

Model = TypeVar("Model", bound=BaseModel)        # what _options builds from options

app = typer.Typer(help="Flächenpool: land-management GIS service for German municipalities.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The database: embedded PostGIS cluster or DATABASE_URL.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo data set (real open data + illustrative land pool).", no_args_is_help=True)
import_app = typer.Typer(help="Import cadastre data and layers.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(import_app, name="import")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def show(table: Table) -> None:
    """Print a table. One that cannot fit the terminal without cutting a word (a parcel key, a number, a
    date: rich would shorten it to "16030100…") is tried without its vertical lines, else printed as a block of
    "heading  value" lines per row, as psql's expanded display does; a wider terminal (or COLUMNS) gets the
    table."""
    if not table.show_header or _ellipses(table, out.width) <= _ellipses(table, 100_000):
        out.print(table)
        return
    framed = table.box, table.pad_edge, table.collapse_padding
    # without the vertical lines and with one space between columns, the columns gain two of every three
    table.box, table.pad_edge, table.collapse_padding = box.SIMPLE_HEAD, False, True
    if _ellipses(table, out.width) <= _ellipses(table, 100_000):
        out.print(table)
        return
    table.box, table.pad_edge, table.collapse_padding = framed
    if table.title:
        out.print(table.title, style="italic", highlight=False)
    headings = [str(column.header).replace("\n", " ") for column in table.columns]
    cells = [list(column.cells) for column in table.columns]
    for i in range(table.row_count):
        block = Table(show_header=False, box=None, padding=(0, 1), title=f"── {i + 1} / {table.row_count} ──",
                      title_justify="left")
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        for heading, column in zip(headings, cells, strict=True):
            block.add_row(heading or "", column[i])
        out.print(block)
    if table.caption:
        out.print(table.caption, style="dim", highlight=False)


def _ellipses(table: Table, width: int) -> int:
    """How many "…" ``table`` shows printed ``width`` columns wide: more than at full width are cut words."""
    probe = Console(width=width, file=io.StringIO(), color_system=None, soft_wrap=True)
    probe.print(table)
    return probe.file.getvalue().count("…")  # type: ignore[attr-defined]


def info(message: str) -> None:
    err.print(f"[dim]flaechenpool:[/dim] {message}", highlight=False)


@contextmanager
def _errors() -> Iterator[None]:
    """One clear message and exit code 1 for every error the caller can act on."""
    try:
        yield
    except FlaechenpoolError as exc:
        err.print(f"[bold red]Error:[/bold red] {exc.detail}", highlight=False)
        raise typer.Exit(1) from exc
    except DBAPIError as exc:
        domain = translate_db_error(exc)
        message = domain.detail if domain else "the database could not complete the command (see its log)"
        err.print(f"[bold red]Error:[/bold red] {message}", highlight=False)
        raise typer.Exit(1) from exc
    except KeyboardInterrupt as exc:
        err.print("[bold red]Interrupted[/bold red]: nothing was changed by the unfinished step")
        raise typer.Exit(130) from exc


def _run(func: Callable[[], Any]) -> Any:
    with _errors():
        return func()


def _settings() -> Settings:
    return _run(load_settings)


@contextmanager
def _connection(settings: Settings) -> Iterator[Any]:
    """A connection to the prepared database (schema migrated, no demo load); committed on success."""
    from flaechenpool.bootstrap import prepare_database
    from flaechenpool.db import create_engine_for

    url = prepare_database(settings, echo=info, demo=False)
    engine = create_engine_for(url, settings)
    try:
        with engine.connect() as conn:
            yield conn
            conn.commit()
    finally:
        engine.dispose()


def _as_operator(reason: str, work: Callable[[Any], Any], settings: Settings | None = None) -> Any:
    """``work(conn)`` as the operator (role admin, actor ``cli:<os user>``) with ``reason`` in the audit log
    (``_read`` with ``db.acting`` around the work)."""
    from flaechenpool.db import acting

    def acted(conn: Any) -> Any:
        with acting(conn, actor=_actor(), role="admin", reason=reason):
            return work(conn)

    return _read(acted, settings)


def _read(work: Callable[[Any], Any], settings: Settings | None = None) -> Any:
    """``work(conn)`` on a connection to the database in use, committed when it returns; every error becomes
    one message (``_run``)."""
    settings = settings or _settings()

    def run() -> Any:
        with _connection(settings) as conn:
            return work(conn)

    return _run(run)


def _options(model: type[Model], names: dict[str, str] | None = None, *, hint: str = "the options",
             **values: Any) -> Model:
    """``model`` from command-line options (those not given left to the model's defaults).

    A value the model refuses is a usage error (exit code 2) naming the option: ``names`` maps a field to its
    option where the two differ (``parcels`` → ``--parcel``). A rule over several fields names the field its
    message begins with, else ``hint``."""
    from pydantic import ValidationError

    names = names or {}
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        fields = [*values, *names]
        field = (str(error["loc"][0]) if error["loc"]
                 else next((f for f in fields if message.startswith(f)), None))
        option = names.get(field, field) if field in fields else None
        raise typer.BadParameter(message, param_hint=f"--{option.replace('_', '-')}" if option else hint) from None


def _when(value: Any) -> str:
    """A moment in the operator's local time for tables (``–`` for none)."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "–"


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# --- db -----------------------------------------------------------------------------------------

def _cluster(settings: Settings) -> Any:
    from flaechenpool.cluster import EmbeddedCluster
    from flaechenpool.errors import ConfigurationError

    if settings.external_database:
        raise ConfigurationError(
            "DATABASE_URL is set: the project uses that server and does not manage a local cluster; "
            "unset DATABASE_URL to use the embedded one")
    return EmbeddedCluster(settings.cluster, echo=info)


def _print_status(status: Any, database: str) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("cluster folder", str(status.root))
    table.add_row("running", "yes" if status.running else "no")
    table.add_row("pid", str(status.pid or "–"))
    table.add_row("port (127.0.0.1)", str(status.port or "–"))
    table.add_row("socket folder", str(status.socket_dir))
    if status.running and status.port:
        table.add_row("url", status.url(database))
    show(table)


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostGIS cluster (initdb on first use); idempotent."""
    settings = _settings()
    status = _run(lambda: _cluster(settings).start())
    _print_status(status, settings.cluster.database)


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster; idempotent."""
    settings = _settings()
    status = _run(lambda: _cluster(settings).stop())
    _print_status(status, settings.cluster.database)


@db_app.command("status")
def db_status() -> None:
    """Which database is used and whether it runs."""
    settings = _settings()
    if settings.external_database:
        from flaechenpool.db import check_database, create_engine_for, describe_url

        assert settings.database_url is not None
        out.print(f"external database (DATABASE_URL): {describe_url(settings.database_url)}")
        engine = create_engine_for(settings.database_url, settings)
        try:
            versions = _run(lambda: check_database(engine))
        finally:
            engine.dispose()
        out.print(f"reachable: PostgreSQL {versions['server_version']}, PostGIS {versions['postgis_version']}")
        return
    status = _run(lambda: _cluster(settings).status())
    _print_status(status, settings.cluster.database)
    if not status.running:
        raise typer.Exit(3)


@db_app.command("url")
def db_url() -> None:
    """Print the SQLAlchemy URL of the database in use (starts the embedded cluster if needed)."""
    from flaechenpool.db import resolve_database_url

    settings = _settings()
    out.print(_run(lambda: resolve_database_url(settings, echo=info)), highlight=False, soft_wrap=True)


@db_app.command("migrate")
def db_migrate() -> None:
    """Bring the schema to the newest revision (Alembic, db/)."""
    from flaechenpool.bootstrap import prepare_database

    _run(lambda: prepare_database(_settings(), echo=info, demo=False))


@db_app.command("backup")
def db_backup(
    file: Annotated[Path | None, typer.Argument(
        help="Backup file, or a folder for DATABASE-YYYYmmdd-HHMMSS.dump (default: that name here)")] = None,
    keep: Annotated[int | None, typer.Option(
        help="Then delete all but the N newest such backups in that folder (for a daily cron job)")] = None,
) -> None:
    """Back up the database in use into one file (pg_dump custom format).

    The file holds the land pool with its history, the audit log, users and personal data."""
    from sqlalchemy.engine import make_url

    from flaechenpool.backup import backup, default_file, rotate

    if keep is not None and keep < 1:
        raise typer.BadParameter("keep at least one backup", param_hint="--keep")
    settings = _settings()

    def run() -> Any:
        from flaechenpool.db import resolve_database_url

        url = resolve_database_url(settings, echo=info)
        database = str(make_url(url).database)
        target = default_file(database, folder=file or Path()) if file is None or file.is_dir() else file
        report = backup(settings, url, target, echo=info)
        return report, [] if keep is None else rotate(report.file.parent, database, keep)

    report, deleted = _run(run)
    out.print(f"backup of schema {report.revision} written to {report.file} ({report.bytes / 1e6:,.1f} MB, "
              f"{report.seconds:,.0f} s)" + (f"; {len(deleted)} older backup(s) deleted" if deleted else ""),
              highlight=False)
    info("the file holds personal data (owners, inquiries, reports): keep it as safe as the database, and "
         "delete backups once the retention periods (public.*_retention_days) have passed")


@db_app.command("restore")
def db_restore(file: Annotated[Path, typer.Argument(help="A backup made by 'flaechenpool db backup'")]) -> None:
    """Restore a backup as the database in use (stop the service first).

    The database it replaces is kept under another name until 'db drop-replaced'."""
    from flaechenpool.backup import restore
    from flaechenpool.db import resolve_database_url

    settings = _settings()
    report = _run(lambda: restore(settings, resolve_database_url(settings, echo=info), file, echo=info))
    migrated = "" if report.revision == report.migrated_to else f", migrated to {report.migrated_to}"
    out.print(f"{file} restored as database {report.database} (schema {report.revision}{migrated}, "
              f"{report.seconds:,.0f} s); the database it replaced is kept as {report.previous}: once you have "
              "checked the restore, 'flaechenpool db drop-replaced' drops it", highlight=False)


@db_app.command("drop-replaced")
def db_drop_replaced() -> None:
    """Drop the databases that restores replaced and kept (NAME_before_restore_TIME)."""
    from flaechenpool.backup import drop_replaced
    from flaechenpool.db import resolve_database_url

    settings = _settings()
    dropped = _run(lambda: drop_replaced(resolve_database_url(settings, echo=info)))
    out.print(f"dropped {', '.join(dropped)}" if dropped else "no replaced database to drop", highlight=False)


# --- demo ---------------------------------------------------------------------------------------

@demo_app.command("load")
def demo_load(
    data_dir: Annotated[Path | None, typer.Option(help="Folder with the demo data (default: data/).")] = None,
) -> None:
    """Load the demo data (idempotent: a loaded demo is not loaded again)."""
    from flaechenpool.demo import load_demo

    settings = _settings()

    def load() -> Any:
        with _connection(settings) as conn:
            return load_demo(conn, data_dir or settings.data_dir, echo=info)

    report = _run(load)
    if report.loaded:
        out.print(json.dumps(report.counts, indent=2, ensure_ascii=False, default=str), highlight=False)
        out.print("demo data loaded")
    else:
        out.print("demo data already loaded; nothing to do")


# --- import -------------------------------------------------------------------------------------

@import_app.command("parcels")
def import_parcels_cmd(
    file: Annotated[Path, typer.Argument(help="ALKIS GML/NAS, GeoPackage, Shapefile (.zip), GeoJSON, FlatGeobuf")],
    municipality: Annotated[str | None, typer.Option(help="Official municipality key (AGS, 8 digits)")] = None,
    crs: Annotated[str | None, typer.Option(help="CRS when the file declares none, e.g. EPSG:25832")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file")] = None,
    keep_missing: Annotated[bool, typer.Option(help="Do not retire current parcels missing from the file")] = False,
) -> None:
    """Import parcels (Flurstücke), upserting by Flurstückskennzeichen and keeping history."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flaechenpool.importing.parcels import import_parcels

    settings = _settings()

    def run() -> Any:
        with _connection(settings) as conn, Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err, transient=True) as progress:
            task = progress.add_task(f"importing {file.name}", total=None)

            def advance(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            return import_parcels(conn, file, municipality=municipality, crs=crs, layer=layer,
                                  retire_missing=not keep_missing, actor=_actor(), progress=advance)

    report = _run(run)
    table = Table(title=f"Import of {file.name} (run {report.run_id})")
    for column in ("read", "inserted", "changed", "unchanged", "retired", "repaired"):
        table.add_column(column, justify="right")
    table.add_row(*(str(v) for v in (report.read, report.inserted, report.changed, report.unchanged,
                                     report.retired, len(report.repaired))))
    show(table)
    if report.indexes_built:
        out.print(f"initial load: the {report.indexes_built} indexes of core.parcels were built after loading")
    for repair in report.repaired:
        out.print(f"repaired {repair.get('flurstueckskennzeichen')} (feature {repair.get('row')}): {repair.get('reason')}")


@import_app.command("layer")
def import_layer_cmd(
    kind: Annotated[str, typer.Argument(help="municipalities, stations, flood_zones, protected_areas, zoning_plans, "
                                             "buildings, motorway_junctions, land_use, land_values, "
                                             "preemption_areas")],
    file: Annotated[Path, typer.Argument(help="GeoPackage, Shapefile (.zip), GeoJSON, FlatGeobuf, GML")],
    municipality: Annotated[str | None, typer.Option(help="AGS (zoning plans, buildings, pre-emption areas)")] = None,
    crs: Annotated[str | None, typer.Option(help="CRS when the file declares none")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file")] = None,
    replace: Annotated[bool, typer.Option(help="Replace rows of an earlier import of this file")] = False,
    feature_kind: Annotated[str | None, typer.Option("--kind", help=(
        "The kind of features the file has no field for: protected_areas NSG, LSG, FFH, SPA …; flood_zones "
        "HQhäufig, HQ100, HQextrem; preemption_areas Sanierungsgebiet …"))] = None,
) -> None:
    """Import municipality boundaries or a reference layer, in one transaction."""
    from flaechenpool.importing.layers import import_layer

    report = _as_operator(f"import layer {kind} {file.name}", lambda conn: import_layer(
        conn, kind, file, crs=crs, layer=layer, municipality=municipality, replace=replace,
        feature_kind=feature_kind))
    out.print(f"{report.kind} from {report.file}: read {report.read}, inserted {report.inserted}, "
              f"updated {report.updated}, retired {report.retired}")
    if report.kinds:
        out.print("read as: " + ", ".join(f"{k} {n}" for k, n in sorted(report.kinds.items())), highlight=False)
    if report.skipped:
        shown = ", ".join(str(r) for r in report.skipped[:10]) + (" …" if len(report.skipped) > 10 else "")
        out.print(f"left out {len(report.skipped)} features without a value (zones the committee gave none): {shown}")


@import_app.command("sites")
def import_sites_cmd(
    file: Annotated[Path, typer.Argument(help="GeoPackage, Shapefile (.zip), GeoJSON, FlatGeobuf: one site a feature")],
    municipality: Annotated[str, typer.Option(help="AGS of the municipality the sites lie in")],
    kind_field: Annotated[str, typer.Option(help="Field with the FLOO-Thüringen category (Baulücke, "
                                                 "Brachfläche, …)")] = "kategorie",
    name_field: Annotated[str, typer.Option(help="Field with the site's name")] = "bezeichnung",
    crs: Annotated[str | None, typer.Option(help="CRS when the file declares none")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file")] = None,
) -> None:
    """Import sites (a FLOO-Thüringen export, a Baulückenkataster) into the site register, in one transaction."""
    from flaechenpool.cli_landoffice import _operator
    from flaechenpool.importing.sites import import_sites

    report = _as_operator(f"import sites {file.name}", lambda conn: import_sites(
        conn, _operator(), file, municipality=municipality, kind_field=kind_field, name_field=name_field, crs=crs,
        layer=layer))
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.by_kind.items()))
    out.print(f"sites from {report.file}: {report.created} created ({kinds or 'none'})", highlight=False)


# --- the command groups of their own modules ------------------------------------------------------

def _register_land_office() -> None:
    from flaechenpool.cli_analysis import potential_app
    from flaechenpool.cli_landoffice import (
        audit_app,
        estates_app,
        parcels_app,
        pool_app,
        sites_app,
        vacancies_app,
    )
    from flaechenpool.cli_notifications import notifications_app
    from flaechenpool.cli_preemption import preemption_app
    from flaechenpool.cli_privacy import personal_app
    from flaechenpool.cli_public import inquiries_app, projects_app, reports_app
    from flaechenpool.cli_users import token_app, user_app

    if any(group.name == "parcels" for group in app.registered_groups):
        return

    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(parcels_app, name="parcels")
    app.add_typer(sites_app, name="sites")
    app.add_typer(pool_app, name="pool")
    app.add_typer(preemption_app, name="preemption")
    app.add_typer(vacancies_app, name="vacancies")
    app.add_typer(estates_app, name="estates")
    app.add_typer(audit_app, name="audit")
    app.add_typer(potential_app, name="potential")
    app.add_typer(inquiries_app, name="inquiries")
    app.add_typer(reports_app, name="reports")
    app.add_typer(projects_app, name="projects")
    app.add_typer(personal_app, name="personal")
    app.add_typer(notifications_app, name="notifications")


# --- serve --------------------------------------------------------------------------------------

@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000)")] = None,
    demo: Annotated[bool | None, typer.Option(help="Load the demo data into an empty database")] = None,
) -> None:
    """Start the service: database (embedded cluster unless DATABASE_URL), schema, demo data, HTTP."""
    from flaechenpool.api import server
    from flaechenpool.api.app import create_app
    from flaechenpool.bootstrap import ensure_port_free, prepare_database

    settings = _settings()
    host = host or settings.api.host
    port = port or settings.api.port

    def prepare() -> str:
        ensure_port_free(host, port)
        return prepare_database(settings, echo=info, demo=demo)

    url = _run(prepare)
    info(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    server.run(create_app(settings, database_url=url), host, port, access_log=settings.api.access_log)


def main() -> None:
    """Entry point of the ``flaechenpool`` command."""
    _register_land_office()
    try:
        app()
    except FlaechenpoolError as exc:  # errors outside a command's own handling
        err.print(f"[bold red]Error:[/bold red] {exc.detail}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
