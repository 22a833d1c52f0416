"""A worker process that loads the per-record pipeline while the run finds out which records changed.

Loading the pipeline (the pydantic model, the mapper, RDF and SHACL code) takes longer than finding the
changed files of a dataset of ten thousand records, and a run that finds every record cached needs none
of it. So a run on a machine with a second core starts one worker before it lists the files: the worker
imports the pipeline and waits. When records need checking, the worker checks them (pipeline.process_files,
as the run would) and sends back each one's findings and summary as JSON; when none do, it is stopped
unused. A worker that fails or dies only costs time: the run then checks the files itself.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import NamedTuple

from ..findings import Finding
from ..records import RecordSummary


class Checked(NamedTuple):
    """What the run needs of one checked file (pipeline.Processed, without the graph)."""

    path: str
    sha256: str
    findings: list[Finding]
    summary: RecordSummary | None


class Checker:
    """The worker process, started by start(); receive() or stop() ends it."""

    def __init__(self, pid: int, send: int, receive: int):
        self.pid, self._send, self._receive = pid, send, receive

    @classmethod
    def start(cls) -> Checker | None:
        """A worker, or None where it would not save time or could not be started safely: without fork
        (or where fork is not the usual start method: macOS), on one core, or in a process with other
        threads (a forked child could inherit a lock one of them holds)."""
        if sys.platform != "linux" or threading.active_count() != 1 or len(os.sched_getaffinity(0)) < 2:
            return None
        work_r, work_w = os.pipe()
        result_r, result_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (work_r, work_w, result_r, result_w):
                os.close(fd)
            return None
        if pid == 0:  # the worker: never returns
            status = 1
            try:
                os.close(work_w)
                os.close(result_r)
                _serve(work_r, result_w)
                status = 0
            finally:
                os._exit(status)
        os.close(work_r)
        os.close(result_w)
        return cls(pid, work_w, result_r)

    def send(self, files: list[str], jobs: int | None, use_cache: bool = True) -> bool:
        """Hands the worker the files to check; False when it cannot take them (it is then stopped)."""
        try:
            with os.fdopen(self._send, "wb") as out:
                self._send = -1
                out.write(json.dumps({"files": files, "jobs": jobs, "cache": use_cache}).encode("utf-8"))
            return True
        except OSError:
            self.stop()
            return False

    def receive(self) -> tuple[list[Checked], str | None] | None:
        """The files checked by the worker, in their order, and the SHACL engine's note (engine_note);
        None when the worker failed. Ends the worker."""
        try:
            with os.fdopen(self._receive, "rb") as back:
                self._receive = -1
                answer = back.read()
            status, self.pid = _reap(self.pid), 0
            if status != 0:
                return None
            data = json.loads(answer)
            items = [
                Checked(
                    path,
                    sha,
                    [Finding(*f) for f in found],
                    RecordSummary.from_data(summary) if summary is not None else None,
                )
                for path, sha, found, summary in data["items"]
            ]
            return items, data["note"]
        except (OSError, ValueError, TypeError, KeyError):
            return None
        finally:
            self.stop()

    def stop(self) -> None:
        """Ends the worker unused."""
        for fd in (self._send, self._receive):
            if fd >= 0:
                os.close(fd)
        self._send = self._receive = -1
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _reap(self.pid)
            self.pid = 0


def _reap(pid: int) -> int:
    """Waits for the worker to end; its exit status (-1 when it was killed or is not there)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


def _serve(work: int, result: int) -> None:
    """The worker's life: load the pipeline, wait for the files, check them, answer."""
    # pydantic looks for plugins (observers of validation) in every installed package's metadata when the
    # model is built: none watches this worker's, and the look-up is a tenth of its start
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    from ..pipeline import Options, process_files  # the point: loading it while the run looks for changes

    _warm()
    with os.fdopen(work, "rb") as inp:
        asked = inp.read()
    if not asked:  # stopped unused
        return
    request = json.loads(asked)
    items = process_files(request["files"], Options(use_cache=request["cache"]), request["jobs"])[0]
    from ..shacl.engine import engine_note

    note = engine_note()
    answer = {
        "items": [
            [i.path, i.sha256, [list(f) for f in i.findings], i.summary.as_data() if i.summary else None]
            for i in items
        ],
        "note": note,
    }
    with os.fdopen(result, "wb") as out:
        out.write(json.dumps(answer).encode("utf-8"))


def _warm() -> None:
    """Loads what checking the first record would load (the YAML reader and its locator, the schema's
    compiled validator, the SHACL engine, the cache key's fingerprint): in a large dataset the worker is
    ready before the run knows what changed."""
    from pathlib import Path

    from .. import _schema_validator  # noqa: F401
    from ..cachekey import fingerprint
    from ..readers import reader_for
    from ..shacl.engine import engine_note

    reader_for(Path("record.yaml"))
    engine_note()
    fingerprint()
