"""Benchmark of the investors' side: the filtered site list and the PDF exposé.

    .venv/bin/python bench/bench_public.py [--sites 5000] [--queries 100]

1. Creates a database ``flaechenpool_bench_public`` (embedded cluster or DATABASE_URL's server) with
   the schema and the demo, then adds N published sites: copies of the demo's published sites moved
   by random offsets within Jena and Ilmenau (their municipality kept).
2. GET /api/public/sites with a typical filter (municipality, kind of use, area range, station within
   1.5 km, sorted by price, page of 100) through the HTTP API in-process, through the service function
   and as the same SQL on a bare psycopg connection; p50/p95.
3. The PDF exposé (map from PostGIS, WeasyPrint) through the HTTP API.

Prints a table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flaechenpool import migrations, public_sites  # noqa: E402
from flaechenpool.api.app import create_app  # noqa: E402
from flaechenpool.db import create_engine_for, load_sql, resolve_database_url, set_context  # noqa: E402
from flaechenpool.demo import load_demo  # noqa: E402
from flaechenpool.settings import Settings  # noqa: E402
from tests.databases import recreate_database  # noqa: E402

PARAMS = {"municipality": "16053000,16070029", "use": "commercial,office", "area_min": 2000, "area_max": 40000,
          "station_max_m": 1500, "sort": "price", "limit": 100}


def timed(func, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    func()
    result = []
    for _ in range(n):
        t = time.perf_counter()
        func()
        result.append((time.perf_counter() - t) * 1000)
    return result


def row(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    return f"| {name} | {statistics.median(ms):.1f} | {ms[int(len(ms) * 0.95) - 1]:.1f} | {1000 / statistics.mean(ms):.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    settings = Settings(load_demo=False)
    server = make_url(resolve_database_url(settings)).set(database="postgres").render_as_string(hide_password=False)
    url = recreate_database(server, "flaechenpool_bench_public")
    engine = create_engine_for(url, settings)
    migrations.upgrade(engine)
    rng = np.random.default_rng(7)
    with engine.connect() as conn:
        load_demo(conn, ROOT / "data")
        conn.execute(text("SELECT set_config('flaechenpool.bulk', 'on', false)"))
        conn.execute(text(
            "INSERT INTO core.sites (municipality_ags, name, kind, status, planning_law, land_use_type, intended_uses, "
            "availability, asking_price_eur_m2, published, publication_basis, geom, provenance, source) "
            "SELECT s.municipality_ags, s.name || ' (Kopie ' || g.i || ')', s.kind, s.status, s.planning_law, "
            "s.land_use_type, s.intended_uses, s.availability, s.asking_price_eur_m2 * (0.5 + g.f), true, "
            "s.publication_basis, ST_Translate(s.geom, g.dx, g.dy), 'illustrative', 'bench' "
            "FROM core.sites s, (SELECT i, random() AS f, (random() - 0.5) * 6000 AS dx, (random() - 0.5) * 6000 AS dy "
            "FROM generate_series(1, :n) i) g WHERE s.published AND s.id = (SELECT id FROM core.sites WHERE published "
            "ORDER BY id OFFSET (g.i % 12) LIMIT 1)"), {"n": args.sites})
        conn.execute(text("ANALYZE core.sites"))
        conn.commit()
        total = conn.execute(text("SELECT count(*) FROM core.public_sites")).scalar_one()
    del rng

    query = public_sites.SiteFilter(municipalities=["16053000", "16070029"], uses=["commercial", "office"],
                                    area_min=2000, area_max=40000, station_max_m=1500, sort=["price"], limit=100)
    where, params = query.where()
    sql = (load_sql("public/sites").replace("/*filters*/", where).replace("/*order*/", query.order())
           .replace("/*feature*/", public_sites._feature_sql()))
    params.update(srid=4326, d=7, limit=100, offset=0)
    app = create_app(settings, database_url=url)
    with TestClient(app) as client, engine.connect() as conn:
        matched = client.get("/api/public/sites", params=PARAMS).json()["number_matched"]
        http = timed(lambda: client.get("/api/public/sites", params=PARAMS).content, args.queries)

        def service() -> None:
            with conn.begin():
                set_context(conn, actor="bench", role="public")
                public_sites.site_collection(conn, query)

        svc = timed(service, args.queries)
        pg_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        raw_sql = re.sub(r"(?<![:\w]):([a-z_]\w*)", r"%(\1)s", sql)   # :name → psycopg's %(name)s
        with psycopg.connect(pg_url) as raw:
            raw_ms = timed(lambda: raw.execute(raw_sql, params).fetchone(), args.queries)
        site_id = conn.execute(text("SELECT id FROM core.public_sites ORDER BY id LIMIT 1")).scalar_one()
        pdf = timed(lambda: client.get(f"/flaechen/{site_id}/expose.pdf").content, 10)
    engine.dispose()
    print(f"\n{total} published sites; the filter matches {matched}; page of 100; {args.queries} runs each\n")
    print("| what | p50 ms | p95 ms | per s |\n|---|---|---|---|")
    print(row("GET /api/public/sites (HTTP, in-process)", http))
    print(row("public_sites.site_collection (service)", svc))
    print(row("same SQL on psycopg (raw)", raw_ms))
    print(row("GET /flaechen/{id}/expose.pdf (10 runs)", pdf))


if __name__ == "__main__":
    main()
