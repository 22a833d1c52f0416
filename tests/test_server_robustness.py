"""`exilegraph serve` as a real process on a loopback port: no query crashes or wedges it, a stopped query
is an error status, its CPU is released, the results parse, and it follows a rebuilt release.
Every wait is bounded; every process is stopped. (The guard itself: test_query_guard.py.)"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from conftest import RECORDS
from exilegraph.cli import main
from exilegraph.release import build_release

pytestmark = pytest.mark.server

JSON = "application/sparql-results+json"
EG = "https://w3id.org/exilegraph/vocab/"
CASES = f"PREFIX eg: <{EG}> SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a eg:ExileCase }}"
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/exilegraph/case/akhmetova-zhanara> ?p ?o } LIMIT 5"
NESTED = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000  # overflowed the engine's stack
MIXED_ORDER = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"  # strings and integers: the engine panicked
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TIMEOUT = 2
WAIT = 20  # seconds, the longest any single wait may take on a loaded machine
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + t
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "nonNegativeInteger",
        "positiveInteger",
        "gYear",
    )
} - {XSD + "gYear"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`exilegraph serve` as a child process; its output is collected by a reader thread."""

    def __init__(self, release: Path, timeout: int = TIMEOUT):
        self.port = free_port()
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "exilegraph.cli",
                "serve",
                "--release",
                str(release),
                "--port",
                str(self.port),
                "--timeout",
                str(timeout),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        threading.Thread(
            target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")), daemon=True
        ).start()
        deadline = time.monotonic() + WAIT
        while not any("Press Ctrl-C" in line for line in self.lines):
            assert self.proc.poll() is None and time.monotonic() < deadline, "".join(self.lines)
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = self.url + "/query"

    def children(self) -> list[int]:
        """The engine workers: the children of every thread of the front."""
        found = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                found += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
        return found

    def cpu_seconds(self) -> float:
        """CPU time used so far by the front and its live workers."""
        total = 0.0
        for pid in [self.proc.pid] + self.children():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ask(url: str, query: str, accept: str = JSON, timeout: float = WAIT) -> requests.Response:
    return requests.post(url, data={"query": query}, headers={"Accept": accept}, timeout=timeout)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release([RECORDS], tmp_path_factory.mktemp("robust-release"), use_cache=False).path


@pytest.fixture(scope="module")
def serve(release):
    server = Serve(release)
    yield server
    server.stop()


class Background:
    """A second client sending look-ups in a loop while a test does something nasty."""

    def __init__(self, url: str):
        self.url, self.statuses, self.stop = url, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with requests.Session() as session:
            while not self.stop.is_set():
                reply = session.post(self.url, data={"query": LOOKUP}, headers={"Accept": JSON}, timeout=WAIT)
                self.statuses.append(reply.status_code)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(WAIT)


# ---- no query crashes or wedges the server ------------------------------------------------------------
def _order_key_ok(bindings: list[dict]) -> None:
    """SPARQL 1.1 order (section 15.1) where it is defined: IRIs before literals, numbers by value,
    strings by code point."""
    seen_literal = False
    numbers, strings = [], []
    for b in bindings:
        term = b["o"]
        if term["type"] == "uri":
            assert not seen_literal, "an IRI after a literal"
        elif term["type"] == "literal":
            seen_literal = True
            datatype = term.get("datatype", XSD + "string")
            if datatype in NUMERIC:
                numbers.append(float(term["value"]))
            elif datatype == XSD + "string" and "xml:lang" not in term:
                strings.append(term["value"])
    assert numbers == sorted(numbers) and strings == sorted(strings) and len(strings) > 100 and numbers


def test_order_by_mixed_literals_returns_sorted_rows(serve):
    with Background(serve.endpoint) as other:
        reply = ask(serve.endpoint, MIXED_ORDER)
        assert reply.status_code == 200, reply.text
        bindings = reply.json()["results"]["bindings"]
        _order_key_ok(bindings)
        assert ask(serve.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").json()["results"][
            "bindings"
        ][0]["n"]["value"] == str(len(bindings))
    assert serve.proc.poll() is None and other.statuses and set(other.statuses) == {200}


def test_nested_groups_are_refused_while_others_get_answers(serve):
    with Background(serve.endpoint) as other:
        for query in (NESTED, "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"):
            reply = ask(serve.endpoint, query)
            assert reply.status_code == 400
            assert reply.text.startswith("query refused: the query nests brackets or groups 50")
        time.sleep(0.3)
    assert other.statuses and set(other.statuses) == {200}
    assert ask(serve.endpoint, CASES).status_code == 200


def test_a_timed_out_query_is_an_error_and_its_cpu_is_released(serve):
    start = time.monotonic()
    reply = ask(serve.endpoint, HEAVY)
    elapsed = time.monotonic() - start
    assert reply.status_code == 503, reply.text[:200]
    assert (
        reply.text == f"the query ran for more than {TIMEOUT} s and was stopped; narrow it down (more "
        "specific patterns, LIMIT)\n"
    )
    assert elapsed < WAIT
    time.sleep(max(0.0, start + TIMEOUT + 2 - time.monotonic()))  # timeout + 2 s after the query began
    before = serve.cpu_seconds()
    time.sleep(1.0)
    assert serve.cpu_seconds() - before < 0.3, (
        "the server kept working after the timeout"
    )  # a busy core: ~1.0
    assert ask(serve.endpoint, CASES).status_code == 200


def test_a_killed_engine_is_an_error_and_is_replaced(release):
    serve = Serve(release, timeout=60)  # the heavy query runs until the engine is killed
    try:
        assert ask(serve.endpoint, CASES).status_code == 200
        result: list[requests.Response] = []
        client = threading.Thread(target=lambda: result.append(ask(serve.endpoint, HEAVY, timeout=60)))
        client.start()
        deadline = time.monotonic() + WAIT
        busy = None
        while busy is None and time.monotonic() < deadline:  # the worker that runs the heavy query
            before = {pid: _cpu(pid) for pid in serve.children()}
            time.sleep(0.5)
            busy = next((pid for pid, t in before.items() if _cpu(pid) - t > 0.05), None)
        assert busy is not None, "no worker took the query"
        os.kill(busy, signal.SIGKILL)
        client.join(WAIT)
        assert result and result[0].status_code == 500
        assert result[0].text.startswith("the query engine crashed on this query (engine killed by signal 9)")
        killed = time.monotonic()
        reply = ask(serve.endpoint, CASES)
        assert reply.status_code == 200 and time.monotonic() - killed < WAIT
        assert busy not in serve.children()
    finally:
        serve.stop()


def test_slow_queries_holding_every_engine_do_not_hold_up_others(release):
    serve = Serve(release, timeout=20)  # default pool: 3 engines
    try:
        heavy: list[int] = []
        clients = [
            threading.Thread(target=lambda: heavy.append(ask(serve.endpoint, HEAVY, timeout=60).status_code))
            for _ in range(3)
        ]
        for c in clients:
            c.start()
        time.sleep(1.0)
        reply = ask(serve.endpoint, LOOKUP)
        assert reply.status_code == 200 and heavy == [], "the look-up waited for the slow queries"
        for c in clients:
            c.join(60)
        assert heavy == [503, 503, 503]
    finally:
        serve.stop()


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_protocol_errors(serve):
    assert requests.get(serve.endpoint, timeout=WAIT).status_code == 400
    assert (
        requests.put(serve.url + "/store?default", data=b"<a:b> <a:c> <a:d> .", timeout=WAIT).status_code
        == 405
    )
    assert (
        requests.post(
            serve.endpoint, data=b"SELECT", headers={"Content-Type": "text/plain"}, timeout=WAIT
        ).status_code
        == 415
    )
    reply = ask(serve.endpoint, "SELECT ?x WHERE { ?x ?p }")
    assert reply.status_code == 400 and reply.text.startswith("SPARQL syntax error")


def test_default_graph_uri_narrows_the_dataset(serve):
    graph = "https://w3id.org/exilegraph/graph/akhmetova-zhanara"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(params):
        reply = requests.get(serve.endpoint, params=params, headers={"Accept": JSON}, timeout=WAIT)
        assert reply.status_code == 200, reply.text
        return int(reply.json()["results"]["bindings"][0]["n"]["value"])

    inside = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert n({"query": count, "default-graph-uri": graph}) == n({"query": inside}) < n({"query": count})


# ---- results that parse --------------------------------------------------------------------------------
COMMA = 'SELECT ?x ?y WHERE { VALUES (?x ?y) { (<http://example.org/a,b> "c, \\"d\\"\\ne") } }'


def test_csv_quotes_iris_and_literals_that_need_it(serve, release):
    reply = ask(serve.endpoint, COMMA, accept="text/csv")
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/csv")
    expected = [["x", "y"], ["http://example.org/a,b", 'c, "d"\ne']]
    assert list(csv.reader(io.StringIO(reply.content.decode("utf-8"), newline=""))) == expected
    assert reply.content.endswith(b"\r\n")
    result = CliRunner().invoke(main, ["query", COMMA, "--release", str(release), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.output, newline=""))) == expected


def test_every_format(serve):
    for accept, start in (
        ("application/sparql-results+xml", "<?xml"),
        ("text/tab-separated-values", "?p\t?o"),
    ):
        reply = ask(serve.endpoint, LOOKUP, accept=accept)
        assert reply.status_code == 200 and reply.text.startswith(start), accept
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    for accept in ("text/turtle", "application/n-triples", "application/ld+json"):
        reply = ask(serve.endpoint, construct, accept=accept)
        assert reply.status_code == 200 and reply.headers["Content-Type"].startswith(accept)


# ---- serve follows the release --------------------------------------------------------------------------
def _count(url: str) -> int:
    reply = ask(url, CASES)
    assert reply.status_code == 200, reply.text
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


def test_a_rebuild_under_a_running_serve_gives_the_new_answers(tmp_path):
    few = tmp_path / "records"
    few.mkdir()
    for name in ("akhmetova-zhanara.yaml", "huseynov-fikrat.yaml", "organisations.yaml"):
        shutil.copy(RECORDS / name, few / name)
    out = tmp_path / "out"
    release = build_release([few], out, use_cache=False).path
    server = Serve(release, timeout=10)
    try:
        assert _count(server.endpoint) == 2
        build_release([RECORDS], out, use_cache=False)  # replaces the release folder by renames
        assert _count(server.endpoint) == 7  # the very next query: never the old release
        moved = tmp_path / "away"
        release.rename(moved)
        reply = ask(server.endpoint, CASES)
        assert reply.status_code == 503 and "is missing (being rebuilt?)" in reply.text
        moved.rename(release)
        assert _count(server.endpoint) == 7
    finally:
        server.stop()
    assert server.proc.returncode == 0 and "Stopping the server." in "".join(server.lines)


# ---- pages ----------------------------------------------------------------------------------------------
def test_entity_pages_by_content_negotiation(serve, release):
    site = release / "site" / "case"
    site.mkdir(parents=True, exist_ok=True)
    (site / "x.html").write_text("<p>x</p>", encoding="utf-8")
    (site / "x.ttl").write_text("<a:x> <a:p> 1 .", encoding="utf-8")
    base = serve.url + "/case/x"
    html = requests.get(base, headers={"Accept": "text/html,*/*;q=0.8"}, timeout=WAIT)
    assert html.status_code == 200 and html.text == "<p>x</p>" and html.headers["Vary"] == "Accept"
    ttl = requests.get(base, headers={"Accept": "text/turtle"}, timeout=WAIT)
    assert ttl.text == "<a:x> <a:p> 1 ." and ttl.headers["Content-Type"].startswith("text/turtle")
    assert requests.get(base, headers={"Accept": "application/ld+json"}, timeout=WAIT).status_code == 406
    assert requests.get(serve.url + "/case/../release.json", timeout=WAIT).status_code == 404
    assert requests.get(serve.url + "/case/nobody", timeout=WAIT).status_code == 404
