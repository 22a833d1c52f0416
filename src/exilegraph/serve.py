"""SPARQL endpoints: `exilegraph serve` (our own front over Oxigraph engines) and the Oxigraph server.

`serve_release` is `exilegraph serve`: it prints the endpoint, then runs until Ctrl-C or SIGTERM and stops
cleanly (the endpoint itself is in server/). `start_server` starts the Oxigraph server
(`oxigraph serve-read-only`, or `serve` for a partner's read-write store that receives pushes) and waits
until it answers; tests use it as the push target. The release's store holds the union of its named
graphs in its default graph, so both answer exactly as `exilegraph query` does; a store that receives
pushes into a named graph is served with `union_default_graph=True` instead.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import QueryError

READY_TIMEOUT = 20.0  # seconds for the server to open its store and answer


def oxigraph_binary() -> str:
    """The `oxigraph` command installed with the Python package (next to the interpreter), or on PATH."""
    here = Path(sys.executable).parent / ("oxigraph.exe" if sys.platform == "win32" else "oxigraph")
    if here.is_file():
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise QueryError(
        "the Oxigraph server is not installed: `pip install oxigraph` puts an `oxigraph` command "
        "next to Python"
    )


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (checked the way the server binds: with SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@dataclass
class Server:
    """A running Oxigraph server; `stop()` (or leaving the `with` block) ends it."""

    process: subprocess.Popen
    host: str
    port: int
    log: object = field(repr=False)  # a temporary file holding the server's stderr

    @property
    def url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/query"

    @property
    def store_endpoint(self) -> str:
        return f"{self.url}/store"

    def running(self) -> bool:
        return self.process.poll() is None

    def errors(self) -> str:
        """The server's error message from its stderr (its `Error: ...` line, without the backtrace)."""
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace").split("Stack backtrace:")[0]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        errors = [line[len("Error:") :].strip() for line in lines if line.startswith("Error:")]
        return errors[0] if errors else " ".join(lines[-3:])

    def stop(self, grace: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_server(
    location: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: int = 30,
    cors: bool = False,
    read_only: bool = True,
    union_default_graph: bool = False,
    ready_timeout: float = READY_TIMEOUT,
) -> Server:
    """Start `oxigraph serve-read-only` (or `serve` with read_only=False) on the store at `location` and
    wait until it answers a query; a taken port or a server that dies at start-up is a QueryError."""
    binary = oxigraph_binary()
    if read_only and not location.is_dir():
        raise QueryError(
            f"no release store at {location}: build one with `exilegraph release` or pass --release DIR"
        )
    if not port_free(host, port):
        raise QueryError(
            f"port {port} on {host} is already in use (another server?); choose another with --port"
        )
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    cmd = [binary, "serve-read-only" if read_only else "serve", "--location", str(location), "--bind", bind]
    if union_default_graph:
        cmd.append("--union-default-graph")
    if timeout:
        cmd += ["--timeout-s", str(int(timeout))]
    if cors:
        cmd.append("--cors")
    log = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    except OSError as exc:
        log.close()
        raise QueryError(f"cannot start the Oxigraph server ({binary}): {exc}") from None
    server = Server(process, host, port, log)
    deadline = time.monotonic() + ready_timeout
    probe = f"{server.endpoint}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
    while True:
        if process.poll() is not None:
            message = server.errors() or f"exit status {process.returncode}"
            server.stop()
            raise QueryError(f"the Oxigraph server stopped at start-up: {message}")
        try:
            with urllib.request.urlopen(probe, timeout=1.0) as reply:
                if reply.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise QueryError(f"the Oxigraph server did not answer on {server.url} within {ready_timeout:g} s")
        time.sleep(0.05)


def serve_release(
    release: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: int = 30,
    cors: bool = False,
    workers: int | None = None,
    echo: Callable[[str], object] = print,
) -> None:
    """`exilegraph serve`: a read-only SPARQL endpoint over the release until Ctrl-C (or SIGTERM).

    The endpoint is exilegraph's own HTTP front with a pool of Oxigraph engine processes (see
    server/): a query cannot crash or wedge it, and it follows the release when it is rebuilt."""
    from .server.app import open_endpoint

    endpoint = open_endpoint(release, host=host, port=port, timeout=timeout, cors=cors, workers=workers)
    previous = None
    try:  # from here on, Ctrl-C or SIGTERM at any moment stops the server with us
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _interrupt)
        echo(f"SPARQL endpoint: {endpoint.endpoint}  (read-only; queries stop after {timeout} s)")
        echo(f"Query page:      {endpoint.url}/")
        echo("Press Ctrl-C to stop.")
        endpoint.front.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        echo("Stopping the server.")
    finally:
        endpoint.front.server_close()
        endpoint.pool.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):  # SIGTERM ends the server like Ctrl-C does
    raise KeyboardInterrupt
