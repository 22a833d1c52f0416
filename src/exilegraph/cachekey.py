"""The key a record's cached verdict is stored under: its bytes, its shown path, the options that change
its graph, and a fingerprint of everything else that can change a verdict; and the verdict's entry.

A leaf module (no RDF, SHACL or model import), so that a run which finds every record cached can compute
keys and read entries without loading the pipeline.
"""

from __future__ import annotations

import functools
import hashlib
import sys

from . import __version__
from .diskcache import code_fingerprint, digest
from .findings import Finding
from .records import RecordSummary
from .resources import DEFAULT_BASE_IRI, MAPPINGS, schema_index
from .shacl import engine_name, shapes_text


def fingerprint() -> str:
    """Everything besides a record's bytes that can change its verdict: toolkit and Python versions, the
    package's code and the mappings, the SHACL engine, the schema and the shapes."""
    return _fingerprint(shapes_text(), engine_name())


@functools.cache
def _fingerprint(shapes: str, engine: str) -> str:
    idx = schema_index()
    return digest(
        (
            __version__,
            sys.version,
            code_fingerprint((MAPPINGS,)),
            engine,
            str(idx["version"]),
            shapes,
            hashlib.sha256(repr(sorted(idx.items())).encode("utf-8")).hexdigest(),
        )
    )


def result_key(
    path: str, sha256: str, base: str = DEFAULT_BASE_IRI, internal: bool = False, prefix: str | None = None
) -> str:
    """The cache key of one record file's verdict; `prefix` is fingerprint(), when the caller has it."""
    return f"{prefix or fingerprint()}:{sha256}:{path}|{base}|{int(internal)}"


def cached_result(entry: object) -> tuple[list[Finding], RecordSummary] | None:
    """A cache entry read back, or None when it is not of the shape this code writes."""
    try:
        findings = [Finding(*map(_plain, t)) for t in entry["findings"]]  # type: ignore[index]
        return findings, RecordSummary.from_data(entry["summary"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None


def _plain(value):
    if value is None or isinstance(value, (str, int)):
        return value
    raise TypeError("not a finding field")


def cache_entry(findings: list[Finding], summary: RecordSummary) -> dict:
    return {"findings": [list(f) for f in findings], "summary": summary.as_data()}
