"""Our shapes compiled to SPARQL, kept as JSON beside them: start-up reads it instead of compiling (~1 s).

`exilegraph generate` writes shapes/generated/exilegraph.shacl.compiled.json; tests/test_generated.py fails
when it no longer matches the shapes. The file is data (shape descriptions and query text), read with
`json` and never executed. It carries a key: the hash of the shapes and of the compiler's source. When the
key does not match (a shape or the compiler was edited and `generate` not run yet), the shapes are compiled
at start-up instead, so a stale file costs time, never a verdict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from ..resources import SHAPES
from .fast import FastEngine, _Query
from .shapes_model import Member, NodeShape, PropertyShape, SparqlRule, UnsupportedShape

COMPILED = "shapes/generated/exilegraph.shacl.compiled.json"
_PATH = SHAPES / "generated" / "exilegraph.shacl.compiled.json"
_COMPILER = [
    Path(__file__).with_name(n) for n in ("fast.py", "shapes_model.py", "prebinding.py", "compiled.py")
]


def key(texts: list[str]) -> str:
    """What the compiled form depends on: the compiler's code and the shapes documents, in order."""
    h = hashlib.sha256()
    for part in [p.read_bytes() for p in _COMPILER] + [t.encode("utf-8") for t in texts]:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def compiled_json(texts: list[str]) -> str:
    """The JSON document for these shapes: the compiled engine, or the reason the fast engine refuses them."""
    out: dict = {"key": key(texts)}
    try:
        engine = FastEngine(texts)
    except UnsupportedShape as exc:
        out["refused"] = str(exc)
    else:
        index = {n.iri: i for i, n in enumerate(engine.shapes)}
        out["shapes"] = [asdict(n) for n in engine.shapes]
        out["queries"] = [
            {
                "kind": q.kind,
                "node": index[q.node.iri],
                "text": {str(k).lower(): v for k, v in q.text.items()},
                "checks": q.checks,
                "counts": {str(k): q.node.properties.index(p) for k, p in q.counts.items()},
                "rule": q.node.sparql.index(q.rule) if q.rule is not None else None,
            }
            for q in engine.queries
        ]
    return json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load(texts: list[str], path: Path = _PATH) -> FastEngine | UnsupportedShape | None:
    """The engine (or the refusal) kept for exactly these shapes by this compiler; None if there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key(texts):
            return None
        if "refused" in data:
            return UnsupportedShape(str(data["refused"]))
        return _engine(data)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # unreadable or of another layout: compile instead


def _engine(data: dict) -> FastEngine:
    shapes = []
    for n in data["shapes"]:
        props = [
            PropertyShape(
                **{
                    **p,
                    "or_members": None if p["or_members"] is None else [Member(**m) for m in p["or_members"]],
                }
            )
            for p in n["properties"]
        ]
        rules = [SparqlRule(**r) for r in n["sparql"]]
        shapes.append(NodeShape(**{**n, "properties": props, "sparql": rules}))
    queries = []
    for q in data["queries"]:
        node = shapes[q["node"]]
        queries.append(
            _Query(
                q["kind"],
                node,
                text={k == "true": v for k, v in q["text"].items()},
                checks={k: tuple(v) for k, v in q["checks"].items()},
                counts={int(k): node.properties[i] for k, i in q["counts"].items()},
                rule=node.sparql[q["rule"]] if q["rule"] is not None else None,
            )
        )
    engine = FastEngine.__new__(FastEngine)
    engine.shapes_ttl, engine.shapes, engine.queries, engine.compile_seconds = None, shapes, queries, 0.0
    return engine
