"""SHACL over record graphs: the engine in use, and its violations turned into located findings."""

from __future__ import annotations

import functools
import re

import pyoxigraph as ox

from ..findings import Finding
from ..provenance import vocabulary_lines
from ..records import Record, RecordGraph, dotted
from ..resources import schema_index
from . import RULES_NS, Violation, engine, shape_files

DEFAULT_MESSAGES = {
    "MinCountConstraintComponent": "a required value is missing",
    "MaxCountConstraintComponent": "more values than allowed",
    "ClosedConstraintComponent": "a property the schema does not allow here",
    "DatatypeConstraintComponent": "a value of the wrong datatype",
    "NodeKindConstraintComponent": "a value of the wrong kind (IRI or literal)",
    "ClassConstraintComponent": "a reference to something of the wrong kind",
    "InConstraintComponent": "a value outside the allowed list",
    "PatternConstraintComponent": "a value not of the expected form",
    "OrConstraintComponent": "a value of none of the allowed types",
}


ENGINE_THREADS: int | None = None  # None: the engine decides; worker processes set 1 (the cores are theirs)


def engine_name() -> str:
    """The engine in use (see shacl.engine)."""
    return engine.engine_name()


def run_engine(lines: list[str]) -> list[Violation]:
    """Our shapes over the record lines plus the vocabulary (shacl.engine.run_engine; raises ShapesError)."""
    return engine.run_engine(lines + vocabulary_lines(), ENGINE_THREADS).violations


@functools.cache
def _shape_comments() -> dict[str, str]:
    comment = "http://www.w3.org/2000/01/rdf-schema#comment"
    out = {}
    for f in shape_files():
        for t in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE):
            if t.predicate.value == comment and isinstance(t.subject, ox.NamedNode):
                out[t.subject.value] = t.object.value
    return out


@functools.cache
def _slot_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for _, c in sorted(schema_index()["classes"].items()):
        for sname, s in sorted(c["slots"].items()):
            out.setdefault(s["uri"], sname)
    return out


def rule_id(v: Violation) -> str:
    if v.shape.startswith(RULES_NS):
        return v.shape[len(RULES_NS) :]
    name = v.component.removesuffix("ConstraintComponent")
    return "shape-" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def to_findings(violations: list[Violation], record: Record, graph: RecordGraph) -> list[Finding]:
    out = []
    for v in violations:
        base = graph.paths.get(v.focus, ())
        slot = _slot_names().get(v.path) if v.path else None
        fpath = base + ((slot,) if slot else ())
        line, col = record.raw.locate(fpath)
        message = v.message or DEFAULT_MESSAGES.get(v.component, v.component)
        if v.value and v.value != f"<{v.focus}>" and v.component not in ("MinCountConstraintComponent",):
            message += (
                f" (value: {_shown(v.value)})"  # SPARQL rules selecting only $this report the focus as value
            )
        # a shape's own sh:severity IRI (pySHACL only) counts as an error
        severity = v.severity if v.severity in ("error", "warning", "info") else "error"
        out.append(
            Finding(
                record.path,
                line,
                col,
                severity,
                rule_id(v),
                dotted(fpath),
                message,
                _shape_comments().get(v.shape),
            )
        )
    return out


def _shown(term: str) -> str:
    """An N-Triples term as a contributor writes it: `"2999"^^<...#gYear>` -> 2999; IRIs keep their <>."""
    m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?', term)
    return m.group(1).replace('\\"', '"').replace("\\\\", "\\") if m else term


def is_reference(v: Violation, base: str) -> bool:
    """sh:class on a reference to a person, organisation or case: defined in another record maybe,
    so it is judged once for the whole dataset (dataset_checks), not per record."""
    return (
        v.component == "ClassConstraintComponent"
        and v.value is not None
        and any(v.value.startswith(f"<{base}{kind}/") for kind in ("person", "organisation", "case"))
    )
