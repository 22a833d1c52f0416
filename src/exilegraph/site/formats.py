"""An entity's own triples as Turtle, JSON-LD and N-Triples, written from its N-Triples lines.

Written as text, not through a serialiser per entity: 10,000 cases give some 40,000 small files, and
one pyoxigraph parse and serialise each would cost seconds. The Turtle uses fixed prefixes for
predicates and classes, full IRIs elsewhere; the JSON-LD is expanded (full IRIs, no context), so
both read the same in any RDF library.
"""

from __future__ import annotations

import json
import re

from .model import RDF_TYPE, XSD, term

PREFIXES = {
    "dcterms": "http://purl.org/dc/terms/",
    "eg": "https://w3id.org/exilegraph/vocab/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "http://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "wd": "http://www.wikidata.org/entity/",
    "xsd": XSD,
}
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items()))


_COMPACT: dict[str, str] = {}


def _compact(iri_term: str) -> str:
    """`<http://schema.org/name>` -> `schema:name` when the local part is a plain name; else unchanged."""
    found = _COMPACT.get(iri_term)
    if found is None:
        found = _compact_new(iri_term)
        if len(_COMPACT) < 100_000:  # a full cache keeps what it has; the IRI is still written short
            _COMPACT[iri_term] = found
    return found


def _compact_new(iri_term: str) -> str:
    value = iri_term[1:-1]
    for p, ns in _BY_LENGTH:
        if value.startswith(ns) and _LOCAL.match(value[len(ns) :]):
            return f"{p}:{value[len(ns) :]}"
    return iri_term


def _split(line: str) -> tuple[str, str, str]:
    s, p, rest = line[:-2].split(" ", 2)
    return s, p, rest


def turtle(lines: list[str]) -> str:
    """Turtle of sorted N-Triples lines: one block per subject, `a` for rdf:type first."""
    out = [_HEADER]
    subject, block = None, []
    for line in lines:
        s, p, o = _split(line)
        if s != subject:
            if block:
                out.append(_block(subject, block))
            subject, block = s, []
        block.append((p, o))
    if block:
        out.append(_block(subject, block))
    return "\n".join(out)


def _block(subject: str, pairs: list[tuple[str, str]]) -> str:
    pairs = sorted(pairs, key=lambda po: (po[0] != f"<{RDF_TYPE}>", po))
    parts = []
    for p, o in pairs:
        pred = "a" if p == f"<{RDF_TYPE}>" else _compact(p)
        obj = _compact(o) if o.startswith("<") else o
        parts.append(f"    {pred} {obj}")
    return f"{subject}\n" + " ;\n".join(parts) + " .\n"


def jsonld(lines: list[str]) -> str:
    """Expanded JSON-LD of sorted N-Triples lines: one node object per subject, values in line order."""
    nodes: dict[str, dict] = {}
    for line in lines:
        s, p, o = _split(line)
        sid = s[1:-1] if s[0] == "<" else s
        node = nodes.setdefault(sid, {"@id": sid})
        if p == f"<{RDF_TYPE}>" and o.startswith("<"):
            node.setdefault("@type", []).append(o[1:-1])
            continue
        node.setdefault(p[1:-1], []).append(_value(o))
    return (
        json.dumps(list(nodes.values()), ensure_ascii=False, sort_keys=True) + "\n"
    )  # indent would use the slow encoder


def _value(o: str) -> dict:
    if o.startswith("<"):
        return {"@id": o[1:-1]}
    if o.startswith("_:"):
        return {"@id": o}
    t = term(o)
    if t.lang:
        return {"@value": t.value, "@language": t.lang}
    if t.datatype and t.datatype != XSD + "string":
        return {"@value": t.value, "@type": t.datatype}
    return {"@value": t.value}


def ntriples(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
