"""The fast SHACL engine: our shapes compiled once to SPARQL SELECTs and run on a pyoxigraph Store.

`FastEngine()` reads the shapes of `shape_files()` and refuses, at compile time, any SHACL construct it
does not implement (`UnsupportedShape`), so a new kind of shape cannot silently weaken validation. Each
targeted node shape becomes a few queries: one scan of its focus nodes' triples that checks every
value-level constraint and sh:closed at once, look-ups for sh:minCount/sh:maxCount 1 (counting for other
bounds), and one query per SHACL-SPARQL rule. `validate(store)` runs them on the store's default graph
and returns the same sorted `Violation`s as the reference engine (pySHACL, reference.py);
tests/test_shacl_engines.py is the proof.

Where pySHACL departs from the letter of SHACL the fast engine follows pySHACL, since sameness is the
contract: sh:pattern's `$` also matches before a final newline (Python `re`), and sh:datatype checks the
lexical form only of xsd:integer, xsd:boolean and xsd:date, as rdflib parses them. One difference is
the store's: it keeps "5"^^xsd:int as "5"^^xsd:integer, which sh:datatype xsd:integer then accepts.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

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
    "BlankNodeOrIRI": "(isIRI(?value) || isBlank(?value))", "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}
DATATYPES = {RDF + "langString"} | {XSD + t for t in ("string", "integer", "boolean", "date", "gYear", "gYearMonth")}
NUMERIC = {XSD + "integer", XSD + "decimal"}
ANNOTATIONS = {SH + "description", SH + "name", SH + "order"}
ALLOWED = {  # role -> the sh: predicates a subject in that role may carry
    "node": {"targetClass", "targetSubjectsOf", "closed", "ignoredProperties", "property", "sparql", "severity",
             "message"},
    "property": {"path", "minCount", "maxCount", "datatype", "nodeKind", "class", "in", "pattern", "minInclusive",
                 "maxInclusive", "or", "severity", "message"},
    "member": {"datatype", "nodeKind"},
    "sparql": {"select", "prefixes", "message"},
    "prefixes": {"declare"},
    "declaration": {"prefix", "namespace"},
}
TRIM = "^[ \t\n\r]+|[ \t\n\r]+$"
INTEGER = "^[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*$"  # what Python's int() reads, less "_" and non-ASCII digits
DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*|[+][^+]*|-[^-+T]*:[^-+T]*)?[Zz]?$"  # rdflib drops a time or a zone
COMPILER = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]  # changes with this module's code


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
    closed: bool = False
    ignored: list[str] = field(default_factory=list)
    properties: list[PropertyShape] = field(default_factory=list)
    sparql: list[SparqlRule] = field(default_factory=list)


@dataclass
class _Query:
    kind: str  # "values", "mincount", "maxcount" or "sparql"
    node: NodeShape
    text: dict = field(default_factory=dict)  # False/True (the data has rdfs:subClassOf triples) -> query
    checks: dict = field(default_factory=dict)  # "values": token -> (component, severity, message)
    counts: dict = field(default_factory=dict)  # min/maxcount: ?k (property index) -> property shape
    rule: SparqlRule | None = None


class FastEngine:
    """SHACL validation of a pyoxigraph Store with our shapes compiled to SPARQL: compile once, reuse."""

    def __init__(self, shapes_ttl: list[str] | None = None):
        """Compile the project's shapes, or the given Turtle documents (each parsed on its own)."""
        started = time.perf_counter()
        self.shapes_ttl = shapes_ttl
        sources = [p.read_text(encoding="utf-8") for p in shape_files()] if shapes_ttl is None else shapes_ttl
        self.shapes = load_shapes(sources)
        self.queries = [q for node in self.shapes for q in _compile(node)]
        probe = ox.Store()
        for q in self.queries:
            for text in q.text.values():
                try:
                    probe.query(text)
                except SyntaxError as exc:
                    raise UnsupportedShape(f"shape {q.node.iri} compiled to a query oxigraph rejects: {exc}") from None
        self.compile_seconds = time.perf_counter() - started

    def __getstate__(self) -> dict:
        return {**self.__dict__, "compiler": COMPILER}

    def __setstate__(self, state: dict) -> None:
        """An engine pickled (validate/cache.py keeps one on disk) by another version of this module is
        compiled afresh: its queries are those of the old code."""
        if state.pop("compiler", None) != COMPILER:
            self.__init__(state.get("shapes_ttl"))
        else:
            self.__dict__.update(state)

    def validate(self, store: ox.Store, workers: int | None = None) -> list[Violation]:
        """Every violation of the data in the store's default graph, sorted and de-duplicated.

        Queries run on `workers` threads (pyoxigraph releases the GIL): by default one for a small store,
        up to four from 20,000 triples on."""
        def present(p=None, o=None) -> bool:
            return next(store.quads_for_pattern(None, p, o, ox.DefaultGraph()), None) is not None

        subclass = present(ox.NamedNode(SUBCLASS))
        queries = self.queries
        if not subclass:  # then a shape none of whose targets occurs has nothing to check
            is_a = ox.NamedNode(RDF_TYPE)
            focus = {n.iri: any(present(is_a, ox.NamedNode(c)) for c in n.target_classes)
                     or any(present(ox.NamedNode(p)) for p in n.target_subjects_of) for n in self.shapes}
            queries = [q for q in queries if focus[q.node.iri]]
        if workers is None:
            size = sum(1 for _ in islice(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), 20_000))
            workers = min(4, os.cpu_count() or 1) if size == 20_000 else 1

        def run(q: _Query) -> list[Violation]:
            return list(DECODE[q.kind](q, store.query(q.text[subclass])))

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


def _first(messages: list[str]) -> str | None:
    return min(messages) if messages else None


def _values_results(q: _Query, rows):
    for this, pred, value, bad in rows:
        for token in bad.value.split(",")[:-1]:
            component, severity, message = q.checks[token]
            yield Violation(_name(this), _name(pred), component, q.node.iri, str(value), severity, message)


def _count_results(q: _Query, rows):
    component = "MinCountConstraintComponent" if q.kind == "mincount" else "MaxCountConstraintComponent"
    for this, key in rows:
        prop = q.counts[int(key.value)]
        yield Violation(_name(this), prop.path, component, q.node.iri, None, prop.severity, prop.message)


def _sparql_results(q: _Query, rows):
    message = _first(q.node.messages + q.rule.messages)
    for this, value, path in rows:  # without ?value, a node shape's result carries the focus node (pySHACL)
        yield Violation(_name(this), _name(path) if path is not None else None, "SPARQLConstraintComponent",
                        q.node.iri, str(value if value is not None else this), q.node.severity, message)


DECODE = {"values": _values_results, "mincount": _count_results, "maxcount": _count_results,
          "sparql": _sparql_results}


# ---- compiling to SPARQL ----------------------------------------------------------------------------

def _compile(node: NodeShape) -> list[_Query]:
    if not (node.target_classes or node.target_subjects_of):
        return []  # a node shape without targets validates nothing (as in pySHACL)
    queries = [_values_query(node), *_count_queries(node), *(_sparql_query(node, r) for r in node.sparql)]
    return [q for q in queries if q is not None]


def _type_path(subclass: bool) -> str:
    return f"<{RDF_TYPE}>/<{SUBCLASS}>*" if subclass else f"<{RDF_TYPE}>"


def _targets(node: NodeShape, subclass: bool) -> str:
    """A group pattern binding ?this to each focus node of the shape, once."""
    parts = [f"?this {_type_path(subclass)} <{c}> ." for c in node.target_classes]
    parts += [f"?this <{p}> ?_t ." for p in node.target_subjects_of]
    if len(parts) == 1 and node.target_classes and not subclass:
        return parts[0]  # the one pattern that cannot bind a node twice
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {p} }}" for p in parts) + " } }"


def _values_query(node: NodeShape) -> _Query | None:
    """One pass over the focus nodes' triples; ?bad lists the tokens of the checks a triple fails.
    Property shapes with the same checks, severity and message share a branch (`?p IN (...)`)."""
    q = _Query("values", node)
    groups: dict[tuple, list[str]] = {}
    for prop in node.properties:
        if checks := tuple(_value_checks(prop)):
            groups.setdefault((checks, prop.severity, prop.message), []).append(prop.path)
    if not groups and not node.closed:
        return None
    branches = []
    for g, ((checks, severity, message), paths) in enumerate(groups.items()):
        tests = []
        for j, (component, ok) in enumerate(checks):
            q.checks[f"{g}.{j}"] = (component + "ConstraintComponent", severity, message)
            tests.append(f'IF({ok}, "", "{g}.{j},")')
        cond = f"?p = <{paths[0]}>" if len(paths) == 1 else f"?p IN ({', '.join(f'<{p}>' for p in paths)})"
        branches.append((cond, tests[0] if len(tests) == 1 else f"CONCAT({', '.join(tests)})"))
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
                            f'  ?this ?p ?value .\n  BIND ({expr} AS ?bad)\n  FILTER (?bad != "")\n}}')
    return q


def _count_queries(node: NodeShape) -> list[_Query]:
    """sh:minCount 1 and sh:maxCount 1 as (NOT) EXISTS look-ups, other bounds by counting (GROUP BY).
    Each query yields (?this, ?k): the focus node and the index of the property shape it fails."""
    out = []
    props = dict(enumerate(node.properties))

    def add(kind: str, bound: str, group: str | None, body: str) -> None:
        """One query for the shapes whose bound is 1 (group None) or is another number (group: < or >)."""
        chosen = {i: p for i, p in props.items() if (v := getattr(p, bound)) is not None
                  and (v == 1) == (group is None) and not (kind == "mincount" and v == 0)}
        if not chosen:
            return
        q = _Query(kind, node, counts=chosen)
        rows = " ".join(f"({i} <{p.path}> {getattr(p, bound)})" for i, p in chosen.items())
        for subclass in (False, True):
            q.text[subclass] = (f"SELECT {'DISTINCT ' if group is None else ''}?this ?k WHERE {{\n"
                                f"  {_targets(node, subclass)}\n  VALUES (?k ?p ?bound) {{ {rows} }}\n{body}}}"
                                + (f" GROUP BY ?this ?k ?bound HAVING (COUNT(?o) {group} ?bound)" if group else ""))
        out.append(q)

    add("mincount", "min_count", None, "  FILTER NOT EXISTS { ?this ?p ?o }\n")
    add("mincount", "min_count", "<", "  OPTIONAL { ?this ?p ?o }\n")
    add("maxcount", "max_count", None, "  ?this ?p ?o .\n  FILTER EXISTS { ?this ?p ?o2 FILTER (!sameTerm(?o, ?o2)) }\n")
    add("maxcount", "max_count", ">", "  ?this ?p ?o .\n")
    return out


def _sparql_query(node: NodeShape, rule: SparqlRule) -> _Query:
    """The rule's SELECT as a sub-query joined with the focus nodes: the rows binding $this to each would give
    (_check_select admits only queries for which that holds)."""
    q = _Query("sparql", node, rule=rule)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(rule.prefixes.items()))
    for subclass in (False, True):
        q.text[subclass] = (f"{prefixes}SELECT ?this ?value ?path WHERE {{\n  {_targets(node, subclass)}\n"
                            f"  {{ {rule.select} }}\n}}")
    return q


def _value_checks(prop: PropertyShape) -> list[tuple[str, str]]:
    """(component, condition true when ?value satisfies it, never an error) for each value-level constraint."""
    checks = []
    if prop.datatype:
        checks.append(("Datatype", _datatype_ok(prop.datatype)))
    if prop.node_kind:
        checks.append(("NodeKind", NODE_KINDS[prop.node_kind]))
    if prop.class_:
        checks.append(("Class", f"EXISTS {{ ?value %TYPE% <{prop.class_}> }}"))
    if prop.in_values is not None:
        if all(t.startswith("<") or t.endswith('"') for t in prop.in_values):
            # IRIs and plain strings: `=` is sameTerm, and an error (another literal type) means "not in"
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
        for m in prop.or_members:  # a datatype check implies sh:nodeKind sh:Literal
            kind = None if m.datatype and m.node_kind == "Literal" else m.node_kind
            conds = [c for c in (m.datatype and _datatype_ok(m.datatype), kind and NODE_KINDS[kind]) if c]
            alts.append(" && ".join(conds) or "true")
        checks.append(("Or", "(" + (" || ".join(alts) or "false") + ")"))
    return checks


def _datatype_ok(dt: str) -> str:
    """The literal has datatype `dt` and, where rdflib checks it, a lexical form rdflib accepts."""
    if dt == RDF + "langString":
        return '(isLiteral(?value) && LANG(?value) != "")'
    ok = f"isLiteral(?value) && DATATYPE(?value) = <{dt}>"
    if dt == XSD + "integer":
        ok += f" && REGEX(STR(?value), {_string(INTEGER)})"
    elif dt == XSD + "boolean":
        ok += ' && STR(?value) IN ("true", "false", "1", "0")'
    elif dt == XSD + "date":  # a day Python's date accepts (not year 0), then what rdflib drops
        ok += (f' && REGEX(STR(?value), {_string(DAY)}) && !STRSTARTS(STR(?value), "0000")'
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
        elif ch == "[":  # a character class, copied whole
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
        from rdflib import RDF as R, Namespace

        self.g = g
        self.sh = sh = Namespace(SH)
        objs = lambda p: set(g.objects(None, sh[p]))  # noqa: E731
        subs = lambda p: set(g.subjects(sh[p], None))  # noqa: E731
        typed = lambda t: set(g.subjects(R.type, sh[t]))  # noqa: E731
        nodes = typed("NodeShape").union(*(subs(p) for p in ("targetClass", "targetSubjectsOf", "targetObjectsOf",
                                                              "targetNode", "target", "property", "sparql", "closed",
                                                              "ignoredProperties")))
        self.roles: dict = {}
        for role, found in (("node", nodes), ("property", objs("property") | subs("path") | typed("PropertyShape")),
                            ("member", {m for lst in objs("or") for m in g.items(lst)}), ("sparql", objs("sparql")),
                            ("prefixes", objs("prefixes") | subs("declare")), ("declaration", objs("declare"))):
            for s in found:
                self.roles.setdefault(s, set()).add(role)
        types = {SH + "NodeShape": "node", SH + "PropertyShape": "property", SH + "SPARQLConstraint": "sparql"}
        for s, p, o in g:
            roles = self.roles.get(s, set())
            if len(roles & {"node", "property", "member"}) > 1:
                self.fail(s, f"it is used as more than one kind of shape ({', '.join(sorted(roles))})")
            if str(p) == RDF_TYPE and str(o).startswith(SH) and types.get(str(o)) not in roles:
                self.fail(s, f"rdf:type {o}")
            if str(p).startswith(SH) and str(p) not in ANNOTATIONS and not any(
                    str(p)[len(SH):] in ALLOWED[r] for r in roles):
                self.fail(s, f"{p}" + (f" on a {'/'.join(sorted(roles))}" if roles else " outside any shape"))

    def fail(self, subject, why: str):
        raise UnsupportedShape(f"shape {subject}: {why}; the fast engine (exilegraph.shacl.fast) does not "
                               "implement this: extend it, with a test against pySHACL, before using it")

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
        classes = {URIRef(RDFS + "Class"), URIRef("http://www.w3.org/2002/07/owl#Class")}
        classes |= set(g.subjects(URIRef(SUBCLASS), URIRef(RDFS + "Class")))  # pySHACL's implicit class targets
        for s in sorted((s for s, r in self.roles.items() if "node" in r), key=str):
            if not isinstance(s, URIRef):
                self.fail(s, "a node shape must be an IRI (it names the rule in every result)")
            props = sorted(g.objects(s, sh.property), key=str)
            if len({self.one(p, "path") for p in props}) != len(props):
                self.fail(s, "two property shapes with the same sh:path in one node shape")
            closed, ignored = self.one(s, "closed"), self.one(s, "ignoredProperties")
            implicit = [str(s)] if set(g.objects(s, URIRef(RDF_TYPE))) & classes else []
            out.append(NodeShape(
                iri=str(s), severity=self.severity(s), messages=self.messages(s),
                target_classes=sorted(str(c) for c in g.objects(s, sh.targetClass)) + implicit,
                target_subjects_of=sorted(str(p) for p in g.objects(s, sh.targetSubjectsOf)),
                closed=closed is not None and closed.toPython() is True,
                ignored=[str(i) for i in g.items(ignored)] if ignored is not None else [],
                properties=[self.property_shape(p) for p in props],
                sparql=[self.sparql(c) for c in sorted(g.objects(s, sh.sparql), key=str)]))
        return out

    def property_shape(self, s) -> PropertyShape:
        from rdflib import Literal, URIRef

        if len(set(self.g.subjects(self.sh.property, s))) != 1:
            self.fail(s, "a property shape shared by several node shapes")
        path = self.one(s, "path", URIRef)
        if path is None:
            self.fail(s, "a property shape without sh:path, or with a path that is not one IRI")
        cls, values = self.one(s, "class", URIRef), self.one(s, "in")
        ps = PropertyShape(path=str(path), severity=self.severity(s), message=_first(self.messages(s)),
                           min_count=self.count(s, "minCount"), max_count=self.count(s, "maxCount"),
                           datatype=self.datatype(s), node_kind=self.node_kind(s),
                           class_=str(cls) if cls is not None else None)
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
                prefix, ns = self.one(decl, "prefix", Literal), self.one(decl, "namespace")
                if prefix is None or ns is None or prefixes.setdefault(str(prefix), str(ns)) != str(ns):
                    self.fail(s, f"an incomplete or conflicting sh:declare for prefix {prefix}")
        _check_select(self, s, str(select), prefixes)
        return SparqlRule(str(select), prefixes, self.messages(s))


def _check_select(reader: _Reader, s, select: str, prefixes: dict[str, str]) -> None:
    """Refuse queries whose meaning could change when $this is joined with the focus nodes, not pre-bound."""
    from rdflib.plugins.sparql import prepareQuery

    if re.match(r"\s*(PREFIX|BASE)\b", select, re.I):
        reader.fail(s, "PREFIX or BASE inside sh:select (declare prefixes with sh:prefixes)")
    if found := set(re.findall(r"\$(\w+)", select)) & {"shapesGraph", "currentShape", "PATH"}:
        reader.fail(s, f"the pre-bound variables {sorted(found)} in sh:select")
    try:
        query = prepareQuery("".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + select)
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions, e.g. for an unknown prefix
        reader.fail(s, f"an sh:select that does not parse ({exc})")
    projected = {str(v) for v in query.algebra.PV}
    if query.algebra.name != "SelectQuery" or "this" not in projected or projected - {"this", "value", "path"}:
        reader.fail(s, f"an sh:select that selects {sorted(projected)}, not $this and optionally ?value, ?path")

    def bound(node) -> set:
        """Variables certainly bound by the group's triple patterns; fails on anything else."""
        if node.name in ("Project", "Distinct", "Filter", "Extend"):
            return bound(node.p)
        if node.name == "Join":
            return bound(node.p1) | bound(node.p2)
        if node.name == "LeftJoin":  # OPTIONAL: $this from the left, and bound again inside if used there
            inner = bound(node.p2)
            if "this" in {str(v) for v in node.p2._vars} - inner:
                reader.fail(s, "an OPTIONAL that uses $this without binding it in a triple pattern")
            return bound(node.p1)
        if node.name == "BGP":
            return {str(t) for triple in node.triples for t in triple}
        reader.fail(s, f"{node.name} around the main pattern of sh:select")

    if "this" not in bound(query.algebra.p):
        reader.fail(s, "an sh:select that does not bind $this in a triple pattern of its main group")


def _term(term) -> str:
    """An rdflib IRI or literal as a SPARQL and N-Triples term, as pyoxigraph writes it."""
    from rdflib import Literal

    if not isinstance(term, Literal):
        return str(ox.NamedNode(str(term)))
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None))
