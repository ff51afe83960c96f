"""Benchmark of the redevelopment-potential analysis: a full run over all demo parcels and over a
synthetic state-scale set, against the same analysis in geopandas/shapely.

    .venv/bin/python bench/bench_analysis.py [--sizes 6,18,61] [--peer-up-to 61] [--port 54395]

1. Builds (once; kept) the bench's own cluster ``.flaechenpool/bench-analysis-pg`` with a database
   holding the demo and 60 translated copies of it (bench/analysis_data.py): about 1.01 million
   parcels, 0.85 million buildings. Never the test database.
2. For the demo and for the first 6, 18 and 61 copies (about 100 k, 300 k and 1 M parcels): one run
   of ``flaechenpool.analysis.runs.start_run`` (profile default, those municipalities), rolled back
   afterwards. Wall time; CPU time of the server (the backend and its parallel workers); peak
   private memory of all server processes of the cluster (sampled every 50 ms, less what they held
   before).
3. The peer, bench/analysis_peer.py, in a process of its own on the same municipalities: load time
   (the layers out of PostGIS into GeoDataFrames), compute time, peak memory (ru_maxrss); then both
   candidate lists are compared by fingerprint (kind + parcels or building) and score.

Prints a table (with what each column measures) and the time per parcel by size; not part of the
test suite. The machine may be shared: the CPU column shows what the run itself consumed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analysis_data import cluster_url, municipalities_of, prepare  # noqa: E402

from flaechenpool.analysis.runs import RunRequest, start_run  # noqa: E402
from flaechenpool.auth import Principal  # noqa: E402
from flaechenpool.db import create_engine_for  # noqa: E402
from flaechenpool.settings import Settings  # noqa: E402

DATA = ROOT / ".flaechenpool" / "bench-analysis-pg" / "data"


def server_processes() -> list[int]:
    postmaster = int((DATA / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def cpu_seconds(backend_pid: int) -> float:
    """CPU time of a backend plus that of all server processes that have ended (its parallel workers
    end with each statement and are counted in the postmaster's children's time)."""
    def times(pid: int) -> list[int]:
        return [int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:15]]
    postmaster = int((DATA / "postmaster.pid").read_text().split()[0])
    return (sum(times(postmaster)[2:]) + sum(times(backend_pid)[:2])) / os.sysconf("SC_CLK_TCK")


def private_kib() -> int:
    """Anonymous (private) memory of all processes of the bench cluster, KiB."""
    total = 0
    for pid in server_processes():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.base = private_kib()
        self.peak = self.base
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, private_kib())
            time.sleep(0.05)

    def mib(self) -> float:
        self.stop.set()
        self.join()
        return (self.peak - self.base) / 1024


def sql_run(engine: Any, municipalities: list[str]) -> dict[str, Any]:
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()   # the backend exists before the baseline
        conn.rollback()
        sampler = Sampler()
        sampler.start()
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        tx = conn.begin()
        run = start_run(conn, Principal("bench", "admin"), RunRequest(municipalities=municipalities), timeout_ms=0)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu
        peak = sampler.mib()
        scores = dict(conn.execute(text("SELECT fingerprint, score FROM analysis.candidates WHERE run_id = :r"),
                                   {"r": run["id"]}).all())
        tx.rollback()
    return {"seconds": seconds, "cpu": cpu, "peak_mib": peak, "parcels": run["parcels_analysed"],
            "kinds": run["counts"]["kinds"],
            "steps": run["counts"]["steps_ms"], "scores": scores}


def peer_run(url: str, municipalities: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".csv") as out:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "analysis_peer.py"), url, "--scores", out.name,
                               *municipalities], capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"peer failed: {done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        with open(out.name, newline="") as f:
            result["scores"] = {f"{row['kind']}:{hashlib.md5(row['identity'].encode()).hexdigest()}": float(row["score"])
                                for row in csv.DictReader(f)}
    result["seconds"] = seconds
    return result


def agreement(sql: dict[str, float], peer: dict[str, float]) -> str:
    common = sql.keys() & peer.keys()
    if not common:
        return "–"
    worst = max(abs(sql[k] - peer[k]) for k in common)
    return f"{len(common)}/{len(sql)} same, Δscore ≤ {worst:.2f}" + (
        f", {len(sql.keys() - peer.keys())}+{len(peer.keys() - sql.keys())} differ" if len(common) < len(sql) else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6,18,61", help="copies of the demo per size (1 = the demo itself)")
    parser.add_argument("--peer-up-to", type=int, default=61, help="run the peer up to this many copies")
    parser.add_argument("--port", type=int, default=54395)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = cluster_url(args.port)
    engine = create_engine_for(url, Settings())
    prepare(engine, max(sizes) - 1)
    rows = []
    for copies in [1, *sizes]:
        with engine.connect() as conn:
            municipalities = municipalities_of(conn, copies)
        label = "demo (all demo parcels)" if copies == 1 else f"{copies} copies of the demo"
        print(f"… {label}: SQL", file=sys.stderr, flush=True)
        sql = sql_run(engine, municipalities)
        peer = None
        if copies <= args.peer_up_to:
            print(f"… {label}: geopandas", file=sys.stderr, flush=True)
            peer = peer_run(url, municipalities)
        rows.append((label, sql, peer))
    engine.dispose()
    print_table(rows)


LEGEND = """
Columns: *SQL run s* — wall time of one analysis run in PostGIS (flaechenpool.analysis.runs.start_run): from
the stored tables to the detected, measured, scored and stored candidates (rows, indexes and foreign keys of
analysis.candidates included), one transaction, parallel workers on the server's cores. *SQL CPU s* — CPU
seconds the server spent on it (backend and workers together). *SQL peak MiB* — private memory of all
server processes above their level before the run. *geopandas load s* — reading the same layers from
PostGIS into GeoDataFrames (read_postgis): what a geopandas user pays before computing anything.
*compute s* — the same analysis in memory with geopandas/shapely (GEOS 3.14; STRtree joins, vectorised
predicates); it writes nothing back. *total s* — the peer's process wall time (interpreter start,
imports, load, compute). *peak MiB* — the peer's ru_maxrss. *÷ SQL* — peer total (or compute) divided by
SQL run. *same result* — candidates found by both (by fingerprint) and the largest score difference.
"""


def print_table(rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> None:
    print("\n| data | parcels | candidates | SQL run s | SQL CPU s | SQL peak MiB | geopandas load s | compute s | "
          "total s | peak MiB | geopandas total ÷ SQL | compute ÷ SQL | same result |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, sql, peer in rows:
        cells = [label, f"{sql['parcels']:,}", f"{sum(sql['kinds'].values()):,}", f"{sql['seconds']:.1f}",
                 f"{sql['cpu']:.1f}", f"{sql['peak_mib']:.0f}"]
        if peer:
            cells += [f"{peer['load_s']:.1f}", f"{peer['compute_s']:.1f}", f"{peer['seconds']:.1f}",
                      f"{peer['peak_mib']:.0f}", f"{peer['seconds'] / sql['seconds']:.2f}×",
                      f"{peer['compute_s'] / sql['seconds']:.2f}×", agreement(sql["scores"], peer["scores"])]
        else:
            cells += ["not run"] * 6 + ["–"]
        print("| " + " | ".join(cells) + " |")
    print(LEGEND)
    big = [(sql["parcels"], sql["seconds"], sql["cpu"]) for _, sql, _ in rows[1:]]
    if len(big) >= 2:
        print("Growth: " + "; ".join(f"{n:,} parcels {t / n * 1e6:.1f} µs ({c / n * 1e6:.1f} µs CPU) a parcel"
                                     for n, t, c in big))
        for (n0, t0, _), (n1, t1, _) in zip(big, big[1:], strict=False):
            print(f"  {n0:,} → {n1:,}: time × {t1 / t0:.2f} for n × {n1 / n0:.2f} "
                  f"(n log n × {n1 * math.log(n1) / (n0 * math.log(n0)):.2f}); exponent {math.log(t1 / t0) / math.log(n1 / n0):.2f}")
    slowest = rows[-1][1]["steps"]
    print("Steps of the largest run (ms): " + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(slowest.items())))


if __name__ == "__main__":
    main()
