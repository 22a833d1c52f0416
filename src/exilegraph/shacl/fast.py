"""The fast SHACL engine: our shapes compiled once to SPARQL SELECTs and run on a pyoxigraph Store.

`FastEngine()` reads the shapes of `shape_files()` and refuses, at compile time, any SHACL construct it
does not implement (`UnsupportedShape`), so a new kind of shape cannot silently weaken validation. Each
targeted node shape becomes a few queries: one scan of its focus nodes' triples that checks every
value-level constraint and sh:closed at once, look-ups for sh:minCount 1 (counting, grouped by path, for
sh:maxCount and other bounds), and one query per SHACL-SPARQL rule. `validate(store)` runs them on the
store's default graph and returns the same sorted `Violation`s as the reference engine (pySHACL, reference.py);
tests/test_shacl_engines.py is the proof.

Where pySHACL departs from the letter of SHACL the fast engine follows pySHACL, since sameness is the
contract: sh:pattern's `$` also matches before a final newline (Python `re`), and sh:datatype checks the
lexical form only of xsd:integer, xsd:boolean and xsd:date, as rdflib parses them. One difference is
the store's: it keeps "5"^^xsd:int as "5"^^xsd:integer, which sh:datatype xsd:integer then accepts.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from . import Violation, shape_files
from .shapes_model import (  # noqa: F401
    DAY,
    INTEGER,
    NODE_KINDS,
    RDF,
    RDF_TYPE,
    SUBCLASS,
    TRIM,
    XSD,
    NodeShape,
    PropertyShape,
    SparqlRule,
    UnsupportedShape,
    _first,
    load_shapes,
)


def violation_key(v: Violation) -> tuple:
    """Sort key for Violations (None first); both engines sort with it."""
    return (v.focus, v.path or "", v.component, v.shape, v.value or "", v.severity, v.message or "")


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
                    raise UnsupportedShape(
                        f"shape {q.node.iri} compiled to a query oxigraph rejects: {exc}"
                    ) from None
        self.compile_seconds = time.perf_counter() - started

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
            focus = {
                n.iri: bool(n.target_nodes)
                or any(present(is_a, ox.NamedNode(c)) for c in n.target_classes)
                or any(present(ox.NamedNode(p)) for p in n.target_subjects_of + n.target_objects_of)
                for n in self.shapes
            }
            queries = [q for q in queries if focus[q.node.iri]]
        if workers is None:
            size = sum(
                1 for _ in islice(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), 20_000)
            )
            workers = min(4, os.cpu_count() or 1) if size == 20_000 else 1

        def run(q: _Query) -> list[Violation]:
            return list(DECODE[q.kind](q, store.query(q.text[subclass])))

        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                found = list(pool.map(run, queries))
        else:
            found = [run(q) for q in queries]
        return sorted({v for part in found for v in part}, key=violation_key)

    def validate_lines(self, lines: list[str], workers: int | None = None) -> list[Violation]:
        """Validate N-Triples lines (data plus `provenance.vocabulary_lines()`) in a fresh in-memory Store."""
        store = ox.Store()
        store.load(input="\n".join(lines) + "\n", format=ox.RdfFormat.N_TRIPLES)
        return self.validate(store, workers)


# ---- results ----------------------------------------------------------------------------------------


def _name(term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _values_results(q: _Query, rows):
    for this, pred, value, bad in rows:
        for token in bad.value.split(",")[:-1]:
            component, severity, message = q.checks[token]
            yield Violation(_name(this), _name(pred), component, q.node.iri, str(value), severity, message)


def _count_results(q: _Query, rows):
    component = "MinCountConstraintComponent" if q.kind == "mincount" else "MaxCountConstraintComponent"
    by_path = {p.path: p for p in q.counts.values()}  # a node shape's property shapes have distinct paths
    for this, key in rows:  # ?k, or the path itself (sh:maxCount 1)
        prop = by_path[key.value] if isinstance(key, ox.NamedNode) else q.counts[int(key.value)]
        yield Violation(_name(this), prop.path, component, q.node.iri, None, prop.severity, prop.message)


def _sparql_results(q: _Query, rows):
    message = _first(q.node.messages + q.rule.messages)
    for this, value, path in rows:  # without ?value, a node shape's result carries the focus node (pySHACL)
        yield Violation(
            _name(this),
            _name(path) if path is not None else None,
            "SPARQLConstraintComponent",
            q.node.iri,
            str(value if value is not None else this),
            q.node.severity,
            message,
        )


DECODE = {
    "values": _values_results,
    "mincount": _count_results,
    "maxcount": _count_results,
    "sparql": _sparql_results,
}


# ---- compiling to SPARQL ----------------------------------------------------------------------------


def _compile(node: NodeShape) -> list[_Query]:
    if not (node.target_classes or node.target_subjects_of or node.target_objects_of or node.target_nodes):
        return []  # a node shape without targets validates nothing (as in pySHACL)
    queries = [_values_query(node), *_count_queries(node), *(_sparql_query(node, r) for r in node.sparql)]
    return [q for q in queries if q is not None]


def _type_path(subclass: bool) -> str:
    return f"<{RDF_TYPE}>/<{SUBCLASS}>*" if subclass else f"<{RDF_TYPE}>"


def _targets(node: NodeShape, subclass: bool) -> str:
    """A group pattern binding ?this to each focus node of the shape, once."""
    parts = [f"?this {_type_path(subclass)} <{c}> ." for c in node.target_classes]
    parts += [f"?this <{p}> ?_t ." for p in node.target_subjects_of]
    parts += [f"?_t <{p}> ?this ." for p in node.target_objects_of]
    if node.target_nodes:
        parts.append(f"VALUES ?this {{ {' '.join(node.target_nodes)} }}")
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
        q.text[subclass] = (
            f"SELECT ?this ?p ?value ?bad WHERE {{\n  {_targets(node, subclass)}\n"
            f'  ?this ?p ?value .\n  BIND ({expr} AS ?bad)\n  FILTER (?bad != "")\n}}'
        )
    return q


def _count_queries(node: NodeShape) -> list[_Query]:
    """sh:minCount 1 as NOT EXISTS look-ups, other bounds by counting (GROUP BY). Each query yields
    (?this, ?k): the focus node and the index of the property shape it fails (sh:maxCount 1: its path)."""
    out = []
    props = dict(enumerate(node.properties))

    def add(kind: str, bound: str, group: str | None, body: str) -> None:
        """One query for the shapes whose bound is 1 (group None) or is another number (group: < or >)."""
        chosen = {
            i: p
            for i, p in props.items()
            if (v := getattr(p, bound)) is not None
            and (v == 1) == (group is None)
            and not (kind == "mincount" and v == 0)
        }
        if not chosen:
            return
        q = _Query(kind, node, counts=chosen)
        out.append(q)
        if kind == "maxcount" and group is None:  # see _max_one
            q.text = {subclass: _max_one(node, chosen, subclass) for subclass in (False, True)}
            return
        rows = " ".join(f"({i} <{p.path}> {getattr(p, bound)})" for i, p in chosen.items())
        for subclass in (False, True):
            q.text[subclass] = (
                f"SELECT {'DISTINCT ' if group is None else ''}?this ?k WHERE {{\n"
                f"  {_targets(node, subclass)}\n  VALUES (?k ?p ?bound) {{ {rows} }}\n{body}}}"
                + (f" GROUP BY ?this ?k ?bound HAVING (COUNT(?o) {group} ?bound)" if group else "")
            )

    add("mincount", "min_count", None, "  FILTER NOT EXISTS { ?this ?p ?o }\n")
    add("mincount", "min_count", "<", "  OPTIONAL { ?this ?p ?o }\n")
    add("maxcount", "max_count", None, "")
    add("maxcount", "max_count", ">", "  ?this ?p ?o .\n")
    return out


def _max_one(node: NodeShape, chosen: dict[int, PropertyShape], subclass: bool) -> str:
    """sh:maxCount 1: the focus nodes with two values of a path, and the path (rows: ?this ?p). One scan of
    their triples grouped by path: Oxigraph evaluates this ~2-4x faster than a join with VALUES (?k ?p)
    followed by an EXISTS look-up per triple."""
    paths = ", ".join(f"<{p.path}>" for p in chosen.values())
    return (
        f"SELECT ?this ?p WHERE {{\n  {_targets(node, subclass)}\n"
        f"  ?this ?p ?o .\n  FILTER (?p IN ({paths}))\n}} GROUP BY ?this ?p HAVING (COUNT(*) > 1)"
    )


def _sparql_query(node: NodeShape, rule: SparqlRule) -> _Query:
    """The rule's SELECT as a sub-query joined with the focus nodes: the rows binding $this to each would give
    (_check_select admits only queries for which that holds)."""
    q = _Query("sparql", node, rule=rule)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(rule.prefixes.items()))
    for subclass in (False, True):
        q.text[subclass] = (
            f"{prefixes}SELECT ?this ?value ?path WHERE {{\n  {_targets(node, subclass)}\n"
            f"  {{ {rule.select} }}\n}}"
        )
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
            checks.append(
                ("In", "(" + (" || ".join(f"sameTerm(?value, {t})" for t in prop.in_values) or "false") + ")")
            )
    if prop.pattern is not None:
        checks.append(("Pattern", f"(!isBlank(?value) && REGEX(STR(?value), {_string(prop.pattern)}))"))
    for component, op, bound in (
        ("MinInclusive", ">=", prop.min_inclusive),
        ("MaxInclusive", "<=", prop.max_inclusive),
    ):
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
        ok += (
            f' && REGEX(STR(?value), {_string(DAY)}) && !STRSTARTS(STR(?value), "0000")'
            f" && COALESCE(DATATYPE(<{XSD}date>(SUBSTR(STR(?value), 1, 10))) = <{XSD}date>, false)"
        )
    return f"({ok})"


def _string(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'
    )
