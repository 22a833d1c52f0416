"""The build activity (PROV-O): inputs with checksums, toolkit and schema versions, commit, times.

Timestamps come from one place, `build_time()`, which honours SOURCE_DATE_EPOCH so that two
builds of the same records are byte-identical.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .rdf.namespaces import DCT, PROV, RDF_TYPE, SDO, XSD
from .rdf.terms import hash_id, iri, literal
from .resources import schema_index


def iso(moment: datetime) -> str:
    """xsd:dateTime in its canonical form (UTC as Z), as stores such as Oxigraph write it back."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(UTC).replace(microsecond=0)


def records_commit(paths: list[Path]) -> str | None:
    """The git commit of the records, when they are in a clean git checkout; None otherwise."""
    import subprocess  # here: the SHACL worker of validate imports this module, and needs no git

    folder = next((p if p.is_dir() else p.parent for p in paths), Path("."))
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0 or dirty.returncode != 0 or dirty.stdout.strip():
        return None
    return head.stdout.strip() or None


@dataclass
class Input:
    path: str
    sha256: str
    graph: str


@dataclass
class Build:
    base: str
    inputs: list[Input]
    internal: bool = False
    commit: str | None = None
    started: datetime = field(default_factory=build_time)
    ended: datetime | None = None

    @property
    def iri(self) -> str:
        key = hash_id(
            __version__,
            schema_index()["version"],
            str(self.internal),
            self.commit or "",
            *sorted(f"{i.path} {i.sha256}" for i in self.inputs),
        )
        return f"{self.base}build/{key}"

    def file_iri(self, sha256: str) -> str:
        return f"{self.base}file/{sha256}"

    def lines(self) -> list[str]:
        """N-Triples of the activity, its inputs, the software and schema, and each record graph's origin."""
        b = iri(self.iri)
        agent = iri(f"{self.base}software/exilegraph/{__version__}")
        idx = schema_index()
        schema = iri(idx["id"])
        end = self.ended or self.started
        out = [
            f"{b} {RDF_TYPE} <{PROV}Activity> .",
            f"{b} <{PROV}startedAtTime> {literal(iso(self.started), XSD + 'dateTime')} .",
            f"{b} <{PROV}endedAtTime> {literal(iso(end), XSD + 'dateTime')} .",
            f"{b} <{PROV}wasAssociatedWith> {agent} .",
            f"{b} <{DCT}conformsTo> {schema} .",
            f"{agent} {RDF_TYPE} <{PROV}SoftwareAgent> .",
            f'{agent} <{SDO}name> "exilegraph" .',
            f"{agent} <{SDO}softwareVersion> {literal(__version__)} .",
            f"{schema} <{SDO}version> {literal(str(idx['version']))} .",
        ]
        if self.commit:
            commit = iri(f"{self.base}commit/{self.commit}")
            out += [
                f"{b} <{PROV}used> {commit} .",
                f"{commit} {RDF_TYPE} <{PROV}Entity> .",
                f"{commit} <{SDO}identifier> {literal(self.commit)} .",
            ]
        for i in self.inputs:
            f, g = iri(self.file_iri(i.sha256)), iri(i.graph)
            out += [
                f"{b} <{PROV}used> {f} .",
                f"{f} {RDF_TYPE} <{PROV}Entity> .",
                f"{f} <{SDO}name> {literal(i.path)} .",
                f"{f} <{SDO}sha256> {literal(i.sha256)} .",
                f"{g} <{PROV}wasDerivedFrom> {f} .",
                f"{g} <{PROV}wasGeneratedBy> {b} .",
            ]
        return out


def vocabulary_lines() -> list[str]:
    """Labels and stages of the schema's enum values, taken from the published vocabulary (vocab.py).

    The validation rules read the stage of each event type; the whole vocabulary is a release's own
    named graph, and too large to add to every record's validation.
    """
    from .vocab import RDFS, SKOS, published_lines

    stage = iri(schema_index()["classes"]["Statement"]["slots"]["stage"]["uri"])
    concept = f" {RDF_TYPE} <{SKOS}Concept> ."
    values = {line.partition(" ")[0] for line in published_lines() if line.endswith(concept)}
    keep = (f"<{RDFS}label>", stage)
    return [
        line
        for line in published_lines()
        if line.partition(" ")[0] in values and line.split(" ", 2)[1] in keep
    ]


GENERATED_BY = f"<{PROV}wasGeneratedBy>"
BUILD_NODES = ("build/", "file/", "graph/", "commit/", "software/")


def is_content(line: str, base: str) -> bool:
    """False for the triples that describe the build itself, which change with every build."""
    return not line.startswith(build_prefixes(base)) and GENERATED_BY not in line


def content_lines(lines: Iterable[str], base: str) -> list[str]:
    """The lines for which is_content holds (one comprehension: millions of lines at 10k cases)."""
    build = build_prefixes(base)
    return [line for line in lines if not line.startswith(build) and GENERATED_BY not in line]


def content_digest(lines: Iterable[str], base: str) -> str:
    """A digest of a record's content lines: what the changelog compares between releases."""
    return hashlib.sha256("\n".join(content_lines(lines, base)).encode("utf-8")).hexdigest()


@functools.cache
def build_prefixes(base: str) -> tuple[str, ...]:
    """How the N-Triples lines about the build start: only the provenance graph has such subjects."""
    return tuple(f"<{base}{n}" for n in BUILD_NODES)
