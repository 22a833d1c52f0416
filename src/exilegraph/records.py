"""The typed values passed between the stages: a leaf module that imports no stage.

A reader turns a file into a RawRecord (plain data plus a way to locate a field's line); the schema
check (check.py) types it into a Record holding the generated pydantic model; the mapper turns a
Record into a RecordGraph (its N-Triples lines); the pipeline keeps a RecordSummary of what the
dataset-wide checks need.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .findings import ERROR, Finding

if TYPE_CHECKING:  # the model imports pydantic: a run that finds every record cached needs none of it
    from .model import RecordFile

FieldPath = (
    tuple  # keys and list indexes from the top of the record, e.g. ("case", "events", 3, "event_date")
)
Locator = Callable[[FieldPath], "tuple[int, int]"]


def dotted(path: FieldPath) -> str:
    """("case", "events", 3, "event_date") -> "case.events[3].event_date"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class RawRecord:
    """What a reader yields: the file's data as plain values, before typing."""

    path: str
    sha256: str
    format: str
    data: dict
    locate: Locator
    findings: list[Finding] = field(
        default_factory=list
    )  # reader warnings (damaged fields, unresolved references)

    def finding(
        self, fpath: FieldPath, rule: str, message: str, fix: str | None = None, severity: str = ERROR
    ) -> Finding:
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


@dataclass
class RecordGraph:
    """The triples of one record, as sorted N-Triples lines, and the named graph they go in."""

    record_id: str
    path: str
    sha256: str
    graph: str  # IRI, without <>
    lines: list[str] = field(default_factory=list)
    case_iri: str | None = None
    paths: dict[str, tuple] = field(
        default_factory=dict
    )  # node IRI -> field path in the record, for findings
    refs: list[tuple[str, str, tuple]] = field(
        default_factory=list
    )  # (target class, id, field path) of references


class Located(NamedTuple):
    """One thing a record defines, refers to or describes, with where it stands in the record."""

    kind: str  # case | person | organisation, or a source node's IRI
    key: str  # the id, or a digest of a source's description
    field: str
    line: int
    column: int


class RecordSummary(NamedTuple):
    """What the dataset-wide checks need from one record; plain values, so it can be cached."""

    path: str
    defines: tuple[Located, ...]
    refs: tuple[Located, ...]
    sources: tuple[Located, ...]

    def as_data(self) -> list:
        """Nested lists (marshal, which the cache uses, takes no tuple subclass)."""
        return [
            self.path,
            [list(x) for x in self.defines],
            [list(x) for x in self.refs],
            [list(x) for x in self.sources],
        ]

    @classmethod
    def from_data(cls, data: list) -> RecordSummary:
        """Raises ValueError or TypeError for data of another shape (a damaged cache entry)."""
        path, defines, refs, sources = data
        return cls(
            str(path),
            tuple(Located(*x) for x in defines),
            tuple(Located(*x) for x in refs),
            tuple(Located(*x) for x in sources),
        )
