"""Benchmark of the land office's daily work at state scale: parcel import and candidate search.

    .venv/bin/python bench/bench_landoffice.py [--parcels 1000000] [--queries 200]

1. Builds a GeoPackage of N parcels by replicating the 10 real Erfurt ALKIS parcels on a grid
   (unique Flurstückskennzeichen), in a scratch folder.
2. Imports it with ``ogr2ogr -f PostgreSQL`` (COPY) into a plain table (the peer) and with
   ``flaechenpool import parcels`` into the land-pool schema (history, checks, indexes); time and
   peak memory of each process.
3. Candidate search: the same filtered page (municipality, area range, station distance, a 1 km² bbox)
   through the HTTP API in-process, through the service function, and as raw SQL on psycopg;
   p50/p95 over random boxes.

It uses a database ``flaechenpool_bench`` on the embedded cluster (or on DATABASE_URL's server) and
prints a table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
           "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode); "
           "sys.stderr.write(r.stderr[-2000:])")


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


def measure(*command: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, env=env)
    seconds, kib, code = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{command[0]} failed: {out.stderr}")
    return float(seconds), int(kib) / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    settings = Settings()
    server = resolve_database_url(settings)
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
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        path = Path(tmp) / "parcels.gpkg"
        t = time.perf_counter()
        build_file(args.parcels, path)
        print(f"built {args.parcels:,} parcels in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        u = make_url(url)
        pg = (f"PG:host={u.query['host']} port={u.query['port']} dbname={u.database} user={u.username}"
              if "host" in u.query else f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username} "
              f"password={u.password or ''}")
        env = dict(os.environ, DATABASE_URL=url, PG_USE_COPY="YES")
        env = {k: v for k, v in env.items() if k not in ("GDAL_DATA", "PROJ_LIB", "PROJ_DATA")}
        ogr_s, ogr_mb = measure("/usr/bin/ogr2ogr", "-f", "PostgreSQL", pg, str(path), "-nln", "bench_ogr2ogr",
                                "-lco", "GEOMETRY_NAME=geom", "--config", "PG_USE_COPY", "YES", env=env)
        fp_s, fp_mb = measure(str(ROOT / ".venv" / "bin" / "flaechenpool"), "import", "parcels", str(path),
                              "--municipality", ERFURT, env=env)
        re_s, re_mb = measure(str(ROOT / ".venv" / "bin" / "flaechenpool"), "import", "parcels", str(path),
                              "--municipality", ERFURT, env=env)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM core.parcels WHERE valid_to IS NULL")).scalar()
        conn.execute(text("ANALYZE"))
        conn.commit()
    assert count == args.parcels, count
    latency = search(url, engine, args.queries)
    n = args.parcels
    print(f"\n## Land office benchmark: {n:,} parcels (2 cores, shared by client and database)\n")
    print("| workload | time | parcels/s | peak memory | vs ogr2ogr |")
    print("|---|---|---|---|---|")
    print(f"| ogr2ogr -f PostgreSQL (COPY, plain table) | {ogr_s:.1f} s | {n / ogr_s:,.0f} | {ogr_mb:,.0f} MB | 1.00 |")
    print(f"| flaechenpool import parcels (first) | {fp_s:.1f} s | {n / fp_s:,.0f} | {fp_mb:,.0f} MB | "
          f"{ogr_s / fp_s:.2f} |")
    print(f"| flaechenpool import parcels (re-import, unchanged) | {re_s:.1f} s | {n / re_s:,.0f} | {re_mb:,.0f} MB | "
          f"{ogr_s / re_s:.2f} |")
    print("\n| candidate search (page of ≤100, 1 km² bbox + filters) | p50 | p95 | p95 vs raw SQL |")
    print("|---|---|---|---|")
    raw95 = latency["raw SQL (psycopg)"][1]
    for name, (p50, p95) in latency.items():
        print(f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {p95 / raw95:.2f} |")


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
        add_user(conn, "bench", role="planner")
        token = create_token(conn, "bench")

    def query(b: tuple[float, ...]) -> parcels.ParcelQuery:
        q = parcels.ParcelQuery(municipality=ERFURT, min_area=500, max_area=20_000, station_within_m=30_000,
                                bbox=BBox(*b, srid=25832), limit=100)
        q.validate(10_000)
        return q

    results: dict[str, list[float]] = {"HTTP API (uvicorn, 1 worker)": [], "service function": [],
                                       "raw SQL (psycopg)": []}
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
    with engine.connect() as conn, psycopg.connect(psycopg_url) as raw:  # type: ignore[attr-defined]
        def http(b: tuple[float, ...]) -> None:
            client.get("/api/parcels", headers={"Authorization": f"Bearer {token}"}, params={
                "municipality": ERFURT, "min_area": 500, "max_area": 20_000, "station_within_m": 30_000,
                "bbox": ",".join(map(str, b)), "bbox_crs": "EPSG:25832"}).raise_for_status()

        def service(b: tuple[float, ...]) -> None:
            parcels.find_geojson(conn, query(b))
            conn.rollback()

        def raw_sql(b: tuple[float, ...]) -> None:
            with raw.cursor() as cur:
                for sql, bound in parcels.raw_statements(query(b)):
                    cur.execute(sql, bound)
                    cur.fetchall()
            raw.rollback()

        runners = dict(zip(results, (http, service, raw_sql), strict=True))
        for b in boxes:  # warm-up: every box once, so all three meet the same cache
            raw_sql(b)
        for name, run in runners.items():
            for b in boxes:
                t = time.perf_counter()
                run(b)
                results[name].append(time.perf_counter() - t)
    client.close()
    server.terminate()
    server.wait(timeout=30)
    return {k: percentiles(v) for k, v in results.items()}


if __name__ == "__main__":
    main()
