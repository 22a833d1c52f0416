"""Validation in three layers: the schema (per record), SHACL (per record, cached, in parallel),
and checks across the dataset (once). Findings are data; see findings.py.

The per-record layers run in the shared pipeline (pipeline.py), which the release uses too.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..diskcache import ResultCache
from ..findings import Finding, ordered
from ..pipeline import Options, cached_result, process_files
from ..readers import display_path, find_record_files
from ..records import sha256_bytes
from .dataset_checks import check_dataset

__all__ = ["check_dataset", "validate_paths"]


def dataset_records(path: Path) -> Path | None:
    """The records/ folder of the dataset a file belongs to: the nearest folder named `records` above it
    (walking up to the file system's root), or None for a file outside any dataset."""
    for folder in Path(os.path.realpath(path)).parents:  # realpath: a looping link raises nothing
        if folder.name == "records":
            return folder
    return None


def validate_paths(paths: list[Path], *, use_cache: bool = True, jobs: int | None = None) -> list[Finding]:
    """All three layers over the record files under `paths`; unchanged records are not even parsed.

    A file named on its own inside a dataset is checked against the whole dataset (references to
    organisations defined elsewhere, ids that clash with another file), and only its findings are
    reported. Returns the findings, sorted. Raises RecordError when a named path does not exist.

    Example: ``validate_paths([Path("records/new-case.yaml")])``."""
    named = find_record_files(paths)
    context: list[Path] = []
    for p in dict.fromkeys(dataset_records(p) for p in map(Path, paths) if not p.is_dir()):
        if p is not None:
            context += find_record_files([p])
    by_shown = {display_path(f): f for f in context}
    by_shown.update({display_path(f): f for f in named})  # one entry per file, however it was reached
    files = list(by_shown.values())
    findings = _validate_files(
        files, use_cache=use_cache, jobs=jobs, last={str(f) for f in named} if context else None
    )
    if not context:
        return findings
    shown = {display_path(f) for f in named}
    return [f for f in findings if f.path in shown]


def _validate_files(
    files: list[Path], *, use_cache: bool, jobs: int | None, last: set[str] | None
) -> list[Finding]:
    options = Options(use_cache=use_cache)
    cache = ResultCache(enabled=use_cache)
    keys: dict[str, str] = {}
    for f in files:
        try:
            if not f.is_file():  # a folder, pipe or broken link: the pipeline reports it (a pipe would block)
                raise OSError
            keys[str(f)] = options.cache_key(display_path(f), sha256_bytes(f.read_bytes()))
        except OSError:
            keys[str(f)] = ""
    cached = cache.get_many([k for k in keys.values() if k])
    findings: list[Finding] = []
    summaries = []
    missing = []
    for p, k in keys.items():
        hit = cached_result(cached[k]) if k in cached else None
        if hit is None:
            missing.append(Path(p))
        else:
            findings += hit[0]
            summaries.append(hit[1])
    for item in process_files(missing, options, jobs)[0]:
        findings += item.findings
        if item.summary:
            summaries.append(item.summary)
    newcomers = {display_path(Path(p)) for p in last} if last else set()
    findings += check_dataset(summaries, newcomers=newcomers)
    return ordered(findings)
