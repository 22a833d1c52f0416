"""Throughput of `exilegraph serve`: N concurrent keep-alive clients, each sending M simple look-ups.

    .venv/bin/python scripts/bench_serve.py [--release output/exilegraph] [--clients 20] [--queries 50]

Starts a real `exilegraph serve` on a free loopback port (or uses --url), then prints queries/s and
the 50th and 99th percentile latencies. Every reply must be 200; failures are counted and printed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

CASE_IDS = ["akhmetova-zhanara", "huseynov-fikrat", "okhunzhonov-narzullo"]
LOOKUP = (
    "PREFIX eg: <https://w3id.org/exilegraph/vocab/> "
    "SELECT ?p ?o WHERE {{ <https://w3id.org/exilegraph/case/{id}> ?p ?o }} LIMIT 20"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(release: Path, workers: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "exilegraph.cli", "serve", "--release", str(release), "--port", str(port)]
    proc = subprocess.Popen(
        cmd + (["--workers", str(workers)] if workers else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    for line in proc.stdout:
        if "Press Ctrl-C" in line:
            break
    else:
        sys.exit(f"serve did not start (exit status {proc.wait()})")
    return proc, f"http://127.0.0.1:{port}/query"


def client(url: str, n: int, offset: int, latencies: list[float], failures: list[str]) -> None:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for i in range(n):
        query = LOOKUP.format(id=CASE_IDS[(offset + i) % len(CASE_IDS)])
        path = f"{parts.path}?{urllib.parse.urlencode({'query': query})}"
        start = time.perf_counter()
        conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        reply = conn.getresponse()
        body = reply.read()
        latencies.append(time.perf_counter() - start)
        if reply.status != 200:
            failures.append(f"{reply.status} {body[:100]!r}")
    conn.close()


def bench(url: str, clients: int, queries: int) -> dict:
    """Run the load; returns {'qps', 'p50_ms', 'p99_ms', 'failures'}."""
    latencies: list[float] = []
    failures: list[str] = []
    threads = [
        threading.Thread(target=client, args=(url, queries, i, latencies, failures)) for i in range(clients)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "qps": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=Path("output/exilegraph"))
    parser.add_argument("--url", help="an endpoint already running (default: start `exilegraph serve`)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--workers", type=int, help="engine processes of the started server")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    proc = None
    url = args.url
    if not url:
        proc, url = start(args.release, args.workers)
    try:
        bench(url, args.clients, 5)  # warm-up: every worker has opened the store
        for _ in range(args.runs):
            r = bench(url, args.clients, args.queries)
            print(
                f"{args.clients} clients x {args.queries} queries: {r['qps']:,.0f} queries/s, "
                f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {len(r['failures'])} failures"
            )
            for f in r["failures"][:3]:
                print("  failure:", f)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
