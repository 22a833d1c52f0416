"""The fast SHACL engine: our shapes compiled once to SPARQL SELECTs and run on a pyoxigraph Store.

`FastEngine()` reads the shapes of `shape_files()`, refuses any SHACL construct it does not implement
(`UnsupportedShape`, at compile time, so a new kind of shape cannot silently weaken validation) and
compiles each targeted node shape into at most two queries plus one per SHACL-SPARQL rule: a scan of
its focus nodes' triples checking every value-level constraint and sh:closed, and a count query for
sh:minCount/sh:maxCount. `validate(store)` runs them on the store's default graph and returns the same
sorted `Violation`s as the reference engine (pySHACL, reference.py); tests/test_shacl_engines.py is
the proof.

Where pySHACL departs from the letter of SHACL the fast engine follows pySHACL, since sameness is the
contract: sh:pattern's `$` also matches before a final newline (Python `re`); sh:datatype checks the
lexical form only of xsd:integer, xsd:boolean and xsd:date, the way rdflib parses them.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import Violation, shape_files

SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE, SUBCLASS = RDF + "type", RDFS + "subClassOf"
SEVERITY = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}
NODE_KINDS = {  # sh:nodeKind -> condition on ?value
    "IRI": "isIRI(?value)", "Literal": "isLiteral(?value)", "BlankNode": "isBlank(?value)",
    "BlankNodeOrIRI": "(isIRI(?value) || isBlank(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}
DATATYPES = {RDF + "langString"} | {XSD + t for t in ("string", "integer", "boolean", "date", "gYear", "gYearMonth")}
NUMERIC = {XSD + t for t in ("integer", "decimal")}
ANNOTATIONS = {SH + p for p in ("description", "name", "order")}
ALLOWED = {  # role -> the sh: predicates a subject in that role may carry
    "node": {"targetClass", "targetSubjectsOf", "closed", "ignoredProperties", "property", "sparql",
             "severity", "message"},
    "property": {"path", "minCount", "maxCount", "datatype", "nodeKind", "class", "in", "pattern",
                 "minInclusive", "maxInclusive", "or", "severity", "message"},
    "member": {"datatype", "nodeKind"},
    "sparql": {"select", "prefixes", "message"},
    "prefixes": {"declare"},
    "declaration": {"prefix", "namespace"},
}
TRIM = "^[ \t\n\r]+|[ \t\n\r]+$"
INTEGER = "^[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*$"  # what Python's int() accepts, less "_" and non-ASCII digits


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the fast engine does not implement."""


def violation_key(v: Violation) -> tuple:
    """Sort key for Violations (None first); both engines sort with it."""
    return (v.focus, v.path or "", v.component, v.shape, v.value or "", v.severity, v.message or "")


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
    pattern: str | None = None
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
    closed: bool = False
    ignored: list[str] = field(default_factory=list)
    properties: list[PropertyShape] = field(default_factory=list)
    sparql: list[SparqlRule] = field(default_factory=list)


@dataclass
class _Query:
    kind: str  # "values", "counts" or "sparql"
    node: NodeShape
    text: dict = field(default_factory=dict)  # False/True (data has rdfs:subClassOf triples) -> query
    checks: dict = field(default_factory=dict)  # "values": token -> (component, severity, message)
    counts: dict = field(default_factory=dict)  # "counts": key (index or path IRI) -> property shape
    rule: SparqlRule | None = None


class FastEngine:
    """SHACL validation of a pyoxigraph Store with our shapes compiled to SPARQL: compile once, reuse."""

    def __init__(self, shapes_ttl: list[str] | None = None):
        """Compile the project's shapes, or the given Turtle documents (each parsed on its own)."""
        started = time.perf_counter()
        sources = [p.read_text(encoding="utf-8") for p in shape_files()] if shapes_ttl is None else shapes_ttl
        self.shapes = load_shapes(sources)
        self.queries = [q for node in self.shapes for q in _compile(node)]
        probe = ox.Store()
        for q in self.queries:
            for text in q.text.values():
                try:
                    probe.query(text)
                except SyntaxError as exc:
                    raise UnsupportedShape(f"shape {q.node.iri}: compiled to a query oxigraph rejects ({exc})") from None
        self.compile_seconds = time.perf_counter() - started

    def validate(self, store: ox.Store, workers: int | None = None) -> list[Violation]:
        """Every violation of the data in the store's default graph, sorted and de-duplicated.

        Queries run on `workers` threads (pyoxigraph releases the GIL); by default one thread for a small
        store and up to four for a store of 20,000 triples or more."""
        def present(s=None, p=None, o=None) -> bool:
            return next(store.quads_for_pattern(s, p, o, ox.DefaultGraph()), None) is not None

        subclass = present(p=ox.NamedNode(SUBCLASS))
        queries = self.queries
        if not subclass:  # without subclass reasoning a shape whose targets are absent has nothing to check
            type_ = ox.NamedNode(RDF_TYPE)
            focus = {n.iri: any(present(p=type_, o=ox.NamedNode(c)) for c in n.target_classes)
                     or any(present(p=ox.NamedNode(p)) for p in n.target_subjects_of) for n in self.shapes}
            queries = [q for q in queries if focus[q.node.iri]]
        if workers is None:
            big = sum(1 for _ in islice(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), 20_000))
            workers = min(4, os.cpu_count() or 1) if big == 20_000 else 1

        def run(q: _Query) -> list[Violation]:
            decode = {"values": _values_results, "counts": _count_results, "sparql": _sparql_results}[q.kind]
            return list(decode(q, store.query(q.text[subclass])))

        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                found = list(pool.map(run, queries))
        else:
            found = [run(q) for q in queries]
        return sorted({v for part in found for v in part}, key=violation_key)

    def validate_lines(self, lines: list[str]) -> list[Violation]:
        """Validate N-Triples lines (data plus `provenance.vocabulary_lines()`) in a fresh in-memory Store."""
        store = ox.Store()
        store.load(input="\n".join(lines) + "\n", format=ox.RdfFormat.N_TRIPLES)
        return self.validate(store)


# ---- results ----------------------------------------------------------------------------------------

def _name(term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _values_results(q: _Query, rows):
    for this, pred, value, bad in rows:
        for token in bad.value.split(",")[:-1]:
            component, severity, message = q.checks[token]
            yield Violation(_name(this), _name(pred), component, q.node.iri, str(value), severity, message)


def _count_results(q: _Query, rows):
    for this, key, n in rows:
        prop, n = q.counts[int(key.value) if isinstance(key, ox.Literal) else key.value], int(n.value)
        for bound, component, failed in ((prop.min_count, "MinCount", lambda b: n < b),
                                         (prop.max_count, "MaxCount", lambda b: n > b)):
            if bound is not None and failed(bound):
                yield Violation(_name(this), prop.path, component + "ConstraintComponent", q.node.iri, None,
                                prop.severity, prop.message)


def _sparql_results(q: _Query, rows):
    message = _first(q.node.messages + q.rule.messages)
    for this, value, path in rows:
        yield Violation(_name(this), _name(path) if path is not None else None, "SPARQLConstraintComponent",
                        q.node.iri, str(value if value is not None else this), q.node.severity, message)


def _first(messages: list[str]) -> str | None:
    return min(messages) if messages else None


# ---- compiling to SPARQL ----------------------------------------------------------------------------

def _compile(node: NodeShape) -> list[_Query]:
    if not (node.target_classes or node.target_subjects_of):
        return []  # a node shape without targets validates nothing (as in pySHACL)
    queries = [_values_query(node), *_count_queries(node)]
    queries += [_sparql_query(node, rule) for rule in node.sparql]
    return [q for q in queries if q is not None]


def _type_path(subclass: bool) -> str:
    return f"<{RDF_TYPE}>/<{SUBCLASS}>*" if subclass else f"<{RDF_TYPE}>"


def _targets(node: NodeShape, subclass: bool) -> str:
    """A group pattern binding ?this to each focus node of the shape, once."""
    parts = [f"?this {_type_path(subclass)} <{c}> ." for c in node.target_classes]
    parts += [f"?this <{p}> ?_t ." for p in node.target_subjects_of]
    if len(parts) == 1:
        return parts[0]
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {p} }}" for p in parts) + " } }"


def _values_query(node: NodeShape) -> _Query | None:
    """One pass over the focus nodes' triples; ?bad lists the tokens of the checks a triple fails.

    Property shapes with the same checks, severity and message share one branch (`?p IN (...)`)."""
    q = _Query("values", node)
    groups: dict[tuple, list[str]] = {}
    for prop in node.properties:
        checks = tuple(_value_checks(prop))
        if checks:
            groups.setdefault((checks, prop.severity, prop.message), []).append(prop.path)
    if not groups and not node.closed:
        return None
    branches = []
    for g, ((checks, severity, message), paths) in enumerate(groups.items()):
        tests = []
        for j, (component, ok) in enumerate(checks):
            q.checks[f"{g}.{j}"] = (component + "ConstraintComponent", severity, message)
            tests.append(f'IF({ok}, "", "{g}.{j},")')
        test = tests[0] if len(tests) == 1 else f"CONCAT({', '.join(tests)})"
        cond = f"?p = <{paths[0]}>" if len(paths) == 1 else f"?p IN ({', '.join(f'<{p}>' for p in paths)})"
        branches.append((cond, test))
    default = '""'
    if node.closed:
        q.checks["c"] = ("ClosedConstraintComponent", node.severity, _first(node.messages))
        allowed = ", ".join(f"<{p}>" for p in sorted({p.path for p in node.properties} | set(node.ignored)))
        default = f'IF(?p IN ({allowed}), "", "c,")' if allowed else '"c,"'
    for subclass in (False, True):
        expr = default
        for cond, test in reversed(branches):
            expr = f"IF({cond}, {test.replace('%TYPE%', _type_path(subclass))}, {expr})"
        q.text[subclass] = (f"SELECT ?this ?p ?value ?bad WHERE {{\n  {_targets(node, subclass)}\n"
                            f"  ?this ?p ?value .\n  BIND ({expr} AS ?bad)\n  FILTER (?bad != \"\")\n}}")
    return q


def _count_queries(node: NodeShape) -> list[_Query]:
    """sh:minCount: each focus node x each constrained path; sh:maxCount: only the paths it has, grouped."""
    out = []
    mins = {i: p for i, p in enumerate(node.properties) if p.min_count}
    maxs = {i: p for i, p in enumerate(node.properties) if p.max_count is not None}
    if mins:
        q = _Query("counts", node, counts=mins)
        rows = " ".join(f"({i} <{p.path}> {p.min_count})" for i, p in mins.items())
        for subclass in (False, True):
            q.text[subclass] = (f"SELECT ?this ?k (COUNT(?o) AS ?n) WHERE {{\n  {_targets(node, subclass)}\n"
                                f"  VALUES (?k ?p ?lo) {{ {rows} }}\n  OPTIONAL {{ ?this ?p ?o }}\n"
                                "} GROUP BY ?this ?k ?lo HAVING (COUNT(?o) < ?lo)")
        out.append(q)
    if maxs:
        q = _Query("counts", node, counts={p.path: p for p in maxs.values()})
        paths = ", ".join(sorted(f"<{p.path}>" for p in maxs.values()))
        for subclass in (False, True):
            q.text[subclass] = (f"SELECT ?this ?p (COUNT(?o) AS ?n) WHERE {{\n  {_targets(node, subclass)}\n"
                                f"  ?this ?p ?o .\n  FILTER (?p IN ({paths}))\n"
                                f"}} GROUP BY ?this ?p HAVING (COUNT(?o) > {min(p.max_count for p in maxs.values())})")
        out.append(q)
    return out


def _sparql_query(node: NodeShape, rule: SparqlRule) -> _Query:
    """The rule's SELECT as a sub-query joined with the focus nodes: the same rows as binding $this to each."""
    q = _Query("sparql", node, rule=rule)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(rule.prefixes.items()))
    for subclass in (False, True):
        q.text[subclass] = (f"{prefixes}SELECT ?this ?value ?path WHERE {{\n  {_targets(node, subclass)}\n"
                            f"  {{ {rule.select} }}\n}}")
    return q


def _value_checks(prop: PropertyShape) -> list[tuple[str, str]]:
    """(component, condition true when ?value satisfies it and never an error) for each constraint."""
    checks = []
    if prop.datatype:
        checks.append(("Datatype", _datatype_ok(prop.datatype)))
    if prop.node_kind:
        checks.append(("NodeKind", NODE_KINDS[prop.node_kind]))
    if prop.class_:
        checks.append(("Class", f"EXISTS {{ ?value %TYPE% <{prop.class_}> }}"))
    if prop.in_values is not None:
        simple = all(t.startswith("<") or t.endswith('"') for t in prop.in_values)
        if simple:  # IRIs and plain strings: `=` is sameTerm, an error (other literal types) means "not in"
            checks.append(("In", f"COALESCE(?value IN ({', '.join(prop.in_values)}), false)"))
        else:
            checks.append(("In", "(" + (" || ".join(f"sameTerm(?value, {t})" for t in prop.in_values) or "false") + ")"))
    if prop.pattern is not None:
        checks.append(("Pattern", f"(!isBlank(?value) && REGEX(STR(?value), {_string(prop.pattern)}))"))
    for component, op, bound in (("MinInclusive", ">=", prop.min_inclusive), ("MaxInclusive", "<=", prop.max_inclusive)):
        if bound is not None:  # rdflib reads " 5"^^xsd:integer as 5: retry with the white space trimmed
            trimmed = f'STRDT(REPLACE(STR(?value), {_string(TRIM)}, ""), DATATYPE(?value))'
            checks.append((component, f"COALESCE(?value {op} {bound}, {trimmed} {op} {bound}, false)"))
    if prop.or_members is not None:
        alts = []
        for m in prop.or_members:  # a datatype check implies nodeKind sh:Literal
            kind = None if m.datatype and m.node_kind == "Literal" else m.node_kind
            alts.append(" && ".join(filter(None, (m.datatype and _datatype_ok(m.datatype), kind and NODE_KINDS[kind])))
                        or "true")
        checks.append(("Or", "(" + (" || ".join(alts) or "false") + ")"))
    return checks


def _datatype_ok(dt: str) -> str:
    """The literal has datatype `dt` and, where rdflib checks it, a lexical form rdflib accepts."""
    if dt == RDF + "langString":
        return '(isLiteral(?value) && LANG(?value) != "")'
    ok = f"isLiteral(?value) && DATATYPE(?value) = <{dt}>"
    if dt == XSD + "integer":  # Python int() of the lexical form
        ok += f" && REGEX(STR(?value), {_string(INTEGER)})"
    elif dt == XSD + "boolean":
        ok += ' && STR(?value) IN ("true", "false", "1", "0")'
    elif dt == XSD + "date":  # a calendar day, then rdflib drops a trailing Z, a time part or a time zone
        day = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*|[+][^+]*|-[^-+T]*:[^-+T]*)?[Zz]?$"
        ok += (f" && REGEX(STR(?value), {_string(day)}) && !STRSTARTS(STR(?value), \"0000\")"
               f" && COALESCE(DATATYPE(<{XSD}date>(SUBSTR(STR(?value), 1, 10))) = <{XSD}date>, false)")
    return f"({ok})"


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def python_pattern(pattern: str) -> str:
    """The regex for SPARQL REGEX that matches where Python's `re.search` does: `$` also before a final newline."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        elif ch == "[":  # copy a character class whole
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            j += pattern[j:j + 1] == "]"
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i:j + 1])
            i = j + 1
        else:
            out.append("(?:\n?$)" if ch == "$" else ch)
            i += 1
    return "".join(out)


# ---- reading the shapes -----------------------------------------------------------------------------

def load_shapes(sources: list[str]) -> list[NodeShape]:
    """The node shapes of the given Turtle documents; UnsupportedShape on anything the engine cannot run."""
    import rdflib

    g = rdflib.Graph()
    for text in sources:
        g.parse(data=text, format="turtle")
    return _Reader(g).node_shapes()


class _Reader:
    def __init__(self, g):
        from rdflib import RDF as R, Namespace

        self.g, self.sh, self.R = g, Namespace(SH), R
        sh = self.sh
        objs = lambda p: {o for o in g.objects(None, p)}  # noqa: E731
        subs = lambda p: {s for s in g.subjects(p, None)}  # noqa: E731
        self.roles: dict = {}
        nodes = set(g.subjects(R.type, sh.NodeShape))
        for p in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "target", "property",
                  "sparql", "closed", "ignoredProperties"):
            nodes |= subs(sh[p])
        props = objs(sh.property) | subs(sh.path) | set(g.subjects(R.type, sh.PropertyShape))
        members = {m for lst in objs(sh["or"]) for m in g.items(lst)}
        for role, found in (("node", nodes), ("property", props), ("member", members), ("sparql", objs(sh.sparql)),
                            ("prefixes", objs(sh.prefixes) | subs(sh.declare)), ("declaration", objs(sh.declare))):
            for s in found:
                self.roles.setdefault(s, set()).add(role)
        self.check_vocabulary()

    def fail(self, subject, why: str):
        raise UnsupportedShape(f"shape {subject}: {why}; the fast engine (exilegraph.shacl.fast) does not "
                               "implement this: extend it, with a test against pySHACL, before using it")

    def check_vocabulary(self) -> None:
        types = {SH + "NodeShape": "node", SH + "PropertyShape": "property", SH + "SPARQLConstraint": "sparql"}
        for s, p, o in self.g:
            roles = self.roles.get(s, set())
            if len(roles & {"node", "property", "member"}) > 1:
                self.fail(s, f"it is used as more than one kind of shape ({', '.join(sorted(roles))})")
            if str(p) == RDF_TYPE and str(o).startswith(SH) and types.get(str(o)) not in roles:
                self.fail(s, f"rdf:type {o}")
            if not str(p).startswith(SH) or str(p) in ANNOTATIONS:
                continue
            if not any(str(p)[len(SH):] in ALLOWED[r] for r in roles):
                self.fail(s, f"{p}" + (f" on a {'/'.join(sorted(roles))}" if roles else " outside any shape"))

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

    def count(self, s, p):
        v = self.one(s, p)
        if v is not None and not (isinstance(v.toPython(), int) and v.toPython() >= 0):
            self.fail(s, f"sh:{p} {v!r} is not a non-negative integer")
        return v.toPython() if v is not None else None

    def node_shapes(self) -> list[NodeShape]:
        from rdflib import URIRef

        out = []
        for s in sorted((s for s, r in self.roles.items() if "node" in r), key=str):
            if not isinstance(s, URIRef):
                self.fail(s, "a node shape must be an IRI (it names the rule in every result)")
            closed = self.one(s, "closed")
            implicit = set(self.g.objects(s, self.R.type)) & ({URIRef(RDFS + "Class"), URIRef(
                "http://www.w3.org/2002/07/owl#Class")} | set(self.g.subjects(URIRef(SUBCLASS), URIRef(RDFS + "Class"))))
            ignored = self.one(s, "ignoredProperties")
            out.append(NodeShape(
                iri=str(s), severity=self.severity(s), messages=self.messages(s),
                target_classes=sorted(str(c) for c in self.g.objects(s, self.sh.targetClass)) + ([str(s)] if implicit else []),
                target_subjects_of=sorted(str(p) for p in self.g.objects(s, self.sh.targetSubjectsOf)),
                closed=bool(closed is not None and closed.toPython() is True),
                ignored=[str(i) for i in self.g.items(ignored)] if ignored is not None else [],
                properties=[self.property_shape(p) for p in sorted(self.g.objects(s, self.sh.property), key=str)],
                sparql=[self.sparql(c) for c in sorted(self.g.objects(s, self.sh.sparql), key=str)]))
        return out

    def property_shape(self, s) -> PropertyShape:
        from rdflib import Literal, URIRef

        owners = set(self.g.subjects(self.sh.property, s))
        if len({self.one(p, "path") for p in self.g.objects(next(iter(owners)), self.sh.property)}) \
                != len(list(self.g.objects(next(iter(owners)), self.sh.property))) if owners else False:
            self.fail(next(iter(owners)), "two property shapes with the same sh:path")
        if len(owners) != 1:
            self.fail(s, f"a property shape shared by {len(owners)} node shapes")
        path = self.one(s, "path", URIRef)
        if path is None:
            self.fail(s, "a property shape without sh:path (or with a complex path)")
        ps = PropertyShape(path=str(path), severity=self.severity(s), message=_first(self.messages(s)),
                           min_count=self.count(s, "minCount"), max_count=self.count(s, "maxCount"))
        ps.datatype, ps.node_kind = self.datatype(s), self.node_kind(s)
        cls = self.one(s, "class", URIRef)
        ps.class_ = str(cls) if cls is not None else None
        values = self.one(s, "in")
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
        if kind is not None and str(kind)[len(SH):] not in NODE_KINDS:
            self.fail(s, f"sh:nodeKind {kind}")
        return str(kind)[len(SH):] if kind is not None else None

    def sparql(self, s) -> SparqlRule:
        from rdflib import Literal

        select = self.one(s, "select", Literal)
        if select is None:
            self.fail(s, "a SPARQL constraint without sh:select")
        prefixes: dict[str, str] = {}
        for holder in self.g.objects(s, self.sh.prefixes):
            for decl in self.g.objects(holder, self.sh.declare):
                prefix, ns = str(self.one(decl, "prefix", Literal)), str(self.one(decl, "namespace"))
                if prefixes.setdefault(prefix, ns) != ns:
                    self.fail(s, f"prefix {prefix}: declared with two namespaces")
        _check_select(self, s, str(select), prefixes)
        return SparqlRule(str(select), prefixes, self.messages(s))


def _check_select(reader: _Reader, s, select: str, prefixes: dict[str, str]) -> None:
    """Refuse queries whose meaning could change when $this is joined instead of pre-bound."""
    from rdflib.plugins.sparql import prepareQuery

    if re.match(r"\s*(PREFIX|BASE)\b", select, re.I):
        reader.fail(s, "PREFIX or BASE inside sh:select (use sh:prefixes)")
    others = set(re.findall(r"\$(\w+)", select)) - {"this"}
    if others:
        reader.fail(s, f"pre-bound variables {sorted(others)} in sh:select")
    try:
        query = prepareQuery("".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + select)
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions for unknown prefixes
        reader.fail(s, f"sh:select does not parse ({exc}); a query the engine cannot read")
    projected = {str(v) for v in query.algebra.PV}
    if query.algebra.name != "SelectQuery" or "this" not in projected or projected - {"this", "value", "path"}:
        reader.fail(s, f"sh:select must SELECT $this and optionally ?value, ?path (it selects {sorted(projected)})")

    def bound(node) -> set:
        if node.name in ("Project", "Distinct", "Filter", "Extend"):
            return bound(node.p)
        if node.name == "Join":
            return bound(node.p1) | bound(node.p2)
        if node.name == "BGP":
            return {str(t) for triple in node.triples for t in triple}
        reader.fail(s, f"sh:select uses {node.name} around its main pattern")

    if "this" not in bound(query.algebra.p):
        reader.fail(s, "sh:select must bind $this in a triple pattern of its main group")


def _term(term) -> str:
    """An rdflib IRI or literal as a SPARQL / N-Triples term (as pyoxigraph writes it)."""
    from rdflib import Literal

    if not isinstance(term, Literal):
        return str(ox.NamedNode(str(term)))
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None))
