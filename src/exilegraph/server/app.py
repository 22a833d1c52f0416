"""Start and stop the whole endpoint: the engine pool, the HTTP front and its page handler."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import QueryError
from ..release.folder import ReleaseDir
from ..sparqlguard import DEFAULT_LIMITS, Limits
from .front import Front, Settings
from .pool import EnginePool
from .site import Site


def default_workers() -> int:
    """One engine per core, and at least three, so one long query never holds up the others."""
    return max(3, os.cpu_count() or 1)


@dataclass
class Endpoint:
    """A running endpoint; `stop()` (or leaving the `with` block) closes the port and the workers."""

    front: Front
    pool: EnginePool
    thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.front.server_address[0]

    @property
    def port(self) -> int:
        return self.front.server_address[1]

    @property
    def url(self) -> str:
        host = self.host
        host = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
        return f"http://{host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/query"

    def stop(self) -> None:
        if self.thread is not None:
            self.front.shutdown()
            self.thread.join(10)
        self.front.server_close()
        self.pool.close()

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def open_endpoint(
    release: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: float = 30.0,
    cors: bool = False,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    background: bool = False,
) -> Endpoint:
    """Open the store in a first worker, then bind the port. Raises NoReleaseError without a release or
    store, QueryError when the port is taken. With background=True the front already serves in a thread (tests use this)."""
    release = ReleaseDir(release).require(store=True).path
    pool = EnginePool(release, size=workers or default_workers())
    pool.start()
    try:
        front = Front((host, port), pool, Settings(timeout=timeout, cors=cors, limits=limits), Site(release))
    except OSError as exc:
        pool.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise QueryError(
                f"port {port} on {host} is already in use (another server?); choose another with --port"
            ) from None
        raise QueryError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    endpoint = Endpoint(front, pool)
    if background:
        endpoint.thread = front.serve_in_thread()
    return endpoint
