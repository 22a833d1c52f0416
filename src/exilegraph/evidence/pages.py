"""The release's evidence pages: `evidence/<case-id>.md` and `evidence/<case-id>.html` for every case.

From a few hundred records on, forked workers type a share of the records each and render their cases:
a case's page also needs persons and organisations defined in other records, so the workers first send
those (the typed persons and organisations, and the sources of records whose organisations have events)
and the main process hands back the dataset's index, first definition wins as in `all_evidence`.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordError
from ..findings import ERROR, Finding
from ..gcpause import paused_gc
from ..model import Organisation, Person, RecordFile, Source
from ..records import RawRecord, Record
from .build import _Builder, _Index
from .render import render_html, render_markdown

EVIDENCE_DIR = "evidence"
PER_JOB = 200  # records a worker needs to pay for itself


def _typed_one(path: str, parts: tuple[str, ...] | None = None) -> Record:
    """The record of `path` typed again; only the top-level `parts` of it when given (then the case, if
    any, keeps only its id: `model.case` is None and `raw.data` is {"case": id}). Raises RecordError."""
    from ..readers import read_file

    raw = read_file(Path(path))
    data = raw.data if parts is None else {k: v for k, v in raw.data.items() if k in parts}
    if parts is not None:
        case = raw.data.get("case")
        kept = {"case": case.get("id") if isinstance(case, dict) else None}
        return Record(RawRecord(raw.path, raw.sha256, raw.format, kept, _nowhere), _validated(raw, data))
    return Record(RawRecord(raw.path, raw.sha256, raw.format, {}, _nowhere), _validated(raw, data))


def _validated(raw: RawRecord, data: dict) -> RecordFile:
    try:
        return RecordFile.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError: the file changed since it was validated
        raise _changed(raw.path, str(exc).splitlines()[0]) from None


def _changed(path: str, why: str) -> RecordError:
    return RecordError(
        [
            Finding(
                path,
                1,
                1,
                ERROR,
                "changed-record",
                "",
                f"the record changed while the release was built ({why})",
                "build the release again",
            )
        ]
    )


def _typed(paths: list[str]) -> list[Record]:
    """The records the release has already validated, typed again from their files (the worker processes
    that validated them keep no typed records)."""
    return [_typed_one(p) for p in paths]


def write_evidence_pages(
    folder: Path,
    record_paths: list[str],
    *,
    internal: bool = False,
    jobs: int | None = None,
    cases: Collection[str] | None = None,
) -> dict[str, str]:
    """Write one Markdown and one HTML evidence page per case of the records into `folder/evidence/`, or
    only of `cases` (the records must then hold everything their pages read: see release/carry.py);
    returns the SHA-256 of each written file by its path relative to `folder`. `jobs` processes do the
    work (default: one per CPU from a few hundred records on). Raises RecordError when a record can no
    longer be read (it changed since it was validated) and OSError when the folder cannot be written."""
    target = folder / EVIDENCE_DIR
    target.mkdir(parents=True, exist_ok=True)
    wanted = None if cases is None else frozenset(cases)
    if jobs is None:
        jobs = min(os.cpu_count() or 1, max(1, len(record_paths) // PER_JOB))
    if jobs <= 1 or "fork" not in mp.get_all_start_methods():
        written: dict[str, str] = {}
        with paused_gc():  # many long-lived typed objects, no cycles worth collecting
            index = _Index(_typed(record_paths))
            for cid in sorted(index.cases):
                if wanted is None or cid in wanted:
                    written.update(_write(folder, _Builder(index, index.cases[cid], internal).build()))
    else:
        with paused_gc():
            written = _parallel(folder, record_paths, internal, jobs, wanted)
    return dict(sorted(written.items()))


def _write(folder: Path, ev) -> dict[str, str]:
    """Write a case's two pages; their digests by path relative to `folder`."""
    out = {}
    for suffix, render in ((".md", render_markdown), (".html", render_html)):
        data = render(ev).encode("utf-8")
        rel = f"{EVIDENCE_DIR}/{ev.case_id}{suffix}"
        with open(folder / rel, "wb") as fh:
            fh.write(data)
        out[rel] = hashlib.sha256(data).hexdigest()
    return out


# --- forked workers ---------------------------------------------------------------------------------


@dataclass
class _Defined:
    """What one worker's records define, by the record's place in the release's list."""

    cases: dict[int, str] = field(default_factory=dict)
    persons: list[tuple[int, str, Person]] = field(default_factory=list)
    organisations: list[tuple[int, str, Organisation]] = field(default_factory=list)
    sources: dict[int, tuple[str, list[Source]]] = field(default_factory=dict)  # of records with org events


@dataclass
class _Shared:
    """The dataset's index as the main process merged it: first definition wins."""

    cases: dict[str, int]
    persons: dict[str, Person]
    organisations: dict[str, tuple[Organisation, int]]
    sources: dict[int, tuple[str, list[Source]]]


_DEFINITIONS = ("persons", "organisations", "sources")


def _defined(paths: list[tuple[int, str]]) -> _Defined:
    """What the records define, typed from their files without their cases (most of a record)."""
    out = _Defined()
    for i, path in paths:
        r = _typed_one(path, _DEFINITIONS)
        m = r.model
        case_id = r.raw.data["case"]
        if case_id is not None:
            if not isinstance(case_id, str):
                raise _changed(r.path, "its case has no id")
            out.cases[i] = case_id
        out.persons += [(i, p.id, p) for p in m.persons or []]
        out.organisations += [(i, o.id, o) for o in m.organisations or []]
        if any(o.events for o in m.organisations or []):
            out.sources[i] = (r.path, list(m.sources or []))
    return out


def _merge(parts: list[_Defined]) -> _Shared:
    persons: dict[str, tuple[int, Person]] = {}
    orgs: dict[str, tuple[int, Organisation]] = {}
    cases: dict[str, int] = {}
    for i, pid, p in sorted((x for d in parts for x in d.persons), key=lambda x: x[0]):
        persons.setdefault(pid, (i, p))
    for i, oid, o in sorted((x for d in parts for x in d.organisations), key=lambda x: x[0]):
        orgs.setdefault(oid, (i, o))
    for i, cid in sorted(x for d in parts for x in d.cases.items()):
        cases.setdefault(cid, i)
    used = {i for i, _ in orgs.values()}
    sources = {i: s for d in parts for i, s in d.sources.items() if i in used}
    return _Shared(
        cases, {k: p for k, (_, p) in persons.items()}, {k: (o, i) for k, (i, o) in orgs.items()}, sources
    )


def _nowhere(_path) -> tuple[int, int]:  # the pages never point at a line of a record
    return 1, 1


def _render_share(
    conn, folder: Path, paths: list[tuple[int, str]], internal: bool, wanted: frozenset[str] | None
) -> None:
    """A worker: send what its share of the records defines, receive the dataset's index, then type each
    record of a wanted case again and write its pages (typed records are not kept: memory stays flat);
    send the digests of the pages written."""
    try:
        written: dict[str, str] = {}
        conn.send(("ok", _defined(paths)))
        shared: _Shared = conn.recv()
        stand_ins: dict[int, Record] = {}

        def record_of(i: int) -> Record:  # what an organisation's events need of its record: its sources
            if i not in stand_ins:
                path, sources = shared.sources[i]
                raw = RawRecord(path, "", "", {}, _nowhere)
                stand_ins[i] = Record(raw, RecordFile.model_construct(sources=sources))
            return stand_ins[i]

        index = _Index([])
        index.persons = {pid: (p, None) for pid, p in shared.persons.items()}
        index.organisations = {
            oid: (o, record_of(i) if o.events else None) for oid, (o, i) in shared.organisations.items()
        }
        mine = dict(paths)
        for cid, i in sorted(shared.cases.items()):
            if i not in mine or (wanted is not None and cid not in wanted):
                continue
            record = _typed_one(mine[i])
            if record.model.case is None or record.model.case.id != cid:
                raise _changed(record.path, "its case id is not the one read first")
            written.update(_write(folder, _Builder(index, record, internal).build()))
        conn.send(("ok", written))
    except RecordError as exc:
        conn.send(("record", exc.findings))
    except OSError as exc:
        conn.send(("os", str(exc)))
    finally:
        conn.close()


def _parallel(
    folder: Path, record_paths: list[str], internal: bool, jobs: int, wanted: frozenset[str] | None
) -> dict[str, str]:
    ctx = mp.get_context("fork")
    numbered = list(enumerate(record_paths))
    workers = []
    done = False
    try:
        for w in range(jobs):
            here, there = ctx.Pipe()
            proc = ctx.Process(
                target=_render_share, args=(there, folder, numbered[w::jobs], internal, wanted)
            )
            proc.start()
            there.close()
            workers.append((proc, here))
        parts = [_answer(conn) for _, conn in workers]
        shared = _merge(parts)
        for _, conn in workers:
            conn.send(shared)
        written: dict[str, str] = {}
        for _, conn in workers:
            written.update(_answer(conn))
        done = True
    finally:
        for proc, conn in workers:
            conn.close()
            if not done:
                proc.kill()
            proc.join()
    return written


def _answer(conn):
    try:
        kind, value = conn.recv()
    except EOFError:
        raise OSError("an evidence page worker stopped without an answer") from None
    if kind == "record":
        raise RecordError(value)
    if kind == "os":
        raise OSError(value)
    return value
