"""Which SHACL-SPARQL queries the fast engine runs: those whose rows, joined with the focus nodes, are what
pre-binding $this to each focus node gives (https://www.w3.org/TR/shacl/#pre-binding).

Pre-binding evaluates the query with $this replaced by the focus node everywhere. The fast engine instead
evaluates the query once and joins its rows with the focus nodes. The two agree when every use of $this in an
expression (FILTER, BIND, the OPTIONAL condition, EXISTS) sits where $this is already bound by a triple
pattern, and the query has no construct that is evaluated on its own (sub-query, VALUES, MINUS, aggregates,
LIMIT ...). Anything else is refused (UnsupportedShape), and pySHACL runs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def check_select(select: str, prefixes: dict[str, str], fail: Callable[[str], None]) -> None:
    """Call `fail(why)` (which raises) for a query whose meaning could change when $this is joined with the
    focus nodes instead of pre-bound, or that is not a SELECT of $this and optionally ?value and ?path."""
    from rdflib.plugins.sparql import prepareQuery

    if re.match(r"\s*(PREFIX|BASE)\b", select, re.IGNORECASE):
        fail("PREFIX or BASE inside sh:select (declare prefixes with sh:prefixes)")
    if found := set(re.findall(r"\$(\w+)", select)) & {"shapesGraph", "currentShape", "PATH"}:
        fail(f"the pre-bound variables {sorted(found)} in sh:select")
    try:
        query = prepareQuery("".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + select)
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions, e.g. for an unknown prefix
        fail(f"an sh:select that does not parse ({exc})")
    projected = {str(v) for v in query.algebra.PV}
    if (
        query.algebra.name != "SelectQuery"
        or "this" not in projected
        or projected - {"this", "value", "path"}
    ):
        fail(f"an sh:select that selects {sorted(projected)}, not $this and optionally ?value, ?path")
    if "this" not in _certainly_bound(query.algebra.p, lambda why: fail(f"an sh:select with {why}")):
        fail("an sh:select that does not bind $this in a triple pattern of its main group")


def _variables(expr) -> set[str]:
    """The variables an expression mentions, those inside EXISTS patterns included."""
    from rdflib.term import Variable

    if isinstance(expr, Variable):
        return {str(expr)}
    if isinstance(expr, dict):
        return set().union(*(_variables(v) for k, v in expr.items() if k != "_vars"))
    if isinstance(expr, (list, tuple)):
        return set().union(*(_variables(v) for v in expr))
    return set()


def _check_exists(expr, fail) -> None:
    """Patterns inside EXISTS: triple patterns and filters only (engines evaluate others differently)."""
    if isinstance(expr, dict):
        if getattr(expr, "name", "") in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = expr["graph"]
            parts = graph.get("part", []) if getattr(graph, "name", "") == "GroupGraphPatternSub" else None
            kinds = {getattr(part, "name", "") for part in parts} if parts is not None else {"?"}
            if kinds - {"TriplesBlock", "Filter"}:
                fail("an EXISTS pattern holding more than triple patterns and filters")
        for k, v in expr.items():
            if k != "_vars":
                _check_exists(v, fail)
    elif isinstance(expr, (list, tuple)):
        for v in expr:
            _check_exists(v, fail)


def _certainly_bound(node, fail) -> set[str]:
    """The variables every row of the pattern binds; `fail(why)` where joining differs from pre-binding."""
    name = node.name
    if name in ("Project", "Distinct", "Reduced"):
        return _certainly_bound(node.p, fail)
    if name == "BGP":
        return {str(t) for triple in node.triples for t in triple if type(t).__name__ == "Variable"}
    if name in ("Join", "Union"):
        left, right = _certainly_bound(node.p1, fail), _certainly_bound(node.p2, fail)
        return left | right if name == "Join" else left & right
    if name in ("Filter", "Extend", "LeftJoin"):
        inner = _certainly_bound(node.p if name != "LeftJoin" else node.p1, fail)
        expr = node.get("expr")
        _check_exists(expr, fail)
        used = _variables(expr) if expr is not None else set()
        if name == "LeftJoin":
            _certainly_bound(node.p2, fail)
            used |= {str(v) for v in node.p2._vars}
        if name == "Extend" and str(node.var) == "this":
            fail("BIND ... AS $this")
        if "this" in used and "this" not in inner:
            where = {"Extend": "BIND", "LeftJoin": "OPTIONAL"}.get(name, "FILTER")
            fail(f"$this used in {where} before a triple pattern binds it")
        return inner
    construct = {"ToMultiSet": "a sub-query or VALUES", "Minus": "MINUS"}.get(name, name)
    fail(f"{construct} (pre-binding of $this)")
    return set()
