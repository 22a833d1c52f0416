"""An engine worker: `python -m exilegraph.server.worker STORE` opens the store read-only and answers jobs.

Jobs and replies are frames on stdin and stdout: a 4-byte big-endian length, then JSON; a reply's JSON
is followed by a second frame holding the serialised result. The worker holds no state between jobs
but the open store, so the pool may kill it at any moment (time limit) and start another.
"""

from __future__ import annotations

import json
import signal
import struct
import sys
from pathlib import Path

_LEN = struct.Struct(">I")


def write_frame(out, data: bytes) -> None:
    out.write(_LEN.pack(len(data)) + data)


def read_frame(inp) -> bytes | None:
    head = inp.read(4)
    if len(head) < 4:
        return None
    (size,) = _LEN.unpack(head)
    data = inp.read(size)
    return data if len(data) == size else None


def describe_crash(stderr: str, code: int | None) -> str:
    """One line saying why a worker died: the Rust panic message, a stack overflow, a signal or a status."""
    lines = [ln.strip() for ln in stderr.splitlines()]
    for i, line in enumerate(lines):
        if " panicked at " in line and i + 1 < len(lines):
            return f"engine panic: {lines[i + 1]}"
        if "stack overflow" in line:
            return "engine stack overflow"
    if code is not None and code < 0:
        return f"engine killed by signal {-code}"
    return f"engine exit status {code}"


def answer(store, job: dict) -> tuple[dict, bytes]:
    """Run one job {query, results, graph, cap, default_graph?, named_graph?}: (reply header, body)."""
    import pyoxigraph as ox

    from .formats import ResultTooLarge, serialise

    kwargs = {}
    if job.get("default_graph"):
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job["default_graph"]]
    if job.get("named_graph"):
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graph"]]
    try:
        result = store.query(job["query"], **kwargs)
        out = serialise(result, job.get("results", "json"), job.get("graph", "turtle"), job["cap"])
    except SyntaxError as exc:
        return {"ok": False, "status": 400, "message": f"SPARQL syntax error: {exc}"}, b""
    except ResultTooLarge as exc:
        return {"ok": False, "status": 503, "message": f"{exc}; narrow the query down or add LIMIT"}, b""
    except (OSError, RuntimeError, ValueError, TypeError, MemoryError) as exc:
        return {"ok": False, "status": 500, "message": f"the query failed: {exc}"}, b""
    return {"ok": True, "kind": out.kind, "media": out.media}, out.body


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is the front's to handle
    import pyoxigraph as ox

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    folder = Path(argv[0])
    try:
        store = ox.Store.read_only(str(folder))
    except OSError as exc:
        write_frame(
            out, json.dumps({"ok": False, "message": f"cannot open the store at {folder}: {exc}"}).encode()
        )
        out.flush()
        return 1
    write_frame(out, json.dumps({"ok": True, "ready": True}).encode())
    out.flush()
    while True:
        frame = read_frame(inp)
        if frame is None:
            return 0
        header, body = answer(store, json.loads(frame))
        write_frame(out, json.dumps(header).encode())
        write_frame(out, body)
        out.flush()


if __name__ == "__main__":  # pragma: no cover - the worker process
    sys.exit(main(sys.argv[1:]))
