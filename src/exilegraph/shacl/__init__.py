"""SHACL validation of record graphs: the shapes, the result type, and two engines.

`reference` runs pySHACL (the reference engine); `fast` compiles the same shapes to SPARQL and
runs them on pyoxigraph. tests/test_shacl_engines.py proves they give the same verdicts. `engine`
chooses between them (and falls back to pySHACL when the fast engine refuses a shape).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from ..resources import SHAPES, dataset_folder

RULES_NS = "https://w3id.org/exilegraph/shapes/"
ENGINES = ("fast", "reference")


def engine_name() -> str:
    """`fast` (SPARQL on pyoxigraph, the default) or `reference` (pySHACL), by EXILEGRAPH_SHACL_ENGINE.
    Here rather than in engine.py, so that the cache key is known without loading an engine."""
    wanted = os.environ.get("EXILEGRAPH_SHACL_ENGINE", "fast")
    return wanted if wanted in ENGINES else "fast"


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
    """The generated shapes, every hand-written shapes file in shapes/, and the working dataset's own
    `shapes/*.ttl` (rules a team adds to the toolkit's)."""
    own = dataset_folder("shapes")
    extra = sorted(own.glob("*.ttl")) if own else []
    return [SHAPES / "generated" / "exilegraph.shacl.ttl"] + sorted(SHAPES.glob("*.ttl")) + extra


def shapes_text() -> str:
    """The text of every shapes file in use."""
    return _texts(tuple(shape_files()))


@functools.cache
def _texts(files: tuple) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in files)
