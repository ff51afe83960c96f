"""Benchmark of /ogc against raw SQL, TiPg and pygeoapi on the same database, one worker each.

    .venv/bin/python bench/bench_ogc.py [--parcels 1000000] [--requests 200] [--skip-peers]
        [--only items|tiles] [--zooms 10-16] [--reuse-db] [--client lean|http.client|httpx]

1. A database ``flaechenpool_bench_ogc`` (embedded cluster or DATABASE_URL's server) with the demo data
   plus N synthetic current parcels on a grid around Jena (bulk insert, no audit rows).
2. Servers, each with one uvicorn worker on uvloop and httptools: Flächenpool (``flaechenpool serve``),
   TiPg 1.6.1 and pygeoapi (PyPI) — each peer in its own virtualenv under /tmp/fp-bench-peers with
   ``uvicorn[standard]``, installed here on first use.
   The peers serve the view ``core.current_parcels`` (the same rows) and ``ref.land_use``.
3. Workloads: items pages of 1,000 features in random 1.2 km boxes (CRS84 bbox), the same with a CQL2
   filter, 1 and 4 clients (one client: in turns of ``--turn`` requests per system, as the uncached
   tiles; four: one pass per system); vector tiles z10–z16 over Jena, Erfurt and Ilmenau (4 × 4 tiles a town up to
   z13, 8 × 8 from z14, whose tiles take milliseconds; land use below z13, where Flächenpool leaves
   parcels out of tiles; parcels from z13), uncached and repeated. Uncached tiles are requested in
   turns of 12 tiles per system (the raw SQL and every server, in an order that rotates from turn to
   turn), so that a slow spell of the machine falls on every system alike (a z13 pass lasts seconds);
   each system has prepared its statement on a tile outside the block before. Repeated: one pass per peer (which keep
   no tiles), ten over Flächenpool's cache.
   "raw SQL" runs Flächenpool's own statements on psycopg: the bytes the server sends, without HTTP
   (an items page of a small box with its numberMatched, counted in the page statement).
   The HTTP client is the same for every server: one keep-alive connection per thread and server, a
   socket with httptools' response parser (``--client http.client`` or ``httpx`` for the heavier
   clients of earlier runs). The raw SQL compiles each statement once.
Prints a Markdown table (requests/s and p95). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import httptools
import httpx
import morecantile
import numpy as np
import psycopg
import pyproj
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flaechenpool import migrations  # noqa: E402
from flaechenpool.db import create_engine_for, resolve_database_url  # noqa: E402
from flaechenpool.demo import load_demo  # noqa: E402
from flaechenpool.features.catalog import build_registry  # noqa: E402
from flaechenpool.features.cql import parse_filter  # noqa: E402
from flaechenpool.features.items import ItemsQuery, ItemsRequest  # noqa: E402
from flaechenpool.features.tiles import tile_params, tile_sql  # noqa: E402
from flaechenpool.settings import Settings  # noqa: E402
from flaechenpool.spatial import BBox  # noqa: E402
from tests.databases import recreate_database  # noqa: E402

PEERS = Path("/tmp/fp-bench-peers")
DATABASE = "flaechenpool_bench_ogc"
GRID = (666_000.0, 5_630_000.0, 30.0, 35.0)   # origin x, y and cell size of the synthetic parcels
TOWNS = {"Jena": (11.59, 50.928), "Erfurt": (11.0668, 50.9568), "Ilmenau": (10.9247, 50.6862)}
CQL = "official_area_m2 > 1000 AND land_use = 'Wohnbaufläche'"
TMS = morecantile.tms.get("WebMercatorQuad")
REPEATS = 10    # passes over the cached tiles of a zoom (Flächenpool)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_database(n: int, *, reuse: bool = False) -> str:
    settings = Settings()
    server = make_url(resolve_database_url(settings)).set(database="postgres").render_as_string(hide_password=False)
    if reuse:       # the database of an earlier run with the same --parcels (checked by its row count)
        url = make_url(server).set(database=DATABASE).render_as_string(hide_password=False)
        engine = create_engine_for(url, settings)
        with engine.connect() as conn:
            found = conn.execute(text("SELECT count(*) FROM core.parcels WHERE source = 'bench'")).scalar_one()
        if found != n:
            raise SystemExit(f"--reuse-db: the database has {found:,} bench parcels, not {n:,}")
        migrations.upgrade(engine)      # a database of an earlier version of the code: to the current schema
        engine.dispose()
        return url
    url = recreate_database(server, DATABASE)
    engine = create_engine_for(url, settings)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        load_demo(conn, ROOT / "data")
        conn.commit()
    x0, y0, dx, dy = GRID
    side = int(np.ceil(np.sqrt(n)))
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('flaechenpool.bulk', 'on', true)"))
        conn.execute(text(
            "INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, land_use, geom, "
            "provenance, source) SELECT '169999' || lpad((i / 99999 + 1)::text, 3, '0') || lpad((i % 99999 + 1)::text,"
            " 5, '0') || '______', '16053000', round((:dx * :dy * (0.8 + 0.4 * random()))::numeric, 2), "
            "(ARRAY['Wohnbaufläche', 'Gewerbe', 'Landwirtschaft', 'Grünanlage'])[1 + i % 4], "
            "ST_Multi(ST_MakeEnvelope(:x0 + (i % :side) * :dx, :y0 + (i / :side) * :dy, "
            ":x0 + (i % :side + 1) * :dx, :y0 + (i / :side + 1) * :dy, 25832)), 'illustrative', 'bench' "
            "FROM generate_series(0, :n - 1) AS i"), {"n": n, "side": side, "x0": x0, "y0": y0, "dx": dx, "dy": dy})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited")
        time.sleep(0.3)
    raise SystemExit(f"server for {url} did not start")


def ensure_venv(name: str, packages: list[str]) -> Path:
    venv = PEERS / name
    marker = venv / (".installed-" + "-".join(sorted(packages)).replace("/", "_")[:200])
    if not marker.exists():
        PEERS.mkdir(exist_ok=True)
        if not (venv / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True)
        marker.touch()
    return venv


def start_flaechenpool(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, FLAECHENPOOL_LOAD_DEMO="false")
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flaechenpool"), "serve", "--port", str(port),
                                "--no-demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/ogc", process)
    return f"http://127.0.0.1:{port}/ogc", process


def tcp_url(url: str) -> str:
    u = make_url(url)
    return f"postgresql://{u.username}@127.0.0.1:{u.query.get('port', u.port)}/{u.database}"


def start_tipg(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    venv = ensure_venv("tipg", ["tipg==1.6.1", "uvicorn[standard]"])
    port = free_port()
    env = dict(os.environ, DATABASE_URL=tcp_url(url), TIPG_DB_SCHEMAS='["core","ref"]',
               TIPG_DB_TABLES='["core.current_parcels","ref.land_use"]', TIPG_DB_FUNCTIONS="[]",
               TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS='["public","core","ref","personal","auth","audit"]',
               TIPG_MAX_FEATURES_PER_QUERY="10000")
    process = subprocess.Popen([str(venv / "bin" / "uvicorn"), "tipg.main:app", "--port", str(port), "--workers", "1",
                                "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/collections", process)
    return f"http://127.0.0.1:{port}", process


def start_pygeoapi(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    venv = ensure_venv("pygeoapi", ["pygeoapi==0.21.0", "psycopg2-binary", "geoalchemy2", "uvicorn[standard]",
                                            "starlette", "httptools"])
    port = free_port()
    u = make_url(url)
    def resource(table: str, title: str) -> dict[str, object]:
        schema, table = table.split(".")
        data = {"host": "127.0.0.1", "port": int(u.query.get("port", u.port or 5432)), "dbname": u.database,
                "user": u.username, "search_path": [schema, "public"]}
        provider = {"data": data, "id_field": "id", "table": table, "geom_field": "geom",
                    "storage_crs": "http://www.opengis.net/def/crs/EPSG/0/25832"}
        return {"type": "collection", "title": title, "description": title, "keywords": [title], "links": [],
                "extents": {"spatial": {"bbox": [9.8, 50.2, 12.7, 51.65],
                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [{"type": "feature", "name": "PostgreSQL", **provider},
                              {"type": "tile", "name": "MVT-postgresql", **provider,
                               # schemes as a mapping: pygeoapi 0.21 passes non-mapping options on to the
                               # database driver (a list breaks it), and only tests membership here
                               "options": {"zoom": {"min": 0, "max": 22}, "schemes": {"WebMercatorQuad": {}}},
                               "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"}}]}

    contact = dict.fromkeys(("name", "position", "address", "city", "stateorprovince", "postalcode", "country",
                             "phone", "fax", "email", "url", "hours", "instructions"), "bench")
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                   "cors": False, "pretty_print": False, "limits": {"default_items": 100, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "none", "url": "http://x"},
                     "license": {"name": "none", "url": "http://x"}, "provider": {"name": "bench", "url": "http://x"},
                     "contact": {**contact, "role": "pointOfContact"}},
        "resources": {"parcels": resource("core.current_parcels", "parcels"),
                      "land_use": resource("ref.land_use", "land use")},
    }
    folder = PEERS / "pygeoapi-run"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text(json.dumps(config))           # JSON is YAML
    env = dict(os.environ, PYGEOAPI_CONFIG=str(folder / "config.yml"), PYGEOAPI_OPENAPI=str(folder / "openapi.yml"))
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(folder / "config.yml"),
                    "--output-file", str(folder / "openapi.yml")], env=env, check=True, capture_output=True)
    # httptools: pygeoapi 0.21 answers an empty tile with 204 and a body, which makes h11 drop the connection
    process = subprocess.Popen([str(venv / "bin" / "uvicorn"), "pygeoapi.starlette_app:APP", "--http", "httptools",
                                "--port", str(port),
                                "--workers", "1", "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/collections", process)
    return f"http://127.0.0.1:{port}", process


def measure(calls: list[Callable[[], object]], clients: int) -> tuple[float, float]:
    """Requests per second and p95 latency (ms) of running ``calls`` with ``clients`` threads (one client:
    in the calling thread, whose connections earlier passes opened and warmed)."""
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [calls[i::clients] for i in range(clients)]

    errors: list[BaseException] = []

    def worker(chunk: list[Callable[[], object]]) -> None:
        for call in chunk:
            t = time.perf_counter()
            try:
                call()
            except FAILURES as exc:   # a failed request fails the whole workload
                with lock:
                    errors.append(exc)
                return
            with lock:
                latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    if clients == 1:    # in this thread: its connections (the raw SQL's too) stay open from pass to pass
        worker(calls)
    else:
        threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    ordered = sorted(latencies)
    return len(calls) / elapsed, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def measure_interleaved(calls: dict[str, list[Callable[[], object]]],
                        run: int = 12) -> dict[str, tuple[float, float] | None]:
    """Requests per second and p95 latency (ms) of each system's ``calls``, one client, in turns of
    ``run`` consecutive requests per system (the order of the systems rotates from turn to turn): a
    slow spell of the machine (a z13 pass lasts seconds) falls on every system alike, while each
    system still gets requests back to back, as from a map view (turns of single requests would make
    every request wake an idle server). A system whose request fails drops out (``None``)."""
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    failed: set[str] = set()
    for turn, start in enumerate(range(0, len(calls[names[0]]), run)):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            for call in calls[name][start:start + run]:
                if name in failed:
                    break
                t = time.perf_counter()
                try:
                    call()
                except FAILURES as exc:
                    print(f"  {name} failed: {str(exc)[:160]}", file=sys.stderr)
                    failed.add(name)
                    break
                times[name].append(time.perf_counter() - t)
    result: dict[str, tuple[float, float] | None] = {}
    for name in names:
        ordered = sorted(times[name])
        result[name] = None if name in failed else (len(ordered) / sum(ordered),
                                                     ordered[int(0.95 * (len(ordered) - 1))] * 1000)
    return result


class HttpFailure(Exception):
    """A request that did not get a 2xx answer."""


# what a failed request raises (it fails its workload)
FAILURES = (HttpFailure, OSError, http.client.HTTPException, psycopg.Error)


class _Response:
    """httptools' callbacks for one HTTP response: its body parts and whether it is complete."""

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.complete = False

    def on_body(self, body: bytes) -> None:
        self.body.append(bytes(body))     # a copy: the receive buffer is reused

    def on_message_complete(self) -> None:
        self.complete = True


@dataclass(frozen=True)
class _Target:
    """A URL as the clients send it: server, request target and the whole HTTP/1.1 request."""
    netloc: str
    host: str
    port: int
    target: str
    request: bytes

    @staticmethod
    def of(url: str) -> _Target:
        parts = urlsplit(url)
        # percent-encode what httpx would (non-ASCII letters of a filter), keep escapes and delimiters
        target = quote(parts.path + (f"?{parts.query}" if parts.query else ""), safe="/?&=%:,+;@!$'()*[]~")
        request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept-Encoding: identity\r\n\r\n".encode()
        return _Target(parts.netloc, parts.hostname or "127.0.0.1", parts.port or 80, target, request)


class Http:
    """One keep-alive HTTP/1.1 connection per thread and server, the same client for every server.

    ``lean`` (default): a socket and httptools' C response parser (the parser uvicorn uses on the server
    side), about 45 µs of client CPU per request here. ``http.client`` (the standard library; about
    105 µs, which capped a cached tile at about 4,800 req/s against this client's 7,000) and ``httpx``
    (1–3 ms) measure the client as much as the server: the raw-SQL baseline pays no HTTP client."""

    def __init__(self, client: str = "lean") -> None:
        self.local = threading.local()
        self.client = client
        self.targets: dict[str, _Target] = {}

    def get(self, url: str) -> bytes:
        if self.client == "httpx":
            client = getattr(self.local, "client", None)
            if client is None:
                client = self.local.client = httpx.Client(timeout=120)
            r = client.get(url)
            if r.status_code >= 400:
                raise HttpFailure(f"{r.status_code} for {url}")
            return r.content
        target = self.targets.get(url)
        if target is None:      # once per URL: the workloads measure the servers, not URL handling
            target = self.targets[url] = _Target.of(url)
        conns = getattr(self.local, "conns", None)
        if conns is None:
            conns = self.local.conns = {}
        for attempt in (1, 2):
            conn = conns.get(target.netloc)
            if conn is None:
                conn = conns[target.netloc] = self._connect(target.host, target.port)
            try:
                status, body = self._exchange(conn, target)
            except (http.client.RemoteDisconnected, ConnectionError):
                conn.close()  # the server closed an idle keep-alive connection: once more on a new one
                del conns[target.netloc]
                if attempt == 2:
                    raise
                continue
            if status >= 400:
                raise HttpFailure(f"{status} for {url}")
            return body
        raise AssertionError("unreachable")

    def _connect(self, host: str, port: int) -> socket.socket | http.client.HTTPConnection:
        if self.client == "http.client":
            return http.client.HTTPConnection(host, port, timeout=120)
        sock = socket.create_connection((host, port), timeout=120)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _exchange(self, conn: socket.socket | http.client.HTTPConnection, target: _Target) -> tuple[int, bytes]:
        if isinstance(conn, http.client.HTTPConnection):
            conn.request("GET", target.target)
            response = conn.getresponse()
            return response.status, response.read()
        conn.sendall(target.request)
        answer = _Response()
        parser = httptools.HttpResponseParser(answer)
        buffer = getattr(self.local, "buffer", None)
        if buffer is None:     # one receive buffer per thread: recv(n) would allocate n bytes a call
            buffer = self.local.buffer = memoryview(bytearray(1 << 18))
        while not answer.complete:
            received = conn.recv_into(buffer)
            if not received:
                raise ConnectionResetError("the server closed the connection")
            parser.feed_data(buffer[:received])
        return parser.get_status_code(), b"".join(answer.body)


class Raw:
    """Flächenpool's statements on plain psycopg, one connection per thread and plan mode.

    ``generic_plans``: prepared at once and ``force_generic_plan``, as Flächenpool's tiles (planned once
    per connection). ``custom_plans``: the connection runs with ``plan_cache_mode = force_custom_plan``, as Flächenpool's
    items pages do (a generic plan, which PostgreSQL may choose once psycopg prepared the statement,
    is ten times slower for a bbox page) — the baseline gets the same best plan."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.local = threading.local()
        self.dialect = create_engine_for(url).dialect
        self.compiled: dict[str, str] = {}

    def run(self, sql: str, params: dict[str, object], *, custom_plans: bool = False,
            generic_plans: bool = False, binary: bool = False) -> object:
        name = "custom" if custom_plans else "generic" if generic_plans else "auto"
        conn = getattr(self.local, name, None)
        if conn is None:
            options = {"custom": "-c plan_cache_mode=force_custom_plan",
                       "generic": "-c plan_cache_mode=force_generic_plan", "auto": ""}[name]
            conn = psycopg.connect(self.url, autocommit=True, options=options)
            setattr(self.local, name, conn)
        compiled = self.compiled.get(sql)
        if compiled is None:      # once per statement, as Flächenpool keeps its statements
            compiled = self.compiled[sql] = str(text(sql).compile(dialect=self.dialect))
        return conn.execute(compiled, params, prepare=True if generic_plans else None, binary=binary).fetchone()


def boxes(n: int, parcels: int, seed: int = 7) -> list[tuple[float, float, float, float]]:
    x0, y0, dx, dy = GRID
    side = int(np.ceil(np.sqrt(parcels)))
    span_x, span_y = side * dx - 1200, (parcels / side) * dy - 1200
    rng = np.random.default_rng(seed)
    to84 = pyproj.Transformer.from_crs(25832, 4326, always_xy=True)
    out = []
    for x, y in zip(rng.uniform(x0, x0 + max(span_x, 1), n), rng.uniform(y0, y0 + max(span_y, 1), n), strict=True):
        (a, c), (b, d) = to84.transform([x, x + 1200], [y, y + 1200])
        out.append((round(a, 6), round(b, 6), round(c, 6), round(d, 6)))
    return out


def tiles_for(z: int, k: int = 4) -> list[tuple[int, int, int]]:
    out = []
    for lon, lat in TOWNS.values():
        t = TMS.tile(lon, lat, z)
        out += [(z, t.x + i - k // 2, t.y + j - k // 2) for i in range(k) for j in range(k)]
    return out


def tile_url(system: str, base: str, collection: str, z: int, x: int, y: int) -> str:
    """A tile's URL on a server: TiPg orders column before row, pygeoapi needs ``f=mvt``."""
    tiles = f"{base}/collections/{collection}/tiles/WebMercatorQuad/{z}"
    return {"TiPg": f"{tiles}/{x}/{y}", "pygeoapi": f"{tiles}/{y}/{x}?f=mvt"}.get(system, f"{tiles}/{y}/{x}")


def run_safely(calls: list[Callable[[], object]], clients: int) -> tuple[float, float] | None:
    try:
        calls[0]()                                      # one request first: the peer may not support it
        return measure(calls, clients)
    except FAILURES as exc:
        print(f"  failed: {str(exc)[:160]}", file=sys.stderr)
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="items requests per workload")
    parser.add_argument("--skip-peers", action="store_true", help="only Flächenpool and raw SQL")
    parser.add_argument("--only", choices=("items", "tiles"), help="run only these workloads (while iterating)")
    parser.add_argument("--turn", type=int, default=12,
                        help="uncached tiles and one-client items pages requested per system in a row "
                        "(default 12; the request count: one pass each)")
    parser.add_argument("--zooms", default="10-16", help="tile zoom levels, e.g. 14-16 (default 10-16)")
    parser.add_argument("--reuse-db", action="store_true", help="keep the database of an earlier run (same --parcels)")
    parser.add_argument("--client", choices=("lean", "http.client", "httpx"), default="lean",
                        help="HTTP client for every server: lean (socket + httptools, default since 29 Nov 2026, "
                        "21:30 UTC), http.client (20:15–21:30 UTC) or httpx (before)")
    args = parser.parse_args()
    first, _, last = args.zooms.partition("-")
    zooms = range(int(first), int(last or first) + 1)
    t = time.perf_counter()
    url = prepare_database(args.parcels, reuse=args.reuse_db)
    print(f"database with {args.parcels:,} synthetic parcels ready in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    collections = {c.id: c for c in build_registry().all()}
    raw, http = Raw(url), Http(args.client)
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    names = {"parcels": {"Flächenpool": "parcels", "TiPg": "core.current_parcels", "pygeoapi": "parcels"},
             "land_use": {"Flächenpool": "land_use", "TiPg": "ref.land_use", "pygeoapi": "land_use"}}
    rows: list[tuple[str, int, dict[str, tuple[float, float] | None]]] = []
    try:
        servers["Flächenpool"] = start_flaechenpool(url)
        if not args.skip_peers:
            servers["TiPg"] = start_tipg(url)
            servers["pygeoapi"] = start_pygeoapi(url)
        item_workloads = [] if args.only == "tiles" else [("items: bbox page of 1,000", None),
                                                          ("items: bbox + CQL2 filter, page of 1,000", CQL)]
        for label, cql in item_workloads:
            for clients in (1, 4):
                bx = boxes(args.requests, args.parcels, seed=clients)
                result: dict[str, tuple[float, float] | None] = {}

                def raw_call(b: tuple[float, ...], cql: str | None = cql) -> object:
                    q = ItemsQuery(collections["parcels"], "public", ItemsRequest(
                        limit=1000, bbox=BBox(*b, srid=4326), filter=parse_filter(cql, None) if cql else None))
                    # the same bytes as Flächenpool's page: a first page of a small box counts its matches
                    # (numberMatched) in the page statement, as items.read_page does for a box seen first
                    sql = q.page_sql(with_count=q.count_in_page)
                    return raw.run(sql, dict(q.binds), custom_plans=True)

                measure([lambda b=b: raw_call(b) for b in bx[:20]], 1)        # warm the buffers
                passes: dict[str, list[Callable[[], object]]] = {"raw SQL": [lambda b=b: raw_call(b) for b in bx]}
                for system, (base, _) in servers.items():
                    # pygeoapi 0.21 refuses filter-lang=cql2-text but reads CQL2 text without it
                    lang = "" if system == "pygeoapi" else "&filter-lang=cql2-text"
                    extra = f"&filter={httpx.QueryParams({'f': cql})['f']}{lang}" if cql else ""
                    extra = extra.replace(" ", "%20")
                    fmt = "&f=json" if system == "pygeoapi" else ""
                    urls = [f"{base}/collections/{names['parcels'][system]}/items?limit=1000&bbox="
                            f"{','.join(map(str, b))}{extra}{fmt}" for b in bx]
                    passes[system] = [lambda u=u: http.get(u) for u in urls]
                print(f"{label}, {clients} client(s): {', '.join(passes)}", file=sys.stderr)
                if clients == 1:        # in turns, as the uncached tiles: a slow spell falls on every system alike
                    for system, calls in passes.items():
                        result[system] = run_safely(calls[:1], 1)         # one request first: a peer may fail it
                    result.update(measure_interleaved({s: c for s, c in passes.items() if result[s]}, args.turn))
                else:
                    for system, calls in passes.items():
                        result[system] = run_safely(calls, clients)
                rows.append((label, clients, result))
        selected_none: set[tuple[str, int, int, int]] = set()     # tiles requested before whose envelope had no row
        for z in [] if args.only == "items" else zooms:
            cid = "land_use" if z < 13 else "parcels"
            block = 4 if z < 14 else 8          # z14–z16: 192 tiles, a pass of 0.3–3 s, not 0.1 s
            tiles = tiles_for(z, block)
            sql = tile_sql([collections[cid]], "public", z)
            assert sql is not None
            # binary results, as Flächenpool reads tiles (async_reads): the MVT bytes without hex encoding
            raw_calls = [lambda t=t, s=sql: raw.run(s, tile_params(*t), generic_plans=True, binary=True) for t in tiles]
            # tiles Flächenpool answers as empty from a cached ancestor that selected no row (TileCache)
            top = collections[cid].min_zoom
            inferred = sum(any((cid, z - up, x >> up, y >> up) in selected_none for up in range(1, z - top + 1))
                           for z, x, y in tiles)
            for t, call in zip(tiles, raw_calls, strict=True):                   # also warms the buffers
                if call()[1] == 0:  # type: ignore[index]
                    selected_none.add((cid, *t))
            passes = {"raw SQL": raw_calls}
            for system, (base, _) in servers.items():
                name = names[cid][system]
                urls = [tile_url(system, base, name, *t) for t in tiles]
                # every statement is prepared before the pass: the raw SQL's by the pass above; each
                # server's by one tile east of the measured block (no measured tile is cached before)
                centre = TMS.tile(*TOWNS["Jena"], z)
                try:
                    http.get(tile_url(system, base, name, z, centre.x + block, centre.y))
                except FAILURES as exc:
                    print(f"  {system} failed: {str(exc)[:160]}", file=sys.stderr)
                    continue
                passes[system] = [lambda u=u: http.get(u) for u in urls]
            print(f"tiles z{z}: uncached, interleaved: {', '.join(passes)}", file=sys.stderr)
            uncached = measure_interleaved(passes, args.turn)
            cached: dict[str, tuple[float, float] | None] = {"raw SQL": None}
            for system in servers:
                calls = passes.get(system)
                # a pass over cached tiles lasts 10–50 ms: Flächenpool's is repeated ten times, so that one
                # pause of the machine does not decide the rate (the peers keep no tiles: one pass)
                cached[system] = None if calls is None else \
                    run_safely(calls * REPEATS, 1) if system == "Flächenpool" else run_safely(calls, 1)
            empty = f"; {inferred} empty under an empty cached parent" if inferred else ""
            rows.append((f"tiles z{z} {cid} ({len(tiles)} tiles{empty}), uncached", 1, uncached))
            rows.append((f"tiles z{z} {cid}, repeated (Flächenpool from its cache, {REPEATS} passes)", 1, cached))
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
    print_table(rows, args.parcels, list(servers))


def print_table(rows: list[tuple[str, int, dict[str, tuple[float, float] | None]]], parcels: int,
                systems: list[str]) -> None:
    def cell(value: tuple[float, float] | None) -> str:
        return "–" if value is None else f"{value[0]:,.1f} ({value[1]:,.0f} ms)"

    def ratio(a: tuple[float, float] | None, b: tuple[float, float] | None) -> str:
        return "–" if a is None or b is None else f"{a[0] / b[0]:.2f}"

    columns = ["raw SQL", *systems]
    print(f"\n## OGC API benchmark: {parcels:,} synthetic + demo parcels, one worker each, "
          f"{os.cpu_count()} cores shared by clients, servers and database\n")
    print("req/s (p95)\n")
    print("| workload | clients | " + " | ".join(columns) + " | FP ÷ SQL | FP ÷ TiPg |")
    print("|---|---|" + "---|" * len(columns) + "---|---|")
    for label, clients, result in rows:
        fp = result.get("Flächenpool")
        print(f"| {label} | {clients} | " + " | ".join(cell(result.get(c)) for c in columns) +
              f" | {ratio(fp, result.get('raw SQL'))} | {ratio(fp, result.get('TiPg'))} |")
    print("\nEach figure is one pass over the workload's requests; p95 over that pass.")


if __name__ == "__main__":
    main()
