"""Server CPU per /ogc request, and where it goes: one Flächenpool worker on the bench_ogc database.

    .venv/bin/python bench/profile_ogc.py [--parcels 250000] [--requests 300] [--only cql,bbox,z16]
        [--py-spy DIR]

Uses the database of ``bench/bench_ogc.py`` (run that first with the same ``--parcels``), starts one
``flaechenpool serve`` worker and sends, one client after the other, each workload's requests:
``cql`` items pages of 1,000 with the bench's CQL2 filter, ``bbox`` items pages of 1,000, ``z16``
uncached z16 parcel tiles (each tile once, a block around Jena), ``z16cached`` the same tiles cached. Prints the server process's CPU
milliseconds per request (the threads' run time from /proc/PID/task/*/schedstat) next to the wall time, and the same for the
database backends: the median of ``--rounds`` rounds (each with requests of its own: no tile and no
count is cached from an earlier round). With ``--py-spy DIR`` each workload is recorded by py-spy (``--gil``, raw
collapsed stacks: DIR/WORKLOAD.txt). ``--compare DIR`` serves a second version next to this one and
alternates between them round by round: on a shared machine only such paired numbers compare.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ogc import CQL, TMS, TOWNS, boxes, free_port, prepare_database, start_flaechenpool, wait_ready  # noqa: E402


def cpu_ms(pid: int) -> float:
    """CPU time of the process's live threads so far (scheduler statistics, nanoseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except FileNotFoundError:       # the thread ended meanwhile
            pass
    return total / 1e6


def backends_cpu_ms(url: str) -> float:
    """CPU of all client backends of the bench database (the server's connections: its pool and its AsyncReader's)."""
    u = make_url(url)
    with psycopg.connect(host=u.query["host"], port=u.query["port"], user=u.username, dbname=u.database,
                         autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND application_name IN ('flaechenpool', 'flaechenpool-reads')")]
    total = 0.0
    for pid in pids:
        try:
            total += cpu_ms(pid)
        except FileNotFoundError:
            pass
    return total


def urls(base: str, workload: str, n: int, parcels: int) -> list[str]:
    if workload in ("cql", "bbox"):
        extra = ""
        if workload == "cql":
            extra = "&filter=" + httpx.QueryParams({"f": CQL})["f"].replace("+", "%20") + "&filter-lang=cql2-text"
        return [f"{base}/collections/parcels/items?limit=1000&bbox={','.join(map(str, b))}{extra}"
                for b in boxes(n, parcels, seed=11)]
    z = int(workload[1:].removesuffix("cached"))
    lon, lat = TOWNS["Jena"]
    t = TMS.tile(lon, lat, z)
    side = int(n ** 0.5) + 1
    tiles = [(t.x + i - side // 2, t.y + j - side // 2) for i in range(side) for j in range(side)][:n]
    return [f"{base}/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}" for x, y in tiles]


def start_server(url: str, code: Path | None) -> tuple[str, subprocess.Popen[bytes]]:
    """One ``flaechenpool serve`` worker; with ``code`` (a folder holding another version's
    ``flaechenpool`` package and its migrations, e.g. ``git archive main flaechenpool db alembic.ini | tar -x -C
    DIR``) that version."""
    if code is None:
        return start_flaechenpool(url)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, FLAECHENPOOL_LOAD_DEMO="false", PYTHONPATH=str(code))
    process = subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "flaechenpool.cli", "serve", "--port", str(port),
                                "--no-demo"], env=env, cwd=code,   # python -m puts the working folder first on sys.path
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/ogc", process)
    return f"http://127.0.0.1:{port}/ogc", process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, default=250_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per workload (the median is shown)")
    parser.add_argument("--only", default="cql,bbox,z16")
    parser.add_argument("--py-spy", type=Path, help="record each workload with py-spy into this folder")
    parser.add_argument("--compare", type=Path, help="also serve the flaechenpool package in this folder; the two "
                        "servers take turns round by round (same requests), so both see the same load")
    args = parser.parse_args()
    url = prepare_database(args.parcels, reuse=True)
    servers = {"this": start_server(url, None)}
    try:
        if args.compare:
            servers["compared"] = start_server(url, args.compare)
        client = httpx.Client(timeout=60)
        print("| workload | server | rounds × requests | wall ms/req | server CPU ms/req | database CPU ms/req |")
        print("|---|---|---|---|---|---|")
        for workload in args.only.split(","):
            paths = [u.removeprefix("BASE") for u in urls("BASE", workload, args.requests * args.rounds + 5,
                                                                args.parcels)]
            for base, _ in servers.values():
                # warm-up (buffers, first use); "z16cached": every tile once, so the rounds find them cached
                for u in paths if workload.endswith("cached") else paths[:5]:
                    client.get(base + u).raise_for_status()
            paths = paths[5:]
            spy = None
            if args.py_spy:
                args.py_spy.mkdir(parents=True, exist_ok=True)
                spy = subprocess.Popen([str(ROOT / ".venv/bin/py-spy"), "record", "-p", str(servers["this"][1].pid),
                                        "--gil", "-f", "raw", "-r", "400", "-o", str(args.py_spy / f"{workload}.txt")],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)
            rounds: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
            for r in range(args.rounds):
                part = paths[r * args.requests:(r + 1) * args.requests]
                order = list(servers.items())
                for name, (base, process) in order if r % 2 == 0 else order[::-1]:
                    cpu, db, start = cpu_ms(process.pid), backends_cpu_ms(url), time.perf_counter()
                    for u in part:
                        client.get(base + u).raise_for_status()
                    wall = time.perf_counter() - start
                    n = len(part)
                    rounds[name].append((wall * 1000 / n, (cpu_ms(process.pid) - cpu) / n,
                                         (backends_cpu_ms(url) - db) / n))
            if spy is not None:
                spy.send_signal(2)
                spy.wait(timeout=60)
            for name, measured in rounds.items():
                wall, cpu, db = (statistics.median(r[i] for r in measured) for i in range(3))
                print(f"| {workload} | {name} | {args.rounds} × {args.requests} | {wall:.2f} | {cpu:.2f} | {db:.2f} |",
                      flush=True)
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
