"""SHACL validation of record graphs: the shapes, the result type, and two engines.

`reference` runs pySHACL (the reference engine); `fast` compiles the same shapes to SPARQL and
runs them on pyoxigraph. tests/test_shacl_engines.py proves they give the same verdicts. `engine`
chooses between them (and falls back to pySHACL when the fast engine refuses a shape).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..resources import SHAPES

RULES_NS = "https://w3id.org/exilegraph/shapes/"


@dataclass(frozen=True, order=True)
class Violation:
    focus: str  # IRI of the focus node, without <>
    path: str | None  # predicate IRI of the property shape; None for node-level constraints
    component: str  # local name of the constraint component, e.g. "MinCountConstraintComponent"
    shape: str  # IRI of the node shape the constraint belongs to
    value: str | None  # the offending value as an N-Triples term, when there is one
    severity: str  # "error", "warning" or "info" (or the IRI of a shape's own sh:severity, reference only)
    message: str | None  # sh:message, when the shape gives one


def shape_files() -> list:
    """The generated shapes and every hand-written shapes file in shapes/."""
    return [SHAPES / "generated" / "exilegraph.shacl.ttl"] + sorted(SHAPES.glob("*.ttl"))


@functools.cache
def shapes_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in shape_files())
