"""`exilegraph push`: the data and the dataset description land in their own graphs of a real Oxigraph
server; Digest and Basic authentication against a small loopback store that checks Digest as RFC 7616
says; bad URLs, closed ports and silent stores give one `Error:` line; the password is never printed."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from exilegraph.cli import main
from exilegraph.errors import PushError
from exilegraph.push import (
    check_endpoint,
    credentials,
    default_description_graph,
    default_graph,
    push,
)
from exilegraph.pushauth import offered_schemes, server_message
from exilegraph.serve import start_server
from test_server import WAIT, count, free_port

SECRET = "pa55-Sécret-Ж41"  # the password in these tests, not all Latin-1; no output may contain it
USER = "editor"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """An empty read-write Oxigraph server, a partner's own triple store."""
    with start_server(
        tmp_path_factory.mktemp("push-store") / "db",
        port=free_port(),
        read_only=False,
        union_default_graph=True,
    ) as server:
        yield server


def void_triples(release: Path) -> int:
    return sum(1 for _ in ox.parse(path=str(release / "void.ttl"), format=ox.RdfFormat.TURTLE))


def nt_lines(release: Path) -> int:
    return sum(1 for _ in open(release / "exilegraph.nt", "rb"))


# ---- a real Oxigraph server -----------------------------------------------------------------------------
@pytest.mark.server
def test_data_and_description_in_their_own_graphs(release, store):
    result = push(release, store.store_endpoint, timeout=WAIT)
    assert result.graph == default_graph(release) and result.description_graph.endswith("graph/description")
    assert count(store, result.graph) == nt_lines(release) == result.triples
    assert count(store, result.description_graph) == void_triples(release) == result.description_triples > 0
    assert result.scheme is None  # the test store asks for no credentials


@pytest.mark.server
def test_cli_push_names_both_graphs(release, store):
    graph = "https://example.org/graph/partner-copy"
    result = CliRunner().invoke(
        main, ["push", "--endpoint", store.store_endpoint, "--release", str(release), "--graph", graph]
    )
    assert result.exit_code == 0, result.output
    assert f"as graph <{graph}>" in result.output and f"as graph <{graph}/description>" in result.output
    assert count(store, graph) == nt_lines(release)
    assert count(store, graph + "/description") == void_triples(release)


@pytest.mark.server
def test_description_graph_option_and_no_description(release, store):
    data, described = "https://example.org/graph/d1", "https://example.org/graph/about-d1"
    push(release, store.store_endpoint, graph=data, description_graph=described, timeout=WAIT)
    assert count(store, described) == void_triples(release)
    data2 = "https://example.org/graph/d2"
    result = CliRunner().invoke(
        main,
        [
            "push",
            "--endpoint",
            store.store_endpoint,
            "--release",
            str(release),
            "--graph",
            data2,
            "--no-description",
        ],
    )
    assert result.exit_code == 0 and "description" not in result.output
    assert count(store, data2) == nt_lines(release) and count(store, data2 + "/description") == 0


def test_default_description_graph(release):
    assert default_description_graph(release) == default_graph(release).replace("/release", "/description")
    assert default_description_graph(release, "https://example.org/g/") == "https://example.org/g/description"


def test_the_description_graph_must_differ(release):
    with pytest.raises(PushError, match="must differ from the data graph"):
        push(
            release, "http://127.0.0.1:9/store", graph="https://e.org/g", description_graph="https://e.org/g"
        )


# ---- URLs, unreachable and silent stores ------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, said",
    [
        ("ftp://x", "must be an http:// or https:// URL, got 'ftp://x'"),
        ("http://", "names no host"),
        ("not a url", "must be an http:// or https:// URL without spaces"),
        ("localhost:7878/store", "must be an http:// or https:// URL"),
        ("http://127.0.0.1:99999/store", "is not a valid URL"),
        (f"http://user:{SECRET}@127.0.0.1:1/store", "holds a user name or password"),
        (f"https://{SECRET}@store.example/x", "holds a user name or password"),
        (f"user:{SECRET}@127.0.0.1/store", "holds a user name or password"),
        ("http://127.0.0.1:7878/store#x", "has a '#' part"),
        ("http://127.0.0.1:7878/store?graph=https://e.org/g", "already names a graph"),
    ],
)
def test_bad_urls_give_one_error_line(release, url, said):
    result = CliRunner().invoke(main, ["push", "--endpoint", url, "--release", str(release)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and said in lines[0], result.output
    assert SECRET not in result.output and "Traceback" not in result.output


def test_an_at_sign_in_the_path_is_no_credential():
    assert check_endpoint(" http://127.0.0.1:7878/users/a@b ") == "http://127.0.0.1:7878/users/a@b"


def test_a_closed_port(release):
    port = free_port()  # bound and closed again: nothing listens there
    result = CliRunner().invoke(
        main, ["push", "--endpoint", f"http://127.0.0.1:{port}/store", "--release", str(release)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot reach http://127.0.0.1:{port}/store: connection refused "
        "(is the store running, and is the port right?)\n"
    )


def test_a_store_that_never_answers(release):
    with socket.socket() as silent:  # the kernel completes connections; nobody reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/store"
        with pytest.raises(PushError, match=rf"^{url} did not answer within 1 s"):
            push(release, url, timeout=1)


# ---- a store that demands Digest (RFC 7616, MD5, qop=auth) ------------------------------------------------
def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class _DigestStore(BaseHTTPRequestHandler):
    realm = "exilegraph-test"
    guard_head = True  # False: only writes need credentials, as some stores are set up
    nonces: set = set()
    seen: list = []
    stored: dict = {}

    def do_HEAD(self):
        self._handle(b"")

    def do_PUT(self):
        self._handle(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _handle(self, body: bytes):
        header = self.headers.get("Authorization") or ""
        _DigestStore.seen.append(
            {"method": self.command, "auth": header.split(" ")[0], "bytes": len(body), "header": header}
        )
        if self.command == "HEAD" and not _DigestStore.guard_head:
            return self._reply(200)
        if not self._authorised(header):
            nonce = secrets.token_hex(16)
            _DigestStore.nonces.add(nonce)
            return self._reply(
                401,
                {
                    "WWW-Authenticate": f'Digest realm="{self.realm}", qop="auth", '
                    f'algorithm=MD5, nonce="{nonce}", opaque="0a1b"'
                },
            )
        if self.path.startswith("/echo"):  # a careless store that repeats what it was told
            return self._reply(400, body=f"cannot parse the request of {USER}/{SECRET}".encode())
        if self.command == "PUT":
            graph = parse_qs(urlsplit(self.path).query)["graph"][0]
            _DigestStore.stored[graph] = body
            return self._reply(201)
        self._reply(200)

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Digest "):
            return False
        fields = {}
        for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header[7:]):
            fields[key] = quoted or bare
        if (
            fields.get("username") != USER
            or fields.get("realm") != self.realm
            or fields.get("qop") != "auth"
            or fields.get("nonce") not in _DigestStore.nonces
            or fields.get("uri") != self.path
        ):
            return False
        ha1 = _md5(f"{USER}:{self.realm}:{SECRET}")
        ha2 = _md5(f"{self.command}:{fields['uri']}")
        expected = _md5(f"{ha1}:{fields['nonce']}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return secrets.compare_digest(expected, fields.get("response", ""))

    def _reply(self, status, headers=None, body=b""):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def digest_store():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DigestStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _DigestStore.seen, _DigestStore.stored, _DigestStore.guard_head = [], {}, True
    yield f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()
    server.server_close()
    thread.join(WAIT)


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("EG_PUSH_PASSWORD", SECRET)
    return credentials(USER, "EG_PUSH_PASSWORD")


def test_digest_is_learnt_and_the_release_sent_once(release, digest_store, password):
    result = push(release, digest_store, auth=password, timeout=WAIT)
    assert result.scheme == "Digest" and result.status == 201
    assert _DigestStore.stored[default_graph(release)] == (release / "exilegraph.nt").read_bytes()
    assert _DigestStore.stored[default_description_graph(release)] == (release / "void.ttl").read_bytes()
    size = (release / "exilegraph.nt").stat().st_size
    uploads = [r for r in _DigestStore.seen if r["bytes"] == size]
    assert len(uploads) == 1 and uploads[0]["auth"] == "Digest"  # no upload was refused and repeated
    assert all(r["auth"] != "Basic" for r in _DigestStore.seen)
    assert all(SECRET not in r["header"] for r in _DigestStore.seen)


def test_basic_only_is_refused_by_a_digest_store(release, digest_store, password):
    with pytest.raises(PushError) as err:
        push(release, digest_store, auth=password, scheme="basic", timeout=WAIT)
    assert str(err.value) == (
        f"{digest_store} refused the credentials of user '{USER}' with Basic "
        "authentication (HTTP 401 Unauthorized); the store asks for Digest "
        "(try --auth auto)"
    )
    assert not _DigestStore.stored and all(r["method"] == "HEAD" for r in _DigestStore.seen)


def test_a_wrong_password_is_refused_before_the_upload(release, digest_store, monkeypatch):
    monkeypatch.setenv("EG_PUSH_PASSWORD", "not-" + SECRET)
    with pytest.raises(
        PushError,
        match=f"refused the credentials of user '{USER}' with Digest "
        r"authentication \(HTTP 401 Unauthorized\)$",
    ):
        push(release, digest_store, auth=credentials(USER, "EG_PUSH_PASSWORD"), timeout=WAIT)
    assert all(r["method"] == "HEAD" for r in _DigestStore.seen)


def test_no_credentials_for_a_digest_store(release, digest_store):
    with pytest.raises(
        PushError,
        match=r"asks for credentials \(HTTP 401 Unauthorized; it offers Digest\); "
        "pass --user NAME --password-env VAR",
    ):
        push(release, digest_store, timeout=WAIT)


def test_digest_asked_only_for_writes(release, digest_store, password):
    _DigestStore.guard_head = False  # the probe learns nothing; the PUT's answer names Digest
    result = push(release, digest_store, auth=password, timeout=WAIT)
    assert result.scheme == "Digest"
    assert _DigestStore.stored[default_graph(release)] == (release / "exilegraph.nt").read_bytes()


def test_forced_digest(release, digest_store, password):
    assert push(release, digest_store, auth=password, scheme="digest", timeout=WAIT).scheme == "Digest"


def test_the_password_is_never_printed(release, digest_store):
    env = dict(os.environ, EG_PUSH_PASSWORD=SECRET)
    closed = f"http://127.0.0.1:{free_port()}/store"
    for endpoint, scheme, said in [
        (digest_store, "basic", "with Basic authentication"),
        (closed, "auto", "connection refused"),
        (f"http://{USER}:{SECRET}@127.0.0.1:1/store", "auto", "holds a user name"),
    ]:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "exilegraph.cli",
                "push",
                "--endpoint",
                endpoint,
                "--release",
                str(release),
                "--user",
                USER,
                "--password-env",
                "EG_PUSH_PASSWORD",
                "--auth",
                scheme,
                "--timeout",
                str(WAIT),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert run.returncode == 1, run.stderr
        assert SECRET not in run.stdout and SECRET not in run.stderr
        assert run.stderr.startswith("Error: ") and said in run.stderr and "Traceback" not in run.stderr


def test_a_password_echoed_by_the_store_is_hidden(release, digest_store, password):
    echo = digest_store.replace("/store", "/echo")
    with pytest.raises(PushError) as err:
        push(release, echo, auth=password, timeout=WAIT)
    assert str(err.value).endswith(
        f"rejected the upload (HTTP 400 Bad Request): cannot parse the request of {USER}/***"
    )


def test_credentials_hide_the_password(password):
    assert SECRET not in repr(password) and password.user == USER


# ---- reading what stores say ----------------------------------------------------------------------------
def test_offered_schemes():
    assert offered_schemes('Digest realm="basic, Basic x", qop="auth", nonce="n"') == ["digest"]
    assert offered_schemes('Basic realm="a", Digest realm="b", nonce="c"') == ["basic", "digest"]
    assert offered_schemes("Bearer") == ["bearer"] and offered_schemes("") == []


class _Reply:
    def __init__(self, text):
        self.text = text


def test_server_messages():
    page = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head><title>failed</title></head>'
        "<body>"
        "<h1>HTTP/1.1 500 Request Failed</h1><h3>Error 22023</h3><xmp>The PUT request for graph "
        "&lt;x&gt; is rejected</xmp></body></html>"
    )
    assert server_message(_Reply(page)) == "Error 22023: The PUT request for graph <x> is rejected"
    assert server_message(_Reply("line one\nline two")) == "line one …"
    assert server_message(_Reply("  \n")) == "(no message)"
