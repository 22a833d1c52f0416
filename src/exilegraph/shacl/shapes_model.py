"""The shapes the fast engine runs, read from our Turtle files once (rdflib, at compile time only).

Every construct outside what the shapes use raises UnsupportedShape, so that a new kind of shape
cannot silently weaken validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from .prebinding import check_select

SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE, SUBCLASS = RDF + "type", RDFS + "subClassOf"
SEVERITY = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}
NODE_KINDS = {  # sh:nodeKind -> condition on ?value
    "IRI": "isIRI(?value)",
    "Literal": "isLiteral(?value)",
    "BlankNode": "isBlank(?value)",
    "BlankNodeOrIRI": "(isIRI(?value) || isBlank(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}
DATATYPES = {RDF + "langString"} | {
    XSD + t for t in ("string", "integer", "boolean", "date", "gYear", "gYearMonth")
}
# EDTF dates: a datatype rdflib does not know, so pySHACL checks the datatype only, as the fast engine does
DATATYPES |= {"http://id.loc.gov/datatypes/edtf/EDTF"}
NUMERIC = {XSD + "integer", XSD + "decimal"}
ANNOTATIONS = {SH + "description", SH + "name", SH + "order"}
PROPERTY = {
    "path",
    "minCount",
    "maxCount",
    "datatype",
    "nodeKind",
    "class",
    "in",
    "pattern",
    "minInclusive",
    "maxInclusive",
    "or",
    "severity",
    "message",
}
ALLOWED = {  # role -> the sh: predicates a subject in that role may carry
    "property": PROPERTY,
    # a property shape with its own targets, validated as if a node shape held it
    "targeted": {"targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode"} | PROPERTY,
    "node": {
        "targetClass",
        "targetSubjectsOf",
        "targetObjectsOf",
        "targetNode",
        "closed",
        "ignoredProperties",
        "property",
        "sparql",
        "severity",
        "message",
    },
    "member": {"datatype", "nodeKind"},
    "sparql": {"select", "prefixes", "message"},
    "prefixes": {"declare"},
    "declaration": {"prefix", "namespace"},
}
TRIM = "^[ \t\n\r]+|[ \t\n\r]+$"
INTEGER = "^[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*$"  # what Python's int() reads, less "_" and non-ASCII digits
DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*|[+][^+]*|-[^-+T]*:[^-+T]*)?[Zz]?$"  # rdflib drops a time or a zone


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the fast engine does not implement."""


@dataclass
class Member:  # one shape of an sh:or list
    datatype: str | None = None
    node_kind: str | None = None


@dataclass
class PropertyShape:
    path: str
    severity: str = "error"
    message: str | None = None
    min_count: int | None = None
    max_count: int | None = None
    datatype: str | None = None
    node_kind: str | None = None
    class_: str | None = None
    in_values: list[str] | None = None  # SPARQL terms
    pattern: str | None = None  # already in the regex dialect of SPARQL REGEX (python_pattern)
    min_inclusive: str | None = None  # SPARQL term
    max_inclusive: str | None = None
    or_members: list[Member] | None = None


@dataclass
class SparqlRule:
    select: str
    prefixes: dict[str, str]
    messages: list[str]


@dataclass
class NodeShape:
    iri: str
    severity: str = "error"
    messages: list[str] = field(default_factory=list)
    target_classes: list[str] = field(default_factory=list)
    target_subjects_of: list[str] = field(default_factory=list)
    target_objects_of: list[str] = field(default_factory=list)
    target_nodes: list[str] = field(default_factory=list)  # SPARQL terms
    closed: bool = False
    ignored: list[str] = field(default_factory=list)
    properties: list[PropertyShape] = field(default_factory=list)
    sparql: list[SparqlRule] = field(default_factory=list)


def _first(messages: list[str]) -> str | None:
    return min(messages) if messages else None


def python_pattern(pattern: str) -> str:
    """The regex for SPARQL REGEX that matches where Python's `re.search` does: `$` also before a final newline."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "[":  # a character class, copied whole
            j = i + 1 + (pattern[i + 1 : i + 2] == "^")
            j += pattern[j : j + 1] == "]"
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i : j + 1])
            i = j + 1
        else:
            out.append("(?:\n?$)" if ch == "$" else ch)
            i += 1
    return "".join(out)


# ---- reading the shapes (rdflib, at compile time only) -------------------------------------------------


def load_shapes(sources: list[str]) -> list[NodeShape]:
    """The node shapes of the given Turtle documents; UnsupportedShape on anything the engine cannot run."""
    import rdflib

    g = rdflib.Graph()
    for text in sources:
        g.parse(data=text, format="turtle")
    return _Reader(g).node_shapes()


class _Reader:
    def __init__(self, g):
        from rdflib import RDF as R
        from rdflib import Namespace

        self.g = g
        self.sh = sh = Namespace(SH)
        objs = lambda p: set(g.objects(None, sh[p]))  # noqa: E731
        subs = lambda p: set(g.subjects(sh[p], None))  # noqa: E731
        typed = lambda t: set(g.subjects(R.type, sh[t]))  # noqa: E731
        targets = ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "target")
        targeted = set().union(*(subs(p) for p in targets))
        targeted |= {s for c in _implicit_classes(g) for s in g.subjects(R.type, c)}
        targeted &= subs("path") - objs("property")
        nodes = (
            typed("NodeShape").union(
                *(
                    subs(p)
                    for p in (
                        "targetClass",
                        "targetSubjectsOf",
                        "targetObjectsOf",
                        "targetNode",
                        "target",
                        "property",
                        "sparql",
                        "closed",
                        "ignoredProperties",
                    )
                )
            )
            - targeted
        )
        properties = (objs("property") | subs("path") | typed("PropertyShape")) - targeted
        self.roles: dict = {}
        for role, found in (
            ("node", nodes),
            ("property", properties),
            ("targeted", targeted),
            ("member", {m for lst in objs("or") for m in g.items(lst)}),
            ("sparql", objs("sparql")),
            ("prefixes", objs("prefixes") | subs("declare")),
            ("declaration", objs("declare")),
        ):
            for s in found:
                self.roles.setdefault(s, set()).add(role)
        types = {
            SH + "NodeShape": "node",
            SH + "PropertyShape": "property",
            SH + "SPARQLConstraint": "sparql",
            SH + "PrefixDeclaration": "declaration",
        }
        reports = _report_nodes(g) - set(self.roles)  # a node that is also a shape is checked as one
        for s, p, o in g:
            if s in reports:
                continue
            roles = self.roles.get(s, set())
            if len(roles & {"node", "property", "member", "targeted"}) > 1:
                self.fail(s, f"it is used as more than one kind of shape ({', '.join(sorted(roles))})")
            if (
                str(p) == RDF_TYPE
                and str(o).startswith(SH)
                and types.get(str(o)) not in roles
                and not (str(o) == SH + "PropertyShape" and "targeted" in roles)
            ):
                self.fail(s, f"rdf:type {o}")
            if (
                str(p).startswith(SH)
                and str(p) not in ANNOTATIONS
                and not any(str(p)[len(SH) :] in ALLOWED[r] for r in roles)
            ):
                self.fail(s, f"{p}" + (f" on a {'/'.join(sorted(roles))}" if roles else " outside any shape"))

    def fail(self, subject, why: str):
        raise UnsupportedShape(
            f"shape {subject}: {why}; the fast engine (exilegraph.shacl.fast) does not "
            "implement this: extend it, with a test against pySHACL, before using it"
        )

    def one(self, s, p, kind=None):
        values = list(self.g.objects(s, self.sh[p]))
        if len(values) > 1:
            self.fail(s, f"{len(values)} values of sh:{p}")
        if values and kind is not None and not isinstance(values[0], kind):
            self.fail(s, f"sh:{p} {values[0]!r} is not a {kind.__name__}")
        return values[0] if values else None

    def severity(self, s) -> str:
        sev = self.one(s, "severity")
        if sev is not None and str(sev) not in SEVERITY:
            self.fail(s, f"sh:severity {sev}")
        return SEVERITY[str(sev)] if sev is not None else "error"

    def messages(self, s) -> list[str]:
        out = sorted(str(m) for m in self.g.objects(s, self.sh.message))
        if any(re.search(r"\{[?$]\w+\}", m) for m in out):
            self.fail(s, "a sh:message with {?variable} substitution")
        return out

    def count(self, s, p) -> int | None:
        v = self.one(s, p)
        if v is not None and not (isinstance(v.toPython(), int) and v.toPython() >= 0):
            self.fail(s, f"sh:{p} {v!r} is not a non-negative integer")
        return v.toPython() if v is not None else None

    def node_shapes(self) -> list[NodeShape]:
        from rdflib import URIRef

        g, sh, out = self.g, self.sh, []
        classes = _implicit_classes(g)
        for s in sorted((s for s, r in self.roles.items() if r & {"node", "targeted"}), key=str):
            if not isinstance(s, URIRef):
                self.fail(s, "a node shape must be an IRI (it names the rule in every result)")
            standalone = "targeted" in self.roles[s]
            props = [s] if standalone else sorted(g.objects(s, sh.property), key=str)
            if len({self.one(p, "path") for p in props}) != len(props):
                self.fail(s, "two property shapes with the same sh:path in one node shape")
            closed, ignored = self.one(s, "closed"), self.one(s, "ignoredProperties")
            implicit = [str(s)] if set(g.objects(s, URIRef(RDF_TYPE))) & classes else []
            out.append(
                NodeShape(
                    iri=str(s),
                    severity=self.severity(s),
                    messages=self.messages(s),
                    target_classes=sorted(str(c) for c in g.objects(s, sh.targetClass)) + implicit,
                    target_subjects_of=sorted(str(p) for p in g.objects(s, sh.targetSubjectsOf)),
                    target_objects_of=sorted(str(p) for p in g.objects(s, sh.targetObjectsOf)),
                    target_nodes=sorted(self.target_node(n) for n in g.objects(s, sh.targetNode)),
                    closed=closed is not None and closed.toPython() is True,
                    ignored=[str(i) for i in g.items(ignored)] if ignored is not None else [],
                    properties=[self.property_shape(p, standalone) for p in props],
                    sparql=[self.sparql(c) for c in sorted(g.objects(s, sh.sparql), key=str)],
                )
            )
        return out

    def target_node(self, node) -> str:
        from rdflib import BNode

        if isinstance(node, BNode):
            self.fail(node, "a blank node as sh:targetNode (a query cannot name it)")
        return _term(node)

    def property_shape(self, s, standalone: bool = False) -> PropertyShape:
        from rdflib import Literal, URIRef

        if len(set(self.g.subjects(self.sh.property, s))) != (0 if standalone else 1):
            self.fail(s, "a property shape shared by several node shapes")
        path = self.one(s, "path", URIRef)
        if path is None:
            self.fail(s, "a property shape without sh:path, or with a path that is not one IRI")
        cls, values = self.one(s, "class", URIRef), self.one(s, "in")
        ps = PropertyShape(
            path=str(path),
            severity=self.severity(s),
            message=_first(self.messages(s)),
            min_count=self.count(s, "minCount"),
            max_count=self.count(s, "maxCount"),
            datatype=self.datatype(s),
            node_kind=self.node_kind(s),
            class_=str(cls) if cls is not None else None,
        )
        if values is not None:
            items = list(self.g.items(values))
            if not all(isinstance(v, (URIRef, Literal)) for v in items):
                self.fail(s, "sh:in with a blank node")
            ps.in_values = [_term(v) for v in items]
        pattern = self.one(s, "pattern", Literal)
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                self.fail(s, f"sh:pattern {pattern!r} is not a valid regular expression ({exc})")
            ps.pattern = python_pattern(str(pattern))
        for p, attr in (("minInclusive", "min_inclusive"), ("maxInclusive", "max_inclusive")):
            bound = self.one(s, p, Literal)
            if bound is not None and str(bound.datatype) not in NUMERIC:
                self.fail(s, f"sh:{p} {bound!r}: only integer and decimal bounds are supported")
            setattr(ps, attr, _term(bound) if bound is not None else None)
        members = self.one(s, "or")
        if members is not None:
            ps.or_members = [Member(self.datatype(m), self.node_kind(m)) for m in self.g.items(members)]
        return ps

    def datatype(self, s) -> str | None:
        dt = self.one(s, "datatype")
        if dt is not None and str(dt) not in DATATYPES:
            self.fail(s, f"sh:datatype {dt} (supported: {', '.join(sorted(DATATYPES))})")
        return str(dt) if dt is not None else None

    def node_kind(self, s) -> str | None:
        kind = self.one(s, "nodeKind")
        if kind is not None and str(kind)[len(SH) :] not in NODE_KINDS:
            self.fail(s, f"sh:nodeKind {kind}")
        return str(kind)[len(SH) :] if kind is not None else None

    def sparql(self, s) -> SparqlRule:
        from rdflib import Literal

        select = self.one(s, "select", Literal)
        if select is None:
            self.fail(s, "a SPARQL constraint without sh:select")
        prefixes: dict[str, str] = {}
        for holder in self.g.objects(s, self.sh.prefixes):
            for decl in self.g.objects(holder, self.sh.declare):
                prefix, ns = self.one(decl, "prefix", Literal), self.one(decl, "namespace")
                if prefix is None or ns is None or prefixes.setdefault(str(prefix), str(ns)) != str(ns):
                    self.fail(s, f"an incomplete or conflicting sh:declare for prefix {prefix}")
        check_select(str(select), prefixes, lambda why: self.fail(s, why))
        return SparqlRule(str(select), prefixes, self.messages(s))


def _implicit_classes(g) -> set:
    """The classes that make a shape of that type target its instances (as pySHACL reads them)."""
    from rdflib import URIRef

    classes = {URIRef(RDFS + "Class"), URIRef("http://www.w3.org/2002/07/owl#Class")}
    return classes | set(g.subjects(URIRef(SUBCLASS), URIRef(RDFS + "Class")))


def _report_nodes(g) -> set:
    """Validation reports in the shapes graph (the W3C tests keep the expected one there) and the results and
    result paths under them: not shapes, so not read."""
    from rdflib import RDF as R
    from rdflib import BNode, URIRef

    sh = lambda name: URIRef(SH + name)  # noqa: E731
    todo = [(n, False) for t in ("ValidationReport", "ValidationResult") for n in g.subjects(R.type, sh(t))]
    seen: set = set()
    while todo:
        node, in_path = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if in_path:  # a path expression: blank nodes and lists all the way down
            todo += [(o, True) for o in g.objects(node, None) if isinstance(o, BNode)]
        else:
            todo += [(o, False) for p in ("result", "detail") for o in g.objects(node, sh(p))]
            todo += [(o, True) for o in g.objects(node, sh("resultPath")) if isinstance(o, BNode)]
    return seen


def _term(term) -> str:
    """An rdflib IRI or literal as a SPARQL and N-Triples term, as pyoxigraph writes it."""
    from rdflib import Literal

    if not isinstance(term, Literal):
        return str(ox.NamedNode(str(term)))
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None))
