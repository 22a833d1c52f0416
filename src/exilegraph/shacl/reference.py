"""The reference SHACL engine: pySHACL over rdflib graphs, its report turned into `Violation`s.

Slow (pySHACL evaluates each SPARQL rule once per focus node) but it is the yardstick the fast
engine (`fast.py`) is tested against. Three things are normalised so the two engines can be
compared exactly, none of which changes a verdict:

- `"x"^^xsd:string` literals become `"x"`: they are the same RDF 1.1 term, but rdflib keeps them
  apart, so an `sh:in ("x")` would otherwise reject an explicitly typed string;
- a SPARQL rule's query text is parsed once per run instead of once per focus node (the parsed
  query is what `rdflib.plugins.sparql.prepareQuery` returns and is meant to be reused);
- pySHACL's invented default messages are dropped: `message` is the shape's own `sh:message`.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from typing import Iterator

import pyoxigraph as ox
import rdflib
from rdflib import RDF, XSD, BNode, Literal, URIRef

from . import Violation, shape_files
from .fast import violation_key

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SEVERITY = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


def validate_reference(lines: list[str]) -> list[Violation]:
    """Validate N-Triples lines (data plus `provenance.vocabulary_lines()`) with pySHACL."""
    import pyshacl

    shapes = shapes_graph()
    data = _parse("\n".join(lines) + "\n")
    with _prepared_sparql():
        _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inference="none",
                                                    abort_on_first=False, meta_shacl=False)
    return violations_of(report, shapes)


def shapes_graph() -> rdflib.Graph:
    """Every shapes file parsed into one graph (xsd:string literals normalised as in the data)."""
    g = rdflib.Graph()
    for path in shape_files():
        g.parse(path, format="turtle")
    _plain_strings(g)
    return g


def violations_of(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    """The `sh:ValidationResult`s of a pySHACL report as sorted, de-duplicated Violations."""
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(r, SH.sourceShape)
        constraint = report.value(r, SH.sourceConstraint)
        own = set(shapes.objects(source, SH.message))
        if constraint is not None:
            own |= set(shapes.objects(constraint, SH.message))
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage) if m in own)
        path = report.value(r, SH.resultPath)
        value = report.value(r, SH.value)
        severity = report.value(r, SH.resultSeverity)
        if severity not in SEVERITY:
            raise ValueError(f"pySHACL reported an unknown severity {severity!r}")
        out.add(Violation(
            focus=_name(report.value(r, SH.focusNode)),
            path=_name(path) if path is not None else None,
            component=str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            shape=_name(node_shape_of(source, shapes)),
            value=nt_term(value) if value is not None else None,
            severity=SEVERITY[severity],
            message=messages[0] if messages else None,
        ))
    return sorted(out, key=violation_key)


def node_shape_of(shape, shapes: rdflib.Graph):
    """The node shape a property shape belongs to (via sh:property); a node shape itself otherwise."""
    parents = set(shapes.subjects(SH.property, shape))
    if len(parents) > 1:
        raise ValueError(f"property shape {shape} belongs to {len(parents)} node shapes; results would be ambiguous")
    return parents.pop() if parents else shape


def nt_term(term) -> str:
    """An rdflib term in N-Triples form, written exactly as pyoxigraph (and the mapper) write it."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype is not None:
            return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        return str(ox.Literal(str(term)))
    raise TypeError(f"not an RDF term: {term!r}")


def _name(term) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _parse(text: str) -> rdflib.Graph:
    g = rdflib.Graph()
    # rdflib logs a traceback (and warns) for every ill-typed literal; they are data, not errors here
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g.parse(data=text, format="nt")
    finally:
        term_log.setLevel(level)
    _plain_strings(g)
    return g


def _plain_strings(g: rdflib.Graph) -> None:
    typed = [(s, p, o) for s, p, o in g if isinstance(o, Literal) and o.datatype == XSD.string]
    for s, p, o in typed:
        g.remove((s, p, o))
        g.add((s, p, Literal(str(o))))


@contextlib.contextmanager
def _prepared_sparql() -> Iterator[None]:
    """Parse each distinct query text once while pySHACL runs (it re-parses per focus node, ~45 ms each)."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    cache: dict = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = processor.translateQuery(processor.parseQuery(strOrQuery), base, initNs)
            strOrQuery = cache[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original
