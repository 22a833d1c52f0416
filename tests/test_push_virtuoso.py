"""`exilegraph push` into a real OpenLink Virtuoso (Debian's package), whose authenticated Graph Store
endpoint `/sparql-graph-crud-auth` takes HTTP Digest only. The session fixture installs the package when it
is missing (as root, with apt-get), runs a private instance with its own database in a temporary folder on
free loopback ports, gives a user the rights the Virtuoso documentation names for Graph Store writes, and
stops the instance at the end. Without the package and without a way to install it, the tests skip."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from exilegraph.cli import main
from exilegraph.errors import PushError
from exilegraph.push import credentials, default_description_graph, default_graph, push
from test_server import WAIT, free_port

pytestmark = pytest.mark.virtuoso

STEP = 600  # seconds any install step may take
START = 300  # seconds a fresh database may take to come up (about 30 s on an idle machine)
USER, SECRET = "exile_editor", "Vt-Secret-73"
READER, READER_SECRET = "exile_reader", "Vt-Reader-37"


def _apt(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, timeout=STEP)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 1, "", f"apt-get {args[0]} took longer than {STEP} s")


def _install() -> None:
    """Install Debian's virtuoso-opensource when virtuoso-t is missing, or skip saying why not."""
    if shutil.which("virtuoso-t") and shutil.which("isql-vt"):
        return
    if not shutil.which("apt-get"):
        pytest.skip(
            "Virtuoso is not installed and there is no apt-get to install it (Debian: virtuoso-opensource)"
        )
    if os.geteuid() != 0:
        pytest.skip(
            "Virtuoso is not installed, and installing it needs root: apt-get install virtuoso-opensource"
        )
    started = time.monotonic()
    done = _apt("install", "-y", "virtuoso-opensource")
    if done.returncode != 0:  # e.g. the package lists were never fetched on this machine
        _apt("update")
        done = _apt("install", "-y", "virtuoso-opensource")
    if done.returncode != 0 or not shutil.which("virtuoso-t"):
        tail = " ".join((done.stderr or done.stdout).split()[-40:])
        pytest.skip(f"Virtuoso could not be installed with apt-get install virtuoso-opensource: {tail}")
    print(f"installed virtuoso-opensource in {time.monotonic() - started:.0f} s")


def _ini(folder: Path, sql_port: int, http_port: int) -> Path:
    ini = folder / "virtuoso.ini"
    ini.write_text(
        f"""[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed       = ., {folder}
NumberOfBuffers   = 10000
MaxDirtyBuffers   = 6000

[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = {folder}
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 100000
""",
        encoding="utf-8",
    )
    return ini


class Virtuoso:
    def __init__(self, folder: Path):
        self.folder = folder
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.store = self.url + "/sparql-graph-crud-auth"
        self.log = open(folder / "console.log", "w")  # noqa: SIM115 - open while the server runs
        ini = _ini(folder, self.sql_port, self.http_port)
        self.process = subprocess.Popen(
            ["virtuoso-t", "-f", "-c", str(ini)],
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"virtuoso-t stopped at start-up: {self.console()}")
            try:
                if requests.get(self.url + "/sparql", timeout=5).status_code == 200:
                    return
            except requests.exceptions.RequestException:
                pass
            time.sleep(0.5)
        pytest.fail(f"Virtuoso did not answer on {self.url} within {START} s: {self.console()}")

    def sql(self, statements: str) -> None:
        run = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0 and "*** Error" not in run.stdout + run.stderr, run.stdout + run.stderr

    def count(self, graph: str) -> int:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        reply = requests.post(
            self.url + "/sparql",
            data={"query": query},
            timeout=WAIT,
            headers={"Accept": "application/sparql-results+json"},
        )
        assert reply.status_code == 200, reply.text
        return int(reply.json()["results"]["bindings"][0]["n"]["value"])

    def console(self) -> str:
        self.log.flush()
        return " ".join((self.folder / "console.log").read_text(errors="replace").split()[-60:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # a clean shutdown with a checkpoint
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(WAIT)
        self.log.close()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    _install()
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        server.wait_ready()
        # Graph Store writes need the SPARQL_UPDATE role and write permission on graphs (Virtuoso docs,
        # "SPARQL 1.1 Graph Store HTTP Protocol" and RDF_DEFAULT_USER_PERMS_SET: 3 = read and write)
        server.sql(
            f"DB.DBA.USER_CREATE('{USER}', '{SECRET}'); GRANT SPARQL_UPDATE TO \"{USER}\"; "
            f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{USER}', 3); "
            f"DB.DBA.USER_CREATE('{READER}', '{READER_SECRET}');"
        )
        yield server
    finally:
        server.stop()


@pytest.fixture
def editor(monkeypatch):
    monkeypatch.setenv("EG_VIRTUOSO_PASSWORD", SECRET)
    return credentials(USER, "EG_VIRTUOSO_PASSWORD")


def nt_lines(path: Path) -> int:
    return sum(1 for _ in open(path, "rb"))


def test_push_with_digest_then_query_back(release, virtuoso, editor):
    result = push(release, virtuoso.store, auth=editor, timeout=120)
    assert result.scheme == "Digest" and result.status in (200, 201, 204)
    assert virtuoso.count(default_graph(release)) == nt_lines(release / "exilegraph.nt") == result.triples
    assert virtuoso.count(default_description_graph(release)) == result.description_triples > 0


def test_a_second_push_replaces(release, virtuoso, editor, tmp_path):
    graph = "https://example.org/graph/virtuoso-replace"
    push(release, virtuoso.store, graph=graph, auth=editor, timeout=120)
    full = virtuoso.count(graph)
    push(release, virtuoso.store, graph=graph, auth=editor, timeout=120)
    assert virtuoso.count(graph) == full == nt_lines(release / "exilegraph.nt")
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    lines = (release / "exilegraph.nt").read_bytes().splitlines(keepends=True)
    (smaller / "exilegraph.nt").write_bytes(b"".join(lines[::2]))
    (smaller / "release.json").write_bytes((release / "release.json").read_bytes())
    push(smaller, virtuoso.store, graph=graph, auth=editor, description=False, timeout=120)
    assert virtuoso.count(graph) == len(lines[::2]) < full  # replaced, not added to


def test_cli_push_with_a_wrong_password(release, virtuoso, monkeypatch):
    monkeypatch.setenv("EG_VIRTUOSO_PASSWORD", "not-" + SECRET)
    result = CliRunner().invoke(
        main,
        [
            "push",
            "--endpoint",
            virtuoso.store,
            "--release",
            str(release),
            "--user",
            USER,
            "--password-env",
            "EG_VIRTUOSO_PASSWORD",
        ],
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {virtuoso.store} refused the credentials of user '{USER}' with Digest "
        "authentication (HTTP 401 Unauthorized)\n"
    )
    assert SECRET not in result.output


def test_basic_is_refused(release, virtuoso, editor):
    with pytest.raises(
        PushError,
        match=r"with Basic authentication \(HTTP 401 Unauthorized\); "
        r"the store asks for Digest \(try --auth auto\)",
    ):
        push(release, virtuoso.store, auth=editor, scheme="basic", timeout=120)


def test_a_user_without_write_rights(release, virtuoso, monkeypatch):
    monkeypatch.setenv("EG_VIRTUOSO_READER", READER_SECRET)
    with pytest.raises(
        PushError,
        match=rf"refused user '{READER}' \(HTTP 403 Forbidden, Digest "
        r"authentication\): the user may not write graphs there; "
        "the store says: .*Permission denied",
    ):
        push(release, virtuoso.store, auth=credentials(READER, "EG_VIRTUOSO_READER"), timeout=120)


def test_no_credentials(release, virtuoso):
    with pytest.raises(PushError, match=r"asks for credentials \(HTTP 401 Unauthorized; it offers Digest\)"):
        push(release, virtuoso.store, timeout=120)
