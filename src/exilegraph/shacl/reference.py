"""The reference SHACL engine: pySHACL over rdflib graphs, its report turned into `Violation`s.

Slow (pySHACL evaluates each SPARQL rule once per focus node) but it is the yardstick the fast
engine (`fast.py`) is tested against. What is adjusted so that the two engines can be compared
exactly, none of it changing a verdict:

- `"x"^^xsd:string` literals become `"x"`: they are the same RDF 1.1 term, but rdflib keeps them
  apart, so an `sh:in ("x")` would otherwise reject an explicitly typed string;
- a SPARQL rule's query text is parsed once instead of once per focus node (the parsed query is
  what `rdflib.plugins.sparql.prepareQuery` returns, made to be reused), and the shapes once
  (both while validate_reference runs rdflib's SPARQL processor is patched: not thread-safe);
- ill-typed literals keep their lexical form, and values are printed as a pyoxigraph Store
  prints them (canonical numbers), as the fast engine reads them back from a Store;
- pySHACL's invented default messages are dropped: `message` is the shape's own `sh:message`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import warnings
from decimal import Decimal
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

    shapes = _shapes()  # parsed once; pySHACL adds the same two rdfs:subClassOf triples to it each run
    data = _parse("\n".join(lines) + "\n")
    with _prepared_sparql():
        _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inference="none",
                                                    abort_on_first=False, meta_shacl=False)
    return violations_of(report, shapes)


@functools.cache
def _shapes() -> rdflib.Graph:
    return shapes_graph()


def shapes_graph() -> rdflib.Graph:
    """Every shapes file parsed into one graph (xsd:string literals normalised as in the data)."""
    g = rdflib.Graph()
    for path in shape_files():
        g.parse(path, format="turtle")
    _normalise(g)
    return g


def violations_of(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    """The `sh:ValidationResult`s of a pySHACL report as sorted, de-duplicated Violations."""
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    values = _canonical([report.value(r, SH.value) for r in results])
    out = set()
    for r in results:
        source = report.value(r, SH.sourceShape)
        constraint = report.value(r, SH.sourceConstraint)
        own = set(shapes.objects(source, SH.message))
        if constraint is not None:
            own |= set(shapes.objects(constraint, SH.message))
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage) if m in own)
        path = report.value(r, SH.resultPath)
        severity = report.value(r, SH.resultSeverity)
        if severity not in SEVERITY:
            raise ValueError(f"pySHACL reported an unknown severity {severity!r}")
        out.add(Violation(
            focus=_name(report.value(r, SH.focusNode)),
            path=_name(path) if path is not None else None,
            component=str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            shape=_name(node_shape_of(source, shapes)),
            value=values.get(report.value(r, SH.value)),
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


def nt_term(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as the pyoxigraph term (which prints in N-Triples form, as the mapper writes)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _canonical(values: list) -> dict:
    """Each value's N-Triples form, literals in the canonical form a pyoxigraph Store gives them.

    The fast engine reads values back from a Store, which writes well-typed literals canonically
    ("5.50"^^xsd:decimal as "5.5", "1e2"^^xsd:double as "100"); the reference prints them the same way."""
    store, subject = ox.Store(), ox.NamedNode("urn:x-exilegraph:value")
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    out = {}
    for i, value in enumerate(distinct):
        term = nt_term(value)
        out[value] = str(term)
        if isinstance(term, ox.Literal):
            store.add(ox.Quad(subject, ox.NamedNode(f"urn:x-exilegraph:{i}"), term))
    for quad in store.quads_for_pattern(subject, None, None):
        out[distinct[int(quad.predicate.value.rsplit(":", 1)[1])]] = str(quad.object)
    return out


def _name(term) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _parse(text: str) -> rdflib.Graph:
    """The data as rdflib parses it, except that ill-typed literals keep their lexical form.

    rdflib normalises while parsing, and rewrites an ill-typed boolean such as "yes" as "false";
    parsing unnormalised and normalising only well-typed numbers and booleans afterwards keeps "yes"
    (as a pyoxigraph Store does). rdflib.NORMALIZE_LITERALS is process-wide: off only during the parse."""
    g = rdflib.Graph()
    # rdflib logs a traceback (and warns) for every ill-typed literal; they are data, not errors here
    term_log = logging.getLogger("rdflib.term")
    level, normalize = term_log.level, rdflib.NORMALIZE_LITERALS
    term_log.setLevel(logging.CRITICAL)
    rdflib.NORMALIZE_LITERALS = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g.parse(data=text, format="nt")
            _normalise(g, literals=True)
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
        term_log.setLevel(level)
    return g


def _normalise(g: rdflib.Graph, literals: bool = False) -> None:
    """`"x"^^xsd:string` -> `"x"`; with `literals`, well-typed numbers and booleans in canonical form
    (so that a rule's `true` or `3` matches "1"^^xsd:boolean or "03"^^xsd:integer, as in a Store).
    rdflib's normalisation of dates is lossy ("2017-10-21Z" loses its zone): dates stay as written."""
    changes = []
    for s, p, o in g:
        if not isinstance(o, Literal) or o.datatype is None:
            continue
        if o.datatype == XSD.string:
            changes.append((s, p, o, Literal(str(o))))
        elif literals and not o.ill_typed and isinstance(o.value, (int, Decimal)):  # and bool
            n = o.normalize()
            if str(n) != str(o):
                changes.append((s, p, o, n))
    for s, p, o, new in changes:
        g.remove((s, p, o))
        g.add((s, p, new))


_PARSED: dict = {}  # (query text, base, namespaces) -> parsed query, kept between runs


@contextlib.contextmanager
def _prepared_sparql() -> Iterator[None]:
    """Parse each distinct query text once while pySHACL runs (it re-parses per focus node, ~45 ms each)."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    cache = _PARSED

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
