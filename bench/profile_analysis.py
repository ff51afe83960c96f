"""Profile of one potential-analysis run on the bench cluster: wall and CPU time per statement.

    .venv/bin/python bench/profile_analysis.py [--copies 18] [--explain 03_parcels,05_infill] [--candidates FILE]

Runs ``flaechenpool.analysis.runs.start_run`` as bench/bench_analysis.py does (same cluster and data,
profile default, the demo and ``copies - 1`` copies of it), rolled back afterwards, and prints every
statement of every step with its wall time and the CPU seconds of the server (backend and parallel
workers). ``--explain`` runs the statements of those steps under EXPLAIN (ANALYZE, BUFFERS) and prints
their plans at the end. ``--candidates`` writes the stored candidates (fingerprint, kind, score, rank,
criteria, detection, district, known sites, MD5 of the geometry), one a line in fingerprint order, so
the candidate sets of two versions of the SQL can be compared with ``cmp``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analysis_data import cluster_url, municipalities_of  # noqa: E402
from bench_analysis import cpu_seconds  # noqa: E402

from flaechenpool.analysis import runs  # noqa: E402
from flaechenpool.auth import Principal  # noqa: E402
from flaechenpool.db import create_engine_for  # noqa: E402
from flaechenpool.settings import Settings  # noqa: E402

EXPLAINABLE = ("CREATE UNLOGGED TABLE", "INSERT", "UPDATE")


def profiled(explain: set[str], plans: list[str]) -> Any:
    """A replacement for runs._execute that times (and explains) every statement."""
    def execute(conn: Connection, params: dict[str, Any]) -> dict[str, float]:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        timings = {}
        for step in runs.STEPS:
            step_started = time.perf_counter()
            for i, sql in enumerate(runs.statements(step)):
                started, cpu = time.perf_counter(), cpu_seconds(pid)
                if step in explain and sql.startswith(EXPLAINABLE):
                    plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params).scalars().all()
                    plans.append(f"===== {step}.{i}\n" + "\n".join(plan))
                else:
                    conn.execute(text(sql), params)
                print(f"{step}.{i:<3} {time.perf_counter() - started:8.3f} s {cpu_seconds(pid) - cpu:7.2f} s CPU  "
                      f"{' '.join(sql.split()[:4])}", flush=True)
            timings[step] = round((time.perf_counter() - step_started) * 1000, 1)
        return timings
    return execute


def write_candidates(conn: Connection, run_id: int, path: str) -> None:
    rows = conn.execute(text(
        "SELECT fingerprint, kind, score, rank, criteria::text, detection::text, district_id, known_site_ids, "
        "ST_AsEWKB(geom) FROM analysis.candidates WHERE run_id = :r ORDER BY fingerprint"), {"r": run_id}).all()
    with open(path, "w") as out:
        for row in rows:
            *values, geom = row
            out.write("|".join([*map(str, values), hashlib.md5(bytes(geom)).hexdigest()]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=18, help="copies of the demo (1 = the demo itself)")
    parser.add_argument("--explain", default="", help="steps to run under EXPLAIN (ANALYZE, BUFFERS), comma-separated")
    parser.add_argument("--candidates", help="write the candidates to this file")
    parser.add_argument("--port", type=int, default=54395)
    args = parser.parse_args()
    plans: list[str] = []
    runs._execute = profiled(set(filter(None, args.explain.split(","))), plans)
    engine = create_engine_for(cluster_url(args.port), Settings())
    with engine.connect() as conn:
        municipalities = municipalities_of(conn, args.copies)
        conn.rollback()
        started = time.perf_counter()
        with conn.begin() as tx:
            run = runs.start_run(conn, Principal("bench", "admin"), runs.RunRequest(municipalities=municipalities),
                                 timeout_ms=0)
            print(f"run {time.perf_counter() - started:.1f} s, {run['parcels_analysed']:,} parcels, "
                  f"{run['counts']['candidates']:,} candidates")
            if args.candidates:
                write_candidates(conn, run["id"], args.candidates)
            tx.rollback()
    engine.dispose()
    print("\n\n".join(plans))


if __name__ == "__main__":
    main()
