"""A pool of engine workers (worker.py), each a process holding the release's store open read-only.

A query runs in one worker; the front waits for the whole serialised result with a deadline. A worker
that passes the deadline is killed (so its CPU is released at once) and one that crashes (a Rust panic
or a stack overflow aborts the process) is reaped; either is replaced by a fresh worker in the
background, and the client gets an error status with a one-line reason, never a partial result.
When every worker is held by long queries, a query that waited EXTRA_AFTER seconds gets an extra
worker of its own (up to `size` of them), so a client sending many slow queries at once does not
hold up the others.

The pool follows the release: each query first looks at `<release>/release.json` (inode, size, mtime).
A rebuild replaces the release folder by renames, so a new file means a new release: workers opened on
the old store are retired as they come back and new ones open the new store. A release folder that
has gone is a 503 with that reason until one is back.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import QueryError
from ..release.folder import ReleaseDir
from ..sparqlguard import order_rewrite
from .formats import MAX_RESULT
from .worker import _LEN, describe_crash

READY_TIMEOUT = 20.0  # seconds for a worker to open the store
EXTRA_AFTER = 0.5  # seconds a query waits for a busy pool before an extra worker is started for it


class EngineError(QueryError):
    """No worker could open the store (missing, outdated or unreadable release)."""


class _TimedOut(Exception):
    pass


class _Crashed(Exception):
    pass


@dataclass
class Reply:
    """What the front sends: an HTTP status, a media type and the body (a one-line text for errors)."""

    status: int
    media: str
    body: bytes
    kind: str = ""

    @classmethod
    def error(cls, status: int, message: str) -> Reply:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


def _worker_env() -> dict:
    env = dict(os.environ, RUST_BACKTRACE="0")
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


class Worker:
    """One worker process. `spawn` waits until it has opened the store; raises EngineError otherwise."""

    def __init__(self, store: Path, generation: int):
        self.generation = generation
        self.extra = False  # started beyond the pool's size, retired after one query
        self.buffer = bytearray()
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "exilegraph.server.worker", str(store)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            bufsize=0,
            env=_worker_env(),
            close_fds=True,
        )

    @classmethod
    def spawn(cls, store: Path, generation: int, ready_timeout: float = READY_TIMEOUT) -> Worker:
        worker = cls(store, generation)
        try:
            header = json.loads(worker._frame(time.monotonic() + ready_timeout))
        except _TimedOut:
            worker.kill()
            raise EngineError(
                f"the query engine did not open the store at {store} within {ready_timeout:g} s"
            ) from None
        except _Crashed:
            reason = worker.crash_reason()
            worker.kill()
            raise EngineError(
                f"the query engine stopped while opening the store at {store}: {reason}"
            ) from None
        if not header.get("ok"):
            worker.kill()
            raise EngineError(header.get("message", "the query engine could not open the store"))
        return worker

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ask(self, job: dict, deadline: float) -> tuple[dict, bytes]:
        """Send a job, wait for the reply until `deadline`; raises _TimedOut or _Crashed."""
        data = json.dumps(job).encode("utf-8")
        data = _LEN.pack(len(data)) + data
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.proc.stdin.fileno(), view) :]
        except OSError:
            raise _Crashed() from None
        header = json.loads(self._frame(deadline))
        return header, self._frame(deadline)

    def _frame(self, deadline: float) -> bytes:
        (size,) = _LEN.unpack(self._read(4, deadline))
        return self._read(size, deadline)

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        buf = self.buffer  # a reply usually arrives in one read: header and body together
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _TimedOut()
            chunk = os.read(fd, max(n - len(buf), 1 << 16))
            if not chunk:
                raise _Crashed()
            buf += chunk
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def crash_reason(self) -> str:
        """One line saying why the worker died: the Rust panic message, or the signal or exit status."""
        try:
            code = self.proc.wait(2)
        except subprocess.TimeoutExpired:
            code = None
        self.log.seek(0)
        return describe_crash(self.log.read()[-20000:].decode("utf-8", "replace"), code)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
            pass
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe:
                pipe.close()
        self.log.close()


class EnginePool:
    """`size` workers on `<release>/store`; `run` answers one query job with a Reply (never raises)."""

    def __init__(self, release: Path, size: int = 3, cap: int = MAX_RESULT):
        self.release, self.size, self.cap = release, size, cap
        self.generation = 0
        self.signature = self._signature()
        self.idle: queue.Queue[Worker | None] = queue.Queue()
        self.lock = threading.Lock()
        self.workers: set[Worker] = set()
        self.extras = 0
        self.closed = False

    # ---- life cycle
    def start(self) -> None:
        """Open the store in a first worker (raising its error, e.g. an outdated store); the rest on use."""
        self.idle.put(self._spawn())
        for _ in range(self.size - 1):
            self.idle.put(None)  # spawned on first use

    def close(self) -> None:
        self.closed = True
        with self.lock:
            workers = list(self.workers)
        for w in workers:
            w.kill()

    def pids(self) -> list[int]:
        with self.lock:
            return [w.pid for w in self.workers if w.alive()]

    def _spawn(self) -> Worker:
        generation = self.generation
        store = ReleaseDir(self.release).store_path
        if not store.is_dir():
            raise EngineError(
                f"no release store at {store}: build one with `exilegraph release` or pass --release DIR"
            )
        worker = Worker.spawn(store, generation)
        with self.lock:
            self.workers.add(worker)
            if self.closed:
                self.workers.discard(worker)
                worker.kill()
        return worker

    def _extra(self) -> Worker | Reply | None:
        """A worker beyond the pool's size, or None when `size` extra ones already run."""
        with self.lock:
            if self.extras >= self.size or self.closed:
                return None
            self.extras += 1
        try:
            worker = self._spawn()
        except EngineError as exc:
            with self.lock:
                self.extras -= 1
            return Reply.error(503, str(exc))
        worker.extra = True
        return worker

    def _retire(self, worker: Worker, respawn: bool = True) -> None:
        """Kill a worker and put a fresh one (or an empty slot) back, in the background."""
        with self.lock:
            self.workers.discard(worker)
        worker.kill()
        if worker.extra:  # its slot was never in the pool
            with self.lock:
                self.extras -= 1
            return

        def refill():
            try:
                self.idle.put(self._spawn())
            except EngineError:
                self.idle.put(None)

        if respawn and not self.closed:
            threading.Thread(target=refill, daemon=True).start()
        else:
            self.idle.put(None)

    # ---- the release
    def _signature(self) -> tuple | None:
        try:
            st = os.stat(ReleaseDir(self.release).manifest_path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def check_release(self) -> str | None:
        """None when the release is there (noting a rebuild), else the reason no query can run."""
        signature = self._signature()
        if signature is None:
            return (
                f"the release at {self.release} is missing (being rebuilt?): "
                "no query can run until it is back"
            )
        if signature != self.signature:
            with self.lock:
                if signature != self.signature:
                    self.signature = signature
                    self.generation += 1
        return None

    # ---- queries
    def run(self, job: dict, timeout: float) -> Reply:
        """Run a query job ({query, results, graph, default_graph, named_graph}) within `timeout` seconds."""
        gone = self.check_release()
        if gone:
            return Reply.error(503, gone)
        deadline = time.monotonic() + timeout
        rewritten = order_rewrite(job["query"])  # the engine cannot order mixed values: see guard.py
        if rewritten is not None:
            reply = self._run({**job, "query": rewritten, "cap": self.cap}, deadline, timeout)
            if reply.status != 400:
                return reply  # a 400 may come from the rewrite: the text as given says what is wrong
        return self._run({**job, "cap": self.cap}, deadline, timeout)

    def _run(self, job: dict, deadline: float, timeout: float) -> Reply:
        worker = self._acquire(deadline)
        if isinstance(worker, Reply):
            return worker
        try:
            header, body = worker.ask(job, deadline)
        except _TimedOut:
            self._retire(worker)
            return Reply.error(
                503,
                f"the query ran for more than {timeout:g} s and was stopped; narrow it "
                "down (more specific patterns, LIMIT)",
            )
        except _Crashed:
            reason = worker.crash_reason()
            self._retire(worker)
            return Reply.error(
                500,
                f"the query engine crashed on this query ({reason}); it was restarted "
                "and other queries are not affected",
            )
        if worker.generation != self.generation or worker.extra:
            self._retire(worker)
        else:
            self.idle.put(worker)
        if not header.get("ok"):
            return Reply.error(header.get("status", 500), header.get("message", "the query failed"))
        return Reply(200, header["media"], body, header["kind"])

    def _acquire(self, deadline: float) -> Worker | Reply:
        try:
            item = self.idle.get(timeout=max(0.0, min(EXTRA_AFTER, deadline - time.monotonic())))
        except queue.Empty:
            extra = self._extra()  # every engine is held by long queries: this one gets its own
            if extra is not None:
                return extra
            try:
                item = self.idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return Reply.error(503, f"all {self.size} query engines are busy; try again shortly")
        if item is not None and item.alive() and item.generation == self.generation:
            return item
        if item is not None:
            with self.lock:
                self.workers.discard(item)
            item.kill()
        try:
            return self._spawn()
        except EngineError as exc:
            self.idle.put(None)
            return Reply.error(503, str(exc))
