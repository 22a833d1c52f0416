"""Typed records passed between the pipeline stages, and the stage that types them.

A reader turns a file into a RawRecord (plain data plus a way to locate a field's line);
`type_record` checks it against the generated JSON Schema and the record's internal
references, and returns a Record holding the generated pydantic model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import RecordError
from .findings import ERROR, Finding, has_errors
from .model import RecordFile

FieldPath = tuple  # keys and list indexes from the top of the record, e.g. ("case", "events", 3, "event_date")
Locator = Callable[[FieldPath], "tuple[int, int]"]


def dotted(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class RawRecord:
    """What a reader yields: the file's data as plain values, before typing."""

    path: str
    sha256: str
    format: str
    data: dict
    locate: Locator
    findings: list[Finding] = field(default_factory=list)  # reader warnings (damaged fields, unresolved references)

    def finding(self, fpath: FieldPath, rule: str, message: str, fix: str | None = None, severity: str = ERROR) -> Finding:
        line, col = self.locate(fpath)
        return Finding(self.path, line, col, severity, rule, dotted(fpath), message, fix)


@dataclass
class Record:
    """A typed record: the generated model plus where it came from."""

    raw: RawRecord
    model: RecordFile

    @property
    def path(self) -> str:
        return self.raw.path

    @property
    def sha256(self) -> str:
        return self.raw.sha256

    @property
    def id(self) -> str:
        if self.model.case is not None:
            return self.model.case.id
        return Path(self.raw.path).stem.lower().replace("_", "-")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def type_record(raw: RawRecord) -> tuple[Record | None, list[Finding]]:
    """Schema-check and type one raw record. Returns the record (None on errors) and all findings."""
    from .schemacheck import check_references, check_schema

    findings = list(raw.findings) + check_schema(raw)
    if has_errors(findings):
        return None, findings
    model = RecordFile.model_validate(raw.data)
    findings += check_references(raw, model)
    if has_errors(findings):
        return None, findings
    return Record(raw, model), findings


def load_record(path: str | Path) -> Record:
    """Read and type one file; raise RecordError with every error finding."""
    from .readers import read_file

    record, findings = type_record(read_file(Path(path)))
    if record is None:
        raise RecordError([f for f in findings if f.severity == ERROR])
    return record


def iter_records(paths: Iterable[str | Path]) -> Iterator[Record]:
    """Typed records of every record file under `paths`, in a stable order; stops at the first bad file."""
    from .readers import find_record_files

    for p in find_record_files(paths):
        yield load_record(p)
