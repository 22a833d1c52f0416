"""Validation in three layers: the schema (per record), SHACL (per record, cached, in parallel),
and checks across the dataset (once). Findings are data; see findings.py.

The per-record layers run in the shared pipeline (pipeline.py), which the release uses too.
"""

from __future__ import annotations

from pathlib import Path

from ..diskcache import ResultCache
from ..findings import Finding, ordered
from ..pipeline import Options, cached_result, process_files
from ..readers import display_path, find_record_files
from ..records import sha256_bytes
from .dataset_checks import check_dataset

__all__ = ["check_dataset", "validate_paths"]


def validate_paths(paths: list[Path], *, use_cache: bool = True, jobs: int | None = None) -> list[Finding]:
    """All three layers over the record files under `paths`; unchanged records are not even parsed.

    Returns the findings, sorted. Raises RecordError when a named path does not exist."""
    files = find_record_files(paths)
    options = Options(use_cache=use_cache)
    cache = ResultCache(enabled=use_cache)
    keys: dict[str, str] = {}
    for f in files:
        try:
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
    findings += check_dataset(summaries)
    return ordered(findings)
