"""Benchmark of the public page in Debian's Chromium: time to the first map render and what the page loads.

    .venv/bin/python bench/bench_page.py [--url http://127.0.0.1:8000] [--runs 5]

Without ``--url`` it starts ``flaechenpool serve`` on a free port (embedded cluster with the demo data).
For each run a fresh browser context loads ``/`` with an empty cache ("cold"), then loads it again in
the same context ("warm": versioned assets come from the browser cache, tiles are revalidated).
Timings come from the page's performance marks: ``map-load`` (MapLibre ``load``), ``first-tile`` (the
first frame drawn after a vector tile arrived) and ``map-idle`` (MapLibre ``idle``), in ms after the
navigation started; bytes are what went over the wire (headers and body as sent, gzip where served
so), by resource type. Prints a Markdown table of the medians. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Request, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-gpu"]
TYPES = ("document", "script", "stylesheet", "style + API JSON", "vector tiles", "other")
MARKS = ("map-load", "first-tile", "map-idle")


def _kind(request: Request) -> str:
    if "/ogc/tiles/" in request.url:
        return "vector tiles"
    if request.resource_type in ("document", "script", "stylesheet"):
        return request.resource_type
    if request.resource_type in ("fetch", "xhr"):
        return "style + API JSON"
    return "other"


@contextmanager
def _server(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(ROOT / "artifacts" / "bench-page-server.log", "w") if (ROOT / "artifacts").is_dir() \
        else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flaechenpool"), "serve", "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"flaechenpool serve did not start (exit code {proc.poll()})")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _load(context: BrowserContext, url: str) -> dict[str, float]:
    """One page load: timings (ms) and per type request counts and bytes on the wire."""
    page = context.new_page()
    seen: list[Request] = []
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(url)
    page.wait_for_function("performance.getEntriesByName('map-idle').length > 0", timeout=60_000)
    page.wait_for_load_state("networkidle")
    result: dict[str, float] = {}
    for mark in MARKS:
        result[mark] = page.evaluate("m => performance.getEntriesByName(m)[0].startTime", mark)
    result["DOMContentLoaded"] = page.evaluate(
        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0])
    for request in seen:
        response = request.response()
        if response is None or response.from_service_worker:
            continue
        sizes = request.sizes()
        wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        if response.status == 304 or wire > 0:       # memory/disk cache hits cost no bytes and no round trip
            totals[_kind(request)][0] += 1
            totals[_kind(request)][1] += max(wire, 0)
    for kind in TYPES:
        result[f"{kind} requests"], result[f"{kind} bytes"] = totals[kind]
    page.close()
    return result


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    with _server(args.url) as base, sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
            cold.append(_load(context, base + "/"))
            warm.append(_load(context, base + "/"))
            context.close()
        browser.close()
    print(f"Public page {base}/ in Chromium (1280x800, software WebGL), median of {args.runs} runs\n")
    print("| measure | cold cache | warm cache |")
    print("|---|---:|---:|")
    for key in ("DOMContentLoaded", *MARKS):
        print(f"| {key} (ms) | {_median(cold, key):.0f} | {_median(warm, key):.0f} |")
    for kind in TYPES:
        print(f"| {kind}: requests / KiB | {_median(cold, kind + ' requests'):.0f} / "
              f"{_median(cold, kind + ' bytes') / 1024:.1f} | {_median(warm, kind + ' requests'):.0f} / "
              f"{_median(warm, kind + ' bytes') / 1024:.1f} |")
    total = [sum(r[f"{k} bytes"] for k in TYPES) for r in cold], [sum(r[f"{k} bytes"] for k in TYPES) for r in warm]
    count = [sum(r[f"{k} requests"] for k in TYPES) for r in cold], [sum(r[f"{k} requests"] for k in TYPES) for r in warm]
    print(f"| all: requests / KiB | {statistics.median(count[0]):.0f} / {statistics.median(total[0]) / 1024:.1f} | "
          f"{statistics.median(count[1]):.0f} / {statistics.median(total[1]) / 1024:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
