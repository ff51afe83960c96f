"""Database access: which database, the engine (connection pool), checks and per-transaction context.

``resolve_database_url`` decides between ``DATABASE_URL`` and the embedded cluster; everything
else takes an engine or a connection.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any, Literal, cast

import psycopg
from sqlalchemy import Connection, Dialect, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError

from flaechenpool.errors import (
    ConfigurationError,
    Conflict,
    DatabaseUnavailable,
    FlaechenpoolError,
    InputError,
    NotFound,
    PermissionDenied,
    UnprocessableError,
)
from flaechenpool.settings import Settings

ROLE_DB_ROLES = {
    "public": "flaechenpool_public",
    "planner": "flaechenpool_planner",
    "land_manager": "flaechenpool_land_manager",
    "admin": "flaechenpool_admin",
}


def resolve_database_url(settings: Settings, *, echo: Callable[[str], None] = lambda m: None) -> str:
    """The SQLAlchemy URL to use: ``DATABASE_URL`` if set, else the embedded cluster (started if needed)."""
    if settings.database_url is not None:
        return settings.database_url
    from flaechenpool.cluster import EmbeddedCluster

    return EmbeddedCluster(settings.cluster, echo=echo).url()


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable DATABASE_URL>"


def create_engine_for(url: str, settings: Settings | None = None) -> Engine:
    """An engine (connection pool) for ``url`` with the configured pool size and timeouts.

    A pooled connection that was idle for ``PING_AFTER_IDLE_S`` is pinged before use (a restarted
    server is noticed, a fresh connection taken); one in steady use is not, which saves a round trip
    per request. A connection that breaks in between fails its request, and the pool replaces it.
    """
    settings = settings or Settings()
    try:
        engine = create_engine(
            url,
            pool_size=settings.db.pool_size,
            max_overflow=settings.db.max_overflow,
            pool_use_lifo=True,     # the connection returned last: hot caches and plans; idle ones stay idle
            connect_args={
                "connect_timeout": settings.db.connect_timeout_s,
                "application_name": "flaechenpool",
                "options": f"-c statement_timeout={settings.db.statement_timeout_ms}",
            },
        )
    except (ArgumentError, ValueError) as exc:
        raise ConfigurationError(f"DATABASE_URL is not a valid database URL: {describe_url(url)}") from exc
    _ping_after_idle(engine)
    return engine


PING_AFTER_IDLE_S = 10.0
MAX_OFFSET = 2**31 - 1     # the largest row offset of a page: beyond any table here, within the database's integers


def _ping_after_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_since(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: let the pool take a fresh connection
            raise DisconnectionError("the pooled connection is gone") from exc


def check_database(engine: Engine) -> dict[str, Any]:
    """Connect once and check that PostGIS is installed; raise ``DatabaseUnavailable`` naming the cause."""
    where = describe_url(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            server = conn.execute(text("SHOW server_version")).scalar_one()
            postgis = conn.execute(
                text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            ).scalar_one_or_none()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise DatabaseUnavailable(f"cannot connect to the database {where}: {reason}") from exc
    if postgis is None:
        raise DatabaseUnavailable(
            f"the database {where} has no PostGIS extension; run CREATE EXTENSION postgis as its owner "
            "(the package postgresql-15-postgis-3 provides it)"
        )
    return {"server_version": server, "postgis_version": postgis}


@contextmanager
def acting(
    conn: Connection, *, actor: str, role: str = "admin", reason: str | None = None
) -> Iterator[Connection]:
    """Run the enclosed statements as ``actor`` with the database role of ``role``, in one transaction.

    Sets ``flaechenpool.actor`` (read by the audit triggers) and ``SET LOCAL ROLE`` so the database
    enforces what the role may see. Commits at the end unless the caller manages the transaction.
    """
    if role not in ROLE_DB_ROLES:
        raise ValueError(f"unknown role {role!r}")
    own_tx = not conn.in_transaction()
    tx = conn.begin() if own_tx else conn.begin_nested()
    try:
        set_context(conn, actor=actor, role=role, reason=reason)
        yield conn
        reset_role(conn)
    except BaseException:
        tx.rollback()
        raise
    tx.commit()


_CONTEXT = ("SELECT set_config('flaechenpool.actor', :actor, true), "
            "set_config('flaechenpool.reason', :reason, true), set_config('role', :role, true)")
# A read's plan_cache_mode for its transaction (``read_as``): "force_custom_plan" for reads whose best
# plan depends on the parameters (a bbox's extent decides between the spatial index and the key order:
# a generic plan, which PostgreSQL may pick after psycopg prepared a statement on its 6th execution on
# a connection, made a bbox page of 1,000 parcels 10x slower); "force_generic_plan" for reads whose plan
# does not (a vector tile: one envelope probe of the spatial index at any zoom), then prepared on first
# use and planned once per pooled connection, not per request.
PlanMode = Literal["force_custom_plan", "force_generic_plan"]
_PLAN_MODE = ", set_config('plan_cache_mode', :plan_mode, true)"


def _context_params(actor: str, role: str, reason: str | None) -> dict[str, str]:
    return {"actor": actor, "reason": reason or "", "role": ROLE_DB_ROLES[role]}


def set_context(conn: Connection, *, actor: str, role: str, reason: str | None = None) -> None:
    """Set actor, reason and database role for the current transaction."""
    # one round trip: set_config('role', …, true) is SET LOCAL ROLE
    conn.execute(text(_CONTEXT), _context_params(actor, role, reason))


@functools.lru_cache(maxsize=512)
def driver_sql(dialect: Dialect, statement: str) -> str:
    """A statement with ``:name`` binds as the driver's text (``%(name)s``), compiled once per text."""
    return str(text(statement).compile(dialect=dialect))


class TextAsBuffer(psycopg.adapt.Loader):
    """Text results as the UTF-8 bytes PostgreSQL sent, not copied: psycopg hands a loader a memoryview
    of the result's memory, which keeps the result alive as long as it is referenced."""

    def load(self, data: Any) -> Any:
        return data


def read_as(conn: Connection, statement: str, params: Mapping[str, Any], *, actor: str, role: str,
            plans: PlanMode | None = None, text_as_buffer: bool = False) -> tuple[Any, ...] | None:
    """``set_context`` and one read statement in ONE round trip; the statement's first row.

    psycopg's pipeline sends the ``set_config`` call and the statement together; PostgreSQL still
    runs them one after the other, so the statement is planned, checked and run under the caller's
    role exactly as after ``set_context``. On a connection in a transaction (``get_connection``) the
    context stays for the rest of it. On an autocommit connection (``deps.get_connection_opener``) the
    pipeline is a transaction of its own — ``BEGIN``, context, statement, ``COMMIT`` — so the role
    ends with it (psycopg's implicit ``BEGIN`` would cost a round trip of its own: a pipeline waits
    for it). ``plans`` sets ``plan_cache_mode`` for the transaction (``PlanMode``; with
    ``force_generic_plan`` the statement is prepared at once, so it is planned once per connection);
    ``text_as_buffer`` returns text columns as a memoryview of their UTF-8 bytes (a large JSON text
    goes out to the client without being decoded or copied).
    Driver errors are raised as SQLAlchemy's ``DBAPIError`` like every other statement's.
    """
    return reads_as(conn, [(statement, params)], actor=actor, role=role, plans=plans,
                    text_as_buffer=text_as_buffer)[0]


def reads_as(conn: Connection, statements: Sequence[tuple[str, Mapping[str, Any]]], *, actor: str, role: str,
             plans: PlanMode | None = None, text_as_buffer: bool = False) -> list[tuple[Any, ...] | None]:
    """``read_as`` for several read statements, all in the same ONE round trip and transaction (e.g. a
    page and its count: both see the same snapshot); the first row of each."""
    # None only on a closed or invalidated connection, which cannot run statements anyway; the
    # driver is psycopg, the only one this module supports (pipelines, psycopg.Error below)
    driver = cast(psycopg.Connection[Any], conn.connection.driver_connection)
    own = bool(driver.autocommit)
    context = driver_sql(conn.dialect, _CONTEXT + (_PLAN_MODE if plans else ""))
    prepare = True if plans == "force_generic_plan" else None
    compiled = [(driver_sql(conn.dialect, sql), dict(values)) for sql, values in statements]
    steps: list[tuple[str, dict[str, Any] | None, bool]] = [
        (context, {**_context_params(actor, role, None), **({"plan_mode": plans} if plans else {})}, False),
        *((sql, values, True) for sql, values in compiled)]
    if own:
        steps = [("BEGIN", None, False), *steps, ("COMMIT", None, False)]
    try:
        results = []
        with driver.pipeline():
            for sql, values, read in steps:
                cursor = driver.cursor()
                if read and text_as_buffer:
                    cursor.adapters.register_loader("text", TextAsBuffer)
                # listeners of SQLAlchemy's statement event (logging, tests) see these statements too
                conn.dispatch.before_cursor_execute(conn, cursor, sql, values, None, False)
                cursor.execute(sql, values, prepare=prepare if read else None)
                if read:
                    results.append(cursor)
        return [cursor.fetchone() for cursor in results]
    except psycopg.Error as exc:
        if own and driver.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with contextlib.suppress(psycopg.Error):      # a broken connection: the pool replaces it
                driver.execute("ROLLBACK")
        statement, params = statements[0]
        # SQLAlchemy's annotations want its DBAPI protocol types (psycopg.Error is no subclass of their
        # DBAPIModule.Error; psycopg's overloaded cursor() differs): its psycopg dialect takes these
        lost = conn.dialect.is_disconnect(exc, driver, None)  # type: ignore[arg-type]
        if lost:
            conn.invalidate()     # the pool replaces it
        raise DBAPIError.instance(statement, dict(params), exc, psycopg.Error, dialect=conn.dialect,
                                  connection_invalidated=lost) from exc


def reset_role(conn: Connection) -> None:
    """Back to the connecting user's role (within the current transaction)."""
    conn.exec_driver_sql("RESET ROLE")


def load_sql(name: str) -> str:
    """The text of ``flaechenpool/sql/NAME.sql``."""
    return resources.files("flaechenpool.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def is_driver_error(exc: BaseException) -> bool:
    """True for errors raised by the database driver (their text never reaches a caller)."""
    return isinstance(exc, DBAPIError)


# SQLSTATEs raised by the schema's triggers and constraints → domain errors (texts written by us).
_SQLSTATE_ERRORS: dict[str, type[FlaechenpoolError]] = {
    "FPW01": Conflict,          # mobilisation workflow: move not allowed
    "FPW02": Conflict,          # retired site changed
    "FPD01": Conflict,          # delete instead of retire
    "FPP01": Conflict,          # sale of land not held
    "FPP02": Conflict,          # purchase of land already held
    "FPA01": InputError,        # personal data read without purpose
    "FPA02": PermissionDenied,  # personal data of another municipality
    "FPA03": InputError,        # personal data read without naming the municipalities
    "FPA04": InputError,        # redaction of a table without known personal columns
    "FPA05": InputError,        # retention period shorter than a day
    "FPA06": InputError,        # erasure by e-mail without an e-mail address
    "FPA07": NotFound,          # inquiry not of the caller's municipalities (or none)
    "FPA08": InputError,        # unknown handling status of an inquiry
    "FPR01": UnprocessableError,  # reported location outside every municipality (German text)
    "FPR02": NotFound,          # inquiry to a site that is not published (German text)
    "FPR03": UnprocessableError,  # personal data without consent (German text)
    "FPR04": Conflict,          # report decided already
    "23505": Conflict,          # unique violation
    "23503": UnprocessableError,  # foreign key violation
    "23514": UnprocessableError,  # check violation
    "23502": UnprocessableError,  # not null violation
    "22P02": InputError,        # invalid text representation
    "22023": InputError,        # invalid parameter value (e.g. PostGIS)
    "XX000": InputError,        # PostGIS parse errors of user geometry
    "42501": PermissionDenied,  # insufficient privilege
}


def translate_db_error(exc: DBAPIError) -> FlaechenpoolError | None:
    """A domain error for database errors the caller can act on, else None (a 5xx to log).

    Only messages raised by our own triggers are passed on; for constraint violations the
    constraint's name is given, never the server's text.
    """
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None and isinstance(orig, psycopg.DataError) and "NUL (0x00)" in str(orig):
        # refused by psycopg before sending: PostgreSQL's text cannot hold the character
        return InputError("a text value contains a NUL character (0x00), which cannot be stored or searched",
                          detail_de="Ein Text enthält ein NUL-Zeichen (0x00); das ist nicht zulässig.")
    cls = _SQLSTATE_ERRORS.get(sqlstate or "")
    if cls is None:
        return None
    diag = getattr(orig, "diag", None)
    if sqlstate and sqlstate.startswith("FP"):
        return cls(str(getattr(diag, "message_primary", "") or "rejected by the database"))
    constraint = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    if sqlstate == "42501":
        return cls("this role may not access that data")
    if sqlstate in ("22P02", "22023", "XX000"):
        return cls("a value could not be interpreted (wrong type or malformed geometry)")
    what = {"23505": "duplicate key", "23503": "reference to a missing record", "23514": "constraint violated",
            "23502": "required value missing"}[sqlstate or ""]
    return cls(f"{what}: {constraint or 'unnamed constraint'}" + (f" on {table}" if table else ""))
