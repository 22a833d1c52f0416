"""Validation in three layers: the schema (per record), SHACL (per record, cached, in parallel),
and checks across the dataset (once). Findings are data; see findings.py.

The per-record layers run in the shared pipeline (pipeline.py), which the release uses too. A run that
finds every record cached imports none of it: file digests come from their stat (filestat.py), and the
cached findings and the checks across the dataset from rows of the cache (index.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..cachekey import cached_result, fingerprint, result_key
from ..diskcache import ResultCache
from ..findings import Finding, Report, ordered, render
from ..readers import display_paths, find_record_files, find_record_paths
from .checker import Checked, Checker
from .dataset_checks import check_dataset
from .filestat import file_digests
from .index import IndexDamaged, ResultIndex, RunRecord
from .known import Known, forget

__all__ = ["check_dataset", "validate_paths", "validate_report"]


def dataset_records(path: Path) -> Path | None:
    """The records/ folder of the dataset a file belongs to: the nearest folder named `records` above it
    (walking up to the file system's root), or None for a file outside any dataset."""
    for folder in Path(os.path.realpath(path)).parents:  # realpath: a looping link raises nothing
        if folder.name == "records":
            return folder
    return None


class _Checking:
    """How this run checks files with the pipeline (process_files): in the worker when it started one
    (checker.py), else in this process; and the SHACL engine's note for the report."""

    def __init__(self, use_cache: bool, jobs: int | None, worker: Checker | None = None):
        self.use_cache, self.jobs, self.worker = use_cache, jobs, worker
        self.notes: list[str] = []


def process_files(files: list[Path], how: _Checking, meanwhile=None) -> list[Checked]:
    """The files checked by the pipeline, in their order (pipeline.process_files); `meanwhile` is called
    while the worker checks them, if one does."""
    if not files:
        return []
    worker, how.worker = how.worker, None
    if worker is not None and worker.send([str(f) for f in files], how.jobs, how.use_cache):
        if meanwhile is not None:
            meanwhile()
        answer = worker.receive()
        if answer is not None:
            how.notes += [answer[1]] if answer[1] else []
            return answer[0]
    from ..pipeline import Options  # loads the model, RDF and SHACL
    from ..pipeline import process_files as process
    from ..shacl.engine import engine_note

    items = process(files, Options(use_cache=how.use_cache), how.jobs)[0]
    how.notes += [note] if (note := engine_note()) else []
    return [Checked(i.path, i.sha256, i.findings, i.summary) for i in items]


def validate_paths(paths: list[Path], *, use_cache: bool = True, jobs: int | None = None) -> list[Finding]:
    """All three layers over the record files under `paths`; unchanged records are not even parsed.

    A file named on its own inside a dataset is checked against the whole dataset (references to
    organisations defined elsewhere, ids that clash with another file), and only its findings are
    reported. Returns the findings, sorted. Raises RecordError when a named path does not exist.

    Example: ``validate_paths([Path("records/new-case.yaml")])``."""
    return _validate(paths, use_cache, jobs, None)


def validate_report(
    paths: list[Path], fmt: str = "text", *, use_cache: bool = True, jobs: int | None = None
) -> Report:
    """What validate_paths finds, as the report `exilegraph validate` prints in `fmt` ("text" or "json"):
    the findings of records served by the index come rendered, so a large dataset's report costs little
    more than reading it. Raises RecordError when a named path does not exist."""
    return _validate(paths, use_cache, jobs, fmt)


def _validate(paths: list[Path], use_cache: bool, jobs: int | None, fmt: str | None):
    worker = Checker.start() if use_cache else None  # loads the pipeline while the files are listed
    try:
        named = _record_files(paths)
        context: dict[str, str] = {}
        for p in dict.fromkeys(dataset_records(p) for p in map(Path, paths) if not p.is_dir()):
            if p is not None:
                context.update(find_record_paths(str(p)))
        files = {shown: f for f, shown in context.items()}
        files.update({shown: f for f, shown in named.items()})  # one entry per file, however it was reached
        check = _Checking(use_cache, jobs, worker)
        if not context:
            return _validate_files(files, check, late=set(), want=None, fmt=fmt)
        shown = set(named.values())
        found = _validate_files(files, check, late=shown, want=shown, fmt=fmt)
        if isinstance(found, Report):
            return Report([r for r in found.files if r.path in shown], found.notes)
        return [f for f in found if f.path in shown]
    finally:
        if worker is not None:
            worker.stop()


def _record_files(paths: list[Path]) -> dict[str, str]:
    """find_record_files, as strings, each with its display_path. Raises RecordError."""
    out: dict[str, str] = {}
    for p in paths:
        if Path(p).is_dir():
            out.update(find_record_paths(str(p)))
        else:
            out.update(display_paths(str(f) for f in find_record_files([p])))
    return out


def _validate_files(
    files: dict[str, str], check: _Checking, *, late: set[str], want: set[str] | None, fmt: str | None
) -> list[Finding] | Report:
    """The findings of `files` (by shown path), as a Report in `fmt` or (None) sorted; `late` files come
    after the others when an id is defined twice; only the findings of `want` files are needed (None: all)."""
    if not all(_storable(shown) for shown in files):
        # a file name the file system gave as bytes that are not UTF-8: SQLite cannot hold it, so this
        # run checks every record as --no-cache does
        check.use_cache = False
    cache = ResultCache(enabled=check.use_cache)
    db = cache.connection()
    if db is not None:
        try:
            return _from_index(db, cache, files, check, late, want, fmt)
        except IndexDamaged:
            _clear(db)  # indexed again from the entries on the next run
        except sqlite3.Error:
            pass  # a cache that fails costs time only: decode the entries instead
    found = _from_entries(cache, files, check, late)
    if fmt is None:
        return found
    by: dict[str, list[Finding]] = {}
    for f in found:
        by.setdefault(f.path, []).append(f)
    return Report([render(path, fs) for path, fs in by.items()], check.notes)


def _from_index(
    db: sqlite3.Connection,
    cache: ResultCache,
    files: dict[str, str],
    check: _Checking,
    late: set[str],
    want: set[str] | None,
    fmt: str | None,
) -> list[Finding] | Report:
    """_validate_files with the index: records not indexed yet are indexed from their cache entries, or
    checked; then the wanted findings come from the index. Raises IndexDamaged, sqlite3.Error."""
    prefix = fingerprint()
    index = ResultIndex(db)
    known = Known(db, prefix)
    recs, others = known.see(files)
    keys = {
        shown: result_key(shown, s.sha256, prefix=prefix) if s.sha256 else "" for shown, s in others.items()
    }
    todo = index.missing([k for k in keys.values() if k], prefix=f"{prefix}:")
    hits = {}
    if todo:
        cached = cache.get_many(list(todo))
        hits = {k: hit for k in todo if k in cached and (hit := cached_result(cached[k])) is not None}
        index.add(hits)
    recs.update(index.ids({s: k for s, k in keys.items() if k}))
    known.keep(files, others, recs)  # (the files checked below are kept by the next run that reads them)
    missing = _sorted(files[s] for s, k in keys.items() if not k or (k in todo and k not in hits))
    findings: list[Finding] = []
    if missing:
        fresh = {}
        everything = want is None or set(files) <= want  # the run's report is then that of the whole run
        ahead = (lambda: index.read_ahead(fmt)) if fmt is not None and everything else None
        for item in process_files(missing, check, ahead):
            if item.summary is None:  # a file with errors that stop the later layers: never cached
                recs.pop(item.path, None)
                findings += item.findings
            else:  # its key as the pipeline read it (the file may have changed since it was hashed)
                key = result_key(item.path, item.sha256, prefix=prefix)
                fresh[key] = (item.findings, item.summary)
                recs.pop(item.path, None)
                keys[item.path] = key
        index.add(fresh)
        recs.update(index.ids({s: k for s, k in keys.items() if k in fresh}))
    run = [RunRecord("", s, s in late, want is None or s in want, rec) for s, rec in recs.items()]
    if fmt is not None:
        return Report(index.report(run, findings, fmt), check.notes)
    return ordered(findings + index.findings(run))


def _clear(db) -> None:
    try:
        ResultIndex(db).clear()
        forget(db)
    except sqlite3.Error:
        pass


def _from_entries(
    cache: ResultCache, files: dict[str, str], check: _Checking, late: set[str]
) -> list[Finding]:
    """_validate_files without the index: every cache entry decoded, the dataset checks in memory."""
    digests = file_digests(None, list(files.values()))
    keys = {shown: result_key(shown, digests[f]) if digests[f] else "" for shown, f in files.items()}
    cached = cache.get_many([k for k in keys.values() if k])
    findings: list[Finding] = []
    summaries = []
    missing = []
    for shown, k in keys.items():
        hit = cached_result(cached[k]) if k in cached else None
        if hit is None:
            missing.append(files[shown])
        else:
            findings += hit[0]
            summaries.append(hit[1])
    for item in process_files(_sorted(missing), check):
        findings += item.findings
        if item.summary:
            summaries.append(item.summary)
    findings += check_dataset(summaries, newcomers=late)
    return ordered(findings)


def _storable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sorted(files) -> list[Path]:
    return sorted(map(Path, files), key=lambda f: f.parts)  # as find_record_files orders them
