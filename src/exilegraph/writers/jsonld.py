"""JSON-LD compacted with the generated context: one node object per subject, term names as keys.

Written from the sorted triples (pyoxigraph's JSON-LD writer takes no context, and compacting
with pyld is ~9 s per 1k cases). Values are explicit where the context would not give them back
exactly, so that expanding the file with any JSON-LD processor yields the same graph.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from ..dataset import Dataset
from ..resources import GENERATED

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@cache
def context() -> dict:
    return json.loads((GENERATED / "exilegraph.context.jsonld").read_text(encoding="utf-8"))["@context"]


@cache
def _terms() -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """IRI -> (term, coercion) for simple terms, and prefix -> namespace."""
    ctx = context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@")}
    vocab = ctx.get("@vocab", "")

    def expand(value: str) -> str:
        if "://" in value:
            return value
        pre, sep, local = value.partition(":")
        if sep and pre in prefixes:
            return prefixes[pre] + local
        return vocab + value

    terms: dict[str, tuple[str, str | None]] = {}
    for term, d in sorted(ctx.items()):
        if term.startswith("@") or not isinstance(d, dict) or "@id" not in d or "@context" in d:
            continue
        full = expand(d["@id"])
        coercion = d.get("@type")
        if coercion and coercion not in ("@id",):
            coercion = expand(coercion)
        terms.setdefault(full, (term, coercion))
    return terms, prefixes


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    for pre, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns) and "/" not in iri[len(ns):] and "#" not in iri[len(ns):]:
            return f"{pre}:{iri[len(ns):]}"
    return iri


def node_objects(dataset: Dataset) -> list[dict]:
    terms, prefixes = _terms()
    nodes: dict[str, dict] = {}
    triples = ox.parse("\n".join(dataset.triples).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    for t in triples:
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else "_:" + t.subject.value
        node = nodes.setdefault(s, {"@id": s})
        p, o = t.predicate.value, t.object
        if p == RDF_TYPE:
            node.setdefault("@type", []).append(_compact(o.value, prefixes))
            continue
        term, coercion = terms.get(p, (_compact(p, prefixes), None))
        if isinstance(o, ox.NamedNode):
            value = _compact(o.value, prefixes) if coercion == "@id" else {"@id": o.value}
        elif isinstance(o, ox.BlankNode):
            value = {"@id": "_:" + o.value}
        elif o.language:
            value = {"@value": o.value, "@language": o.language}
        elif o.datatype.value == XSD_STRING and coercion is None:
            value = o.value
        else:
            value = {"@value": o.value, "@type": _compact(o.datatype.value, prefixes)}
        node.setdefault(term, []).append(value)
    out = []
    for s in sorted(nodes):
        node = nodes[s]
        out.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in node.items()})
    return out


def write(dataset: Dataset, path: Path) -> None:
    doc = {"@context": context(), "@graph": node_objects(dataset)}
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
