"""`exilegraph serve` and a real Oxigraph server on loopback ports: the SPARQL 1.1 protocol over a release,
read-only, with a query time limit; pushes to a read-write server give the same catalogue answers as the embedded store;
push errors are clear. Everything stays on 127.0.0.1, every wait is bounded, every server is stopped."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner

from exilegraph.catalogue import catalogue
from exilegraph.cli import main
from exilegraph.errors import NoReleaseError, PushError
from exilegraph.push import credentials, default_description_graph, default_graph, push
from exilegraph.query import render, run_query
from exilegraph.serve import port_free, start_server
from exilegraph.server.app import open_endpoint

pytestmark = pytest.mark.server

EG = "https://w3id.org/exilegraph/vocab/"
CASE = "https://w3id.org/exilegraph/case/akhmetova-zhanara"
JSON = "application/sparql-results+json"
CASES = f"PREFIX eg: <{EG}> SELECT DISTINCT ?id WHERE {{ ?c a eg:ExileCase ; eg:id ?id }} ORDER BY ?id"
WAIT = 10  # seconds, the longest any HTTP call may take


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(release):
    """The release served read-only (as `exilegraph serve` does) with a one-second query limit."""
    with open_endpoint(release, port=free_port(), timeout=1, background=True) as server:
        yield server


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """An empty read-write server (a partner's own triple store) that the tests push to."""
    with start_server(
        tmp_path_factory.mktemp("rw") / "db", port=free_port(), read_only=False, union_default_graph=True
    ) as server:
        yield server


def select(url: str, query: str) -> list[dict]:
    reply = requests.post(url, data={"query": query}, headers={"Accept": JSON}, timeout=WAIT)
    assert reply.status_code == 200, reply.text
    return [{k: v["value"] for k, v in b.items()} for b in reply.json()["results"]["bindings"]]


# ---- the SPARQL protocol on a read-only server -----------------------------------------------------------
def test_get_with_json_results(endpoint):
    reply = requests.get(endpoint.endpoint, params={"query": CASES}, headers={"Accept": JSON}, timeout=WAIT)
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith(JSON)
    ids = [b["id"]["value"] for b in reply.json()["results"]["bindings"]]
    assert "akhmetova-zhanara" in ids and "huseynov-fikrat" in ids


def test_post_with_csv_results(endpoint):
    reply = requests.post(
        endpoint.endpoint,
        data=CASES.encode(),
        timeout=WAIT,
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/csv")
    lines = reply.text.splitlines()
    assert lines[0] == "id" and "okhunzhonov-narzullo" in lines


def test_post_form_with_a_catalogue_query(endpoint):
    rows = select(endpoint.endpoint, render("requested-by-state", {"state": "KZ"}))
    assert any(r["event"] == "arrest" and r.get("date") == "2017-10-21" for r in rows)


def test_construct_as_turtle(endpoint):
    query = f"PREFIX eg: <{EG}> CONSTRUCT {{ ?c eg:state_of_concern ?s }} WHERE {{ ?c eg:state_of_concern ?s ; a eg:ExileCase }}"
    reply = requests.get(
        endpoint.endpoint, params={"query": query}, headers={"Accept": "text/turtle"}, timeout=WAIT
    )
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/turtle")
    triples = {q.triple for q in ox.parse(reply.content, format=ox.RdfFormat.TURTLE)}
    assert (
        ox.Triple(
            ox.NamedNode(CASE),
            ox.NamedNode(EG + "state_of_concern"),
            ox.NamedNode("http://www.wikidata.org/entity/Q232"),
        )
        in triples
    )


def test_updates_are_refused(endpoint):
    insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    reply = requests.post(
        endpoint.url + "/update",
        data=insert.encode(),
        timeout=WAIT,
        headers={"Content-Type": "application/sparql-update"},
    )
    assert reply.status_code == 403
    check = "ASK { <http://example.org/a> ?p ?o }"
    assert (
        requests.get(
            endpoint.endpoint, params={"query": check}, headers={"Accept": JSON}, timeout=WAIT
        ).json()["boolean"]
        is False
    )


def test_a_slow_query_is_cut_off(endpoint):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # billions of rows
    start = time.monotonic()
    reply = requests.post(endpoint.endpoint, data={"query": slow}, headers={"Accept": JSON}, timeout=WAIT)
    assert time.monotonic() - start < 6
    assert reply.status_code == 503  # stopped after 1 s: an error status, no count comes back
    assert (
        reply.text == "the query ran for more than 1 s and was stopped; narrow it down (more specific "
        "patterns, LIMIT)\n"
    )


# ---- pushing a release to a read-write store --------------------------------------------------------------
def count(server, graph: str) -> int:
    rows = select(server.endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"])


def test_push_then_the_catalogue_gives_the_same_answers(release, store):
    result = push(release, store.store_endpoint)
    assert result.status in (200, 201, 204) and result.graph == default_graph(release)
    lines = sum(1 for _ in open(release / "exilegraph.nt", "rb"))
    assert count(store, result.graph) == lines == result.triples
    for entry in catalogue().values():
        for params in (
            {p.name: p.example for p in entry.params if not p.optional},
            {p.name: p.example for p in entry.params},
        ):
            embedded = run_query(entry.name, release, params, timeout=None).values()
            remote = select(store.endpoint, render(entry.name, params))
            embedded = [{k: v for k, v in row.items() if v is not None} for row in embedded]
            assert embedded, f"{entry.name} {params}"
            assert sorted(map(json.dumps, remote)) == sorted(map(json.dumps, embedded)), (
                f"{entry.name} {params}"
            )


def test_a_second_push_replaces_the_graph(release, store):
    push(release, store.store_endpoint)
    graph = default_graph(release)
    before = count(store, graph)
    second = push(release, store.store_endpoint)
    assert second.status in (200, 201, 204)
    assert count(store, graph) == before
    other = push(release, store.store_endpoint, graph="https://example.org/graph/copy")
    assert count(store, other.graph) == before and count(store, graph) == before


def test_a_push_replaces_what_an_earlier_push_left(release, store, tmp_path):
    graph = "https://example.org/graph/shrinking"
    push(release, store.store_endpoint, graph=graph)
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    lines = (release / "exilegraph.nt").read_bytes().splitlines(keepends=True)
    (smaller / "exilegraph.nt").write_bytes(b"".join(lines[::2]))  # every other triple of the release
    (smaller / "release.json").write_bytes((release / "release.json").read_bytes())
    push(smaller, store.store_endpoint, graph=graph, description=False)
    assert count(store, graph) == len(lines[::2]) < len(lines)


def test_cli_push(release, store):
    result = CliRunner().invoke(main, ["push", "--endpoint", store.store_endpoint, "--release", str(release)])
    assert result.exit_code == 0, result.output
    triples = json.loads((release / "release.json").read_text())["counts"]["triples"]
    assert f"pushed {triples} triples" in result.output and default_graph(release) in result.output


def test_push_to_a_closed_port(release):
    port = free_port()  # bound and closed again: nothing listens there
    with pytest.raises(PushError, match=f"cannot reach http://127.0.0.1:{port}/store: connection refused"):
        push(release, f"http://127.0.0.1:{port}/store", timeout=5)


def test_push_without_a_release(tmp_path):
    with pytest.raises(NoReleaseError, match="no release at .*exilegraph release"):
        push(tmp_path, "http://127.0.0.1:9/store")


# ---- a store that wants credentials, or rejects the data ---------------------------------------------------
class _Store(BaseHTTPRequestHandler):
    seen: list = []

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        _Store.seen.append(
            {
                "path": self.path,
                "type": self.headers.get("Content-Type"),
                "bytes": len(body),
                "auth": self.headers.get("Authorization"),
            }
        )
        expected = "Basic " + base64.b64encode(b"editor:s3cret").decode()
        if self.path.startswith("/bad"):
            self._reply(400, "Parser error at line 3: unexpected '<'\n" + "details " * 200)
        elif self.headers.get("Authorization") != expected:
            self._reply(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="store"'})
        else:
            self._reply(204, "")

    def _reply(self, status, text, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(text.encode())))
        self.end_headers()
        self.wfile.write(text.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def guarded():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Store.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(WAIT)


def test_push_without_credentials_gets_401(release, guarded):
    with pytest.raises(
        PushError, match=r"asks for credentials \(HTTP 401 Unauthorized; it offers Basic\); pass --user"
    ):
        push(release, guarded + "/store", timeout=WAIT)


def test_push_with_credentials_from_the_environment(release, guarded, monkeypatch):
    monkeypatch.setenv("EG_TEST_PASSWORD", "wrong")
    with pytest.raises(PushError, match="refused the credentials"):
        push(release, guarded + "/store", auth=credentials("editor", "EG_TEST_PASSWORD"), timeout=WAIT)
    monkeypatch.setenv("EG_TEST_PASSWORD", "s3cret")
    result = push(
        release, guarded + "/store?x=1", auth=credentials("editor", "EG_TEST_PASSWORD"), timeout=WAIT
    )
    assert result.status == 204
    put, described = _Store.seen[-2:]  # the data, then the dataset description
    assert parse_qs(urlsplit(described["path"]).query)["graph"] == [default_description_graph(release)]
    query = parse_qs(urlsplit(put["path"]).query)
    assert query == {"x": ["1"], "graph": [default_graph(release)]}
    assert put["type"] == "application/n-triples"
    assert put["bytes"] == (release / "exilegraph.nt").stat().st_size  # the whole dump in the one request


def test_push_rejected_data_shows_the_servers_message(release, guarded):
    with pytest.raises(PushError) as err:
        push(release, guarded + "/bad", timeout=WAIT)
    message = str(err.value)
    assert "rejected the upload (HTTP 400 Bad Request): Parser error at line 3: unexpected '<'" in message
    assert len(message) < 400 and message.endswith("…")


def test_cli_push_credentials_need_the_variable(release, guarded, monkeypatch):
    monkeypatch.delenv("EG_TEST_UNSET", raising=False)
    result = CliRunner().invoke(
        main,
        [
            "push",
            "--endpoint",
            guarded + "/store",
            "--release",
            str(release),
            "--user",
            "editor",
            "--password-env",
            "EG_TEST_UNSET",
        ],
    )
    assert result.exit_code == 1 and "EG_TEST_UNSET is not set" in result.output
    result = CliRunner().invoke(main, ["push", "--endpoint", guarded + "/store", "--release", str(release)])
    assert result.exit_code == 1 and "Error: " in result.output and "HTTP 401" in result.output


# ---- exilegraph serve ----------------------------------------------------------------------------------
def test_serve_reports_a_taken_port(release):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--release", str(release), "--port", str(port)])
    assert result.exit_code == 1
    assert f"Error: port {port} on 127.0.0.1 is already in use" in result.output


def test_serve_without_a_release(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--release", str(tmp_path), "--port", str(free_port())])
    assert result.exit_code == 1 and "no release at" in result.output


def test_a_server_that_dies_at_start_up_is_reported(tmp_path):
    from exilegraph.errors import QueryError

    broken = tmp_path / "store"
    broken.mkdir()
    (broken / "CURRENT").write_text("not a database\n")
    with pytest.raises(QueryError, match="the Oxigraph server stopped at start-up: ") as err:
        start_server(broken, port=free_port(), ready_timeout=WAIT)
    assert "CURRENT" in str(err.value) and "backtrace" not in str(err.value)


def test_serve_runs_until_ctrl_c(release):
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exilegraph.cli",
            "serve",
            "--release",
            str(release),
            "--port",
            str(port),
            "--timeout",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        # as from a terminal: a test run started in the background (CI, `cmd &`) passes
        # SIGINT on ignored, and Python then never turns Ctrl-C into KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + WAIT
        while not any("Press Ctrl-C" in line for line in lines) and time.monotonic() < deadline:
            assert proc.poll() is None, "".join(lines)
            time.sleep(0.05)
        assert f"SPARQL endpoint: http://127.0.0.1:{port}/query" in "".join(lines)
        rows = select(f"http://127.0.0.1:{port}/query", CASES)
        assert {"id": "akhmetova-zhanara"} in rows
        proc.send_signal(signal.SIGINT)
        assert proc.wait(WAIT) == 0
        reader.join(WAIT)
        assert "Stopping the server." in "".join(lines)
        deadline = time.monotonic() + WAIT
        while not port_free("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_free("127.0.0.1", port), "the Oxigraph child was stopped with its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
