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
from collections.abc import Iterator
from decimal import Decimal

import pyoxigraph as ox
import rdflib
from rdflib import RDF, XSD, BNode, Literal, URIRef

from . import Violation, shape_files
from .fast import violation_key

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SEVERITY = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


def validate_reference(lines: list[str], shapes_ttl: list[str] | None = None) -> list[Violation]:
    """Validate N-Triples lines (data plus `provenance.vocabulary_lines()`) with pySHACL, against our shapes
    or the given Turtle documents. Raises ShapesError when the shapes or data cannot be read, or pySHACL
    finds the shapes graph ill-formed."""
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    from .engine import ShapesError

    try:
        # ours are parsed once; pySHACL adds the same two rdfs:subClassOf triples to them each run
        shapes = _shapes() if shapes_ttl is None else shapes_graph(shapes_ttl)
        data = _parse(["\n".join(lines) + "\n"])
    except SyntaxError as exc:  # rdflib's parsers raise subclasses of SyntaxError
        raise ShapesError(f"cannot read the shapes or the data: {exc}") from None
    try:
        with _prepared_sparql():
            _conforms, report, _text = pyshacl.validate(
                data,
                shacl_graph=shapes,
                advanced=True,
                inference="none",
                abort_on_first=False,
                meta_shacl=False,
            )
    except (ReportableRuntimeError, NotImplementedError) as exc:
        raise ShapesError(
            "pySHACL cannot validate with these shapes: " + " ".join(str(exc).split())
        ) from None
    except Exception as exc:  # noqa: BLE001 - rdflib's SPARQL engine raises bare Exceptions (unknown prefix)
        raise ShapesError(f"pySHACL failed on these shapes: {type(exc).__name__}: {exc}") from None
    if isinstance(report, ValidationFailure):  # returned, not raised: e.g. a SPARQL query SHACL forbids
        raise ShapesError(
            "pySHACL cannot validate with these shapes: " + " ".join(str(report.message).split())
        )
    return violations_of(report, shapes)


def _shapes() -> rdflib.Graph:
    return _shapes_for(tuple(shape_files()))


@functools.cache
def _shapes_for(files: tuple) -> rdflib.Graph:
    return shapes_graph([p.read_text(encoding="utf-8") for p in files])


def shapes_graph(texts: list[str] | None = None) -> rdflib.Graph:
    """Every shapes file, or the given Turtle documents, parsed into one graph (xsd:string literals
    normalised as in the data)."""
    texts = texts if texts is not None else [p.read_text(encoding="utf-8") for p in shape_files()]
    return _parse(texts, "turtle")


def violations_of(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    """The `sh:ValidationResult`s of a pySHACL report as sorted, de-duplicated Violations."""
    # the report's own results, not those nested in sh:detail (pySHACL adds them for sh:node and others)
    results = [
        r for top in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(top, SH.result)
    ]
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
        out.add(
            Violation(
                focus=_name(report.value(r, SH.focusNode)),
                path=_name(path) if path is not None else None,
                component=str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                shape=_name(node_shape_of(source, shapes)),
                value=values.get(report.value(r, SH.value)),
                severity=SEVERITY.get(severity, str(severity)),  # a shape's own severity IRI as it is
                message=messages[0] if messages else None,
            )
        )
    return sorted(out, key=violation_key)


def node_shape_of(shape, shapes: rdflib.Graph):
    """The node shape a property shape belongs to (via sh:property); a node shape itself otherwise."""
    parents = set(shapes.subjects(SH.property, shape))
    return parents.pop() if len(parents) == 1 else shape  # shared by several (not in ours): the shape itself


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


def _parse(texts: list[str], fmt: str = "nt") -> rdflib.Graph:
    """The data (or shapes) as rdflib parses them, except that ill-typed literals keep their lexical form.

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
            for text in texts:
                g.parse(data=text, format=fmt)
            for s, p, o in list(g.triples((None, SH.uniqueLang, None))):
                if str(o) != "true":  # SHACL: `true` activates it, "1" does not; pySHACL takes either
                    g.remove((s, p, o))
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
