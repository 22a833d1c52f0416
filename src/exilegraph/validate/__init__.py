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

from ..cachekey import fingerprint, result_key
from ..diskcache import ResultCache
from ..findings import Finding, ordered
from ..readers import display_paths, find_record_files, find_record_paths
from .dataset_checks import check_dataset
from .filestat import file_digests
from .index import IndexDamaged, ResultIndex, RunRecord

__all__ = ["check_dataset", "validate_paths"]


def dataset_records(path: Path) -> Path | None:
    """The records/ folder of the dataset a file belongs to: the nearest folder named `records` above it
    (walking up to the file system's root), or None for a file outside any dataset."""
    for folder in Path(os.path.realpath(path)).parents:  # realpath: a looping link raises nothing
        if folder.name == "records":
            return folder
    return None


def process_files(files: list[Path], options, jobs: int | None = None):
    """pipeline.process_files, imported when a record needs checking (it loads the model, RDF, SHACL)."""
    from ..pipeline import process_files as process

    return process(files, options, jobs)


def validate_paths(paths: list[Path], *, use_cache: bool = True, jobs: int | None = None) -> list[Finding]:
    """All three layers over the record files under `paths`; unchanged records are not even parsed.

    A file named on its own inside a dataset is checked against the whole dataset (references to
    organisations defined elsewhere, ids that clash with another file), and only its findings are
    reported. Returns the findings, sorted. Raises RecordError when a named path does not exist.

    Example: ``validate_paths([Path("records/new-case.yaml")])``."""
    named = _record_files(paths)
    context: dict[str, str] = {}
    for p in dict.fromkeys(dataset_records(p) for p in map(Path, paths) if not p.is_dir()):
        if p is not None:
            context.update(find_record_paths(str(p)))
    files = {shown: f for f, shown in context.items()}
    files.update({shown: f for f, shown in named.items()})  # one entry per file, however it was reached
    if not context:
        return _validate_files(files, use_cache=use_cache, jobs=jobs, late=set(), want=None)
    shown = set(named.values())
    findings = _validate_files(files, use_cache=use_cache, jobs=jobs, late=shown, want=shown)
    return [f for f in findings if f.path in shown]


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
    files: dict[str, str], *, use_cache: bool, jobs: int | None, late: set[str], want: set[str] | None
) -> list[Finding]:
    """The findings of `files` (by shown path); `late` files come after the others when an id is
    defined twice; only the findings of `want` files are needed (None: all)."""
    cache = ResultCache(enabled=use_cache)
    db = cache.connection()
    if db is not None:
        try:
            return _from_index(db, cache, files, jobs, late, want)
        except IndexDamaged:
            _clear(db)  # indexed again from the entries on the next run
        except sqlite3.Error:
            pass  # a cache that fails costs time only: decode the entries instead
    return _from_entries(cache, files, jobs, late)


def _from_index(
    db: sqlite3.Connection,
    cache: ResultCache,
    files: dict[str, str],
    jobs: int | None,
    late: set[str],
    want: set[str] | None,
) -> list[Finding]:
    """_validate_files with the index: records not indexed yet are indexed from their cache entries, or
    checked; then the wanted findings come from the index. Raises IndexDamaged, sqlite3.Error."""
    digests = file_digests(db, list(files.values()))
    prefix = fingerprint()
    keys = {}
    for shown, f in files.items():
        sha = digests[f]
        keys[shown] = result_key(shown, sha, prefix=prefix) if sha else ""
    index = ResultIndex(db)
    todo = index.missing([k for k in keys.values() if k])
    findings: list[Finding] = []
    if todo or "" in keys.values():
        from ..pipeline import Options, cached_result

        cached = cache.get_many(list(todo))
        hits = {k: hit for k in todo if k in cached and (hit := cached_result(cached[k])) is not None}
        index.add(hits)
        missing = _sorted(files[s] for s, k in keys.items() if not k or (k in todo and k not in hits))
        fresh = {}
        for item in process_files(missing, Options(use_cache=True), jobs)[0]:
            if item.summary is None:  # a file with errors that stop the later layers: never cached
                keys[item.path] = ""
                findings += item.findings
            else:  # its key as the pipeline read it (the file may have changed since it was hashed)
                keys[item.path] = result_key(item.path, item.sha256, prefix=prefix)
                fresh[keys[item.path]] = (item.findings, item.summary)
        index.add(fresh)
    run = [RunRecord(k, s, s in late, want is None or s in want) for s, k in keys.items() if k]
    return ordered(findings + index.findings(run))


def _clear(db) -> None:
    try:
        ResultIndex(db).clear()
    except sqlite3.Error:
        pass


def _from_entries(
    cache: ResultCache, files: dict[str, str], jobs: int | None, late: set[str]
) -> list[Finding]:
    """_validate_files without the index: every cache entry decoded, the dataset checks in memory."""
    from ..pipeline import Options, cached_result

    options = Options(use_cache=cache.enabled)
    digests = file_digests(None, list(files.values()))
    keys = {shown: options.cache_key(shown, digests[f]) if digests[f] else "" for shown, f in files.items()}
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
    for item in process_files(_sorted(missing), options, jobs)[0]:
        findings += item.findings
        if item.summary:
            summaries.append(item.summary)
    findings += check_dataset(summaries, newcomers=late)
    return ordered(findings)


def _sorted(files) -> list[Path]:
    return sorted(map(Path, files), key=lambda f: f.parts)  # as find_record_files orders them
