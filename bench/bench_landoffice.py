"""Benchmark of the land office's daily work at state scale: parcel import and candidate search.

    .venv/bin/python bench/bench_landoffice.py [--parcels 1000000] [--small 250000] [--queries 200]

1. Builds GeoPackages of N parcels (``--small`` and ``--parcels``) by replicating the 10 real Erfurt
   ALKIS parcels on a grid (unique Flurstückskennzeichen), in a scratch folder.
2. Imports each with ``ogr2ogr -f PostgreSQL`` (COPY) into a plain table (the peer) and with
   ``flaechenpool import parcels`` into the land-pool schema (history, checks, indexes), into a fresh
   database per size; time and peak memory (resident, summed over the command and the processes it
   starts: the importer reads the file in a second process). The table each command wrote gets a
   VACUUM ANALYZE before the next one starts (untimed): autovacuum's pass over a million new rows would
   otherwise land in the next measurement. The first import's row says whether it took the initial-load
   way (the parcel table was empty: indexes built after the load).
3. Candidate search at the larger size: the same filtered page (municipality, area range, station
   distance, a 1 km² bbox) through the HTTP API (uvicorn, one worker), through the service function,
   and as raw SQL on psycopg; p50/p95 over random boxes.

It uses a database ``flaechenpool_bench`` on the embedded cluster (or on DATABASE_URL's server) and
prints a table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flaechenpool import migrations, parcels  # noqa: E402
from flaechenpool.db import create_engine_for, resolve_database_url  # noqa: E402
from flaechenpool.settings import Settings  # noqa: E402
from flaechenpool.spatial import BBox  # noqa: E402
from tests.databases import recreate_database  # noqa: E402

ERFURT = "16051000"
_SAMPLE_S = 0.05


def build_file(n: int, path: Path) -> None:
    real = gpd.read_file(ROOT / "data" / "parcels" / "erfurt_melchendorf_alkis.gpkg")
    minx, miny, maxx, maxy = real.total_bounds
    step_x, step_y = maxx - minx + 20, maxy - miny + 20
    copies = -(-n // len(real))
    side = int(np.ceil(np.sqrt(copies)))
    geoms, keys, areas = [], [], []
    base = shapely.from_wkb(shapely.to_wkb(real.geometry.values))
    for c in range(copies):
        dx, dy = (c % side) * step_x - (minx - 560_000), (c // side) * step_y - (miny - 5_560_000)
        geoms.append(shapely.transform(base, lambda xy, dx=dx, dy=dy: xy + [dx, dy]))
        for i in range(len(real)):
            number = c * len(real) + i
            keys.append(f"160115{number // 99999 + 1:03d}{number % 99999 + 1:05d}______")
        areas.append(real["amtliche_flaeche_m2"].to_numpy())
    frame = gpd.GeoDataFrame({"flstkennz": keys[:n], "flaeche": np.concatenate(areas)[:n],
                              "tntxt": ["Wohnbaufläche; 600"] * n},
                             geometry=np.concatenate(geoms)[:n], crs=25832)
    frame.to_file(path, driver="GPKG", layer="flurstuecke", engine="pyogrio")


def _tree_rss_kib(root: int) -> int:
    """Resident memory of ``root`` and every process below it (from /proc), KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as f:
                rss[int(entry)] = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def _postmaster_cpu(pid: int | None) -> float | None:
    """CPU seconds of the server's ended backends (the postmaster's reaped children)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _postmaster_pid(engine: Any) -> int | None:
    """The database server's main process, when it runs on this machine (else None)."""
    try:
        with engine.connect() as conn:
            folder = conn.execute(text("SELECT current_setting('data_directory')")).scalar()
        with open(Path(folder) / "postmaster.pid") as f:
            return int(f.readline())
    except Exception:  # noqa: BLE001 - another machine, or no right to read the folder
        return None


def measure(*command: str, env: dict[str, str], server: int | None = None,
            output: list[str] | None = None) -> tuple[float, float, float | None]:
    """Wall time, peak resident memory (MB, summed over the process tree) of ``command`` and the CPU
    seconds it and the database backends it used spent (None when the server's are not visible); its
    standard output is appended to ``output`` when given."""
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = _postmaster_cpu(server)
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as printed:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=printed, stderr=errors)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(_SAMPLE_S)
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{command[0]} failed: {errors.read().decode(errors='replace')[-2000:]}")
        if output is not None:
            printed.seek(0)
            output.append(printed.read().decode(errors="replace"))
    time.sleep(0.5)  # the backends end and are reaped
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    server_after = _postmaster_cpu(server)
    cpu = None if server_before is None or server_after is None else client + server_after - server_before
    return seconds, peak / 1024, cpu


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=None, help="a second, smaller size (default: a quarter; 0: none)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--search-only", action="store_true",
                        help="only the candidate search, on the parcels a former run left in flaechenpool_bench")
    args = parser.parse_args()
    small = args.parcels // 4 if args.small is None else args.small
    sizes = [n for n in (small, args.parcels) if n > 0]
    settings = Settings()
    server = resolve_database_url(settings)
    if args.search_only:
        url = make_url(server).set(database="flaechenpool_bench").render_as_string(hide_password=False)
        engine = create_engine_for(url, settings)
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM core.parcels WHERE valid_to IS NULL")).scalar_one()
        _print_search(search(url, engine, args.queries), n)
        return
    rows: list[tuple[int, str, tuple[float, float, float | None], tuple[float, float, float | None]]] = []
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        for n in sizes:
            url, engine = _fresh_database(server, settings)
            path = Path(tmp) / f"parcels-{n}.gpkg"
            t = time.perf_counter()
            build_file(n, path)
            print(f"built {n:,} parcels in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            u = make_url(url)
            pg = (f"PG:host={u.query['host']} port={u.query['port']} dbname={u.database} user={u.username}"
                  if "host" in u.query else f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username} "
                  f"password={u.password or ''}")
            env = dict(os.environ, DATABASE_URL=url, PG_USE_COPY="YES")
            env = {k: v for k, v in env.items() if k not in ("GDAL_DATA", "PROJ_LIB", "PROJ_DATA")}
            importer = (str(ROOT / ".venv" / "bin" / "flaechenpool"), "import", "parcels", str(path),
                        "--municipality", ERFURT)
            postmaster = _postmaster_pid(engine)
            ogr = measure("/usr/bin/ogr2ogr", "-f", "PostgreSQL", pg, str(path), "-nln", "bench_ogr2ogr",
                          "-lco", "GEOMETRY_NAME=geom", "--config", "PG_USE_COPY", "YES", env=env, server=postmaster)
            # autovacuum would scan the million new rows while the next command runs: done here, untimed
            _vacuum(engine, "public.bench_ogr2ogr")
            printed: list[str] = []
            first = measure(*importer, env=env, server=postmaster, output=printed)
            initial = "initial load" in printed[0]
            _vacuum(engine, "core.parcels")
            again = measure(*importer, env=env, server=postmaster)
            _vacuum(engine, "core.parcels")
            first_name = ("flaechenpool import parcels (first; initial load: indexes built after it)" if initial
                          else "flaechenpool import parcels (first; indexes online)")
            for name, result in (("ogr2ogr -f PostgreSQL (COPY, plain table)", ogr),
                                 (first_name, first),
                                 ("flaechenpool import parcels (re-import, unchanged)", again)):
                rows.append((n, name, result, ogr))
            with engine.connect() as conn:
                count = conn.execute(text("SELECT count(*) FROM core.parcels WHERE valid_to IS NULL")).scalar()
                conn.execute(text("ANALYZE"))
                conn.commit()
            assert count == n, count
            path.unlink()
            if n != sizes[-1]:
                engine.dispose()
    latency = search(url, engine, args.queries)
    print(f"\n## Land office benchmark: {' and '.join(f'{n:,}' for n in sizes)} parcels "
          "(2 cores, shared by client and database)\n")
    print("| parcels | workload | time | parcels/s | peak memory | vs ogr2ogr | CPU (client + server) | "
          "CPU vs ogr2ogr |")
    print("|---|---|---|---|---|---|---|---|")
    for n, name, (seconds, mb, cpu), (peer, _, peer_cpu) in rows:
        cpu_text = f"{cpu:.1f} s" if cpu is not None else "–"
        cpu_ratio = f"{peer_cpu / cpu:.2f}" if cpu and peer_cpu else "–"
        print(f"| {n:,} | {name} | {seconds:.1f} s | {n / seconds:,.0f} | {mb:,.0f} MB | {peer / seconds:.2f} | "
              f"{cpu_text} | {cpu_ratio} |")
    print("\n(time ratios depend on what else the machine runs; the CPU columns count the importing processes "
          "and their database backends only)")
    _print_search(latency, sizes[-1])


def _print_search(latency: dict[str, tuple[float, float]], n: int) -> None:
    print(f"\n| candidate search at {n:,} parcels (page of ≤100, 1 km² bbox + filters) | p50 | p95 | "
          "p95 vs raw SQL |")
    print("|---|---|---|---|")
    raw95 = latency["raw SQL (psycopg)"][1]
    for name, (p50, p95) in latency.items():
        print(f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {p95 / raw95:.2f} |")


def _vacuum(engine: Any, table: str) -> None:
    """VACUUM ANALYZE of a table just written (a whitelisted name), outside the timed commands."""
    assert table in ("public.bench_ogr2ogr", "core.parcels")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


def _fresh_database(server: str, settings: Settings) -> tuple[str, object]:
    """The database ``flaechenpool_bench``, new, with the schema, municipalities and stations."""
    url = recreate_database(make_url(server).set(database="postgres").render_as_string(hide_password=False),
                            "flaechenpool_bench")
    engine = create_engine_for(url, settings)
    migrations.upgrade(engine)
    from flaechenpool.demo import reference

    with engine.begin() as conn:
        reference.load_municipalities(conn, ROOT / "data")
        reference.load_stations(conn, ROOT / "data")
        # the synthetic grid lies beyond Erfurt's boundary: let Erfurt's polygon cover the grid
        conn.execute(text("UPDATE core.municipalities SET geom = ST_Multi(ST_MakeEnvelope(550000, 5550000, 780000, "
                          "5720000, 25832)) WHERE ags = :a"), {"a": ERFURT})
    return url, engine


class _KeepAlive:
    """A lean HTTP/1.1 keep-alive client (the standard library's): what the row "HTTP API" measures is
    the service, not the Python client (httpx costs about 1 to 3 ms a request here; its own row)."""

    def __init__(self, port: int) -> None:
        import http.client

        self.port, self.http = port, http.client
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, target: str, headers: dict[str, str]) -> bytes:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", target, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                break
            except (self.http.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # the server closed an idle keep-alive connection: reconnect once
                if attempt == 2:
                    raise
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status}: {body[:500]!r}")
        return body

    def close(self) -> None:
        self.conn.close()


def search(url: str, engine: object, queries: int) -> dict[str, tuple[float, float]]:
    import socket

    import httpx
    import psycopg

    from flaechenpool.auth import add_user, create_token
    from flaechenpool.db import acting

    rng = np.random.default_rng(7)
    boxes = [(x, y, x + 1000, y + 1000) for x, y in zip(rng.uniform(560_000, 640_000, queries),
                                                          rng.uniform(5_560_000, 5_600_000, queries), strict=True)]
    with engine.connect() as conn, acting(conn, actor="bench", role="admin"):  # type: ignore[attr-defined]
        if conn.execute(text("SELECT 1 FROM auth.users WHERE username = 'bench'")).scalar() is None:
            add_user(conn, "bench", role="planner")
        token = create_token(conn, "bench", name=f"bench-{time.time_ns()}")

    def query(b: tuple[float, ...]) -> parcels.ParcelQuery:
        q = parcels.ParcelQuery(municipality=ERFURT, min_area=500, max_area=20_000, station_within_m=30_000,
                                bbox=BBox(*b, srid=25832), limit=100)
        q.validate(10_000)
        return q

    results: dict[str, list[float]] = {"HTTP API (uvicorn, 1 worker)": [], "service function": [],
                                       "raw SQL (psycopg)": [], "HTTP API, httpx as client (its cost included)": []}
    psycopg_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flaechenpool"), "serve", "--port", str(port), "--no-demo"],
                              env=dict(os.environ, DATABASE_URL=url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    for _ in range(100):
        try:
            if client.get("/health").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    lean = _KeepAlive(port)
    headers = {"Authorization": f"Bearer {token}"}

    def params(b: tuple[float, ...]) -> dict[str, Any]:
        return {"municipality": ERFURT, "min_area": 500, "max_area": 20_000, "station_within_m": 30_000,
                "bbox": ",".join(map(str, b)), "bbox_crs": "EPSG:25832"}

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, \
            psycopg.connect(psycopg_url) as raw:  # type: ignore[attr-defined]
        def http(b: tuple[float, ...]) -> bytes:
            return lean.get("/api/parcels?" + urlencode(params(b)), headers)

        def http_httpx(b: tuple[float, ...]) -> bytes:
            response = client.get("/api/parcels", headers=headers, params=params(b))
            response.raise_for_status()
            return response.content

        def service(b: tuple[float, ...]) -> bytes:  # what the route calls, on an autocommit connection as it
            return parcels.find_geojson_as(conn, query(b), srid=4326, actor="bench", role="planner")[0]

        def raw_sql(b: tuple[float, ...]) -> bytes:
            with raw.cursor() as cur:
                out = []
                for sql, bound in parcels.raw_statements(query(b)):
                    cur.execute(sql, bound)
                    out.append(cur.fetchall())
            raw.rollback()
            return str(out[0][0][0]).encode()

        runners = dict(zip(results, (http, service, raw_sql, http_httpx), strict=True))
        for b in boxes:  # warm-up: every box once, so all meet the same cache; and all give the same answer
            answers = {name: run(b) for name, run in runners.items()}
            assert len(set(answers.values())) == 1, f"the workloads differ for box {b}"
        for i, b in enumerate(boxes):  # interleaved, each first in turn: load changes hit all alike
            names = list(runners)
            for name in names[i % len(names):] + names[:i % len(names)]:
                t = time.perf_counter()
                runners[name](b)
                results[name].append(time.perf_counter() - t)
    lean.close()
    client.close()
    server.terminate()
    server.wait(timeout=30)
    return {k: percentiles(v) for k, v in results.items()}


if __name__ == "__main__":
    main()
