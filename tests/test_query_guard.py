"""The query guard (size, nesting, blocks, operators, SERVICE), the ORDER BY rewrite, the result cap,
and the same guard in `exilegraph query`: one `Error:` line, never a crashed process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import RECORDS
from exilegraph.cli import main
from exilegraph.errors import QueryError
from exilegraph.release import build_release
from exilegraph.sparqlguard import QueryRefused, check_query, order_rewrite

NESTED = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000  # overflowed the engine's stack
MIXED_ORDER = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"  # strings and integers: the engine panicked
WAIT = 20


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release([RECORDS], tmp_path_factory.mktemp("guard-release"), use_cache=False).path


# ---- the guard -------------------------------------------------------------------------------------
def test_guard_counts_only_real_brackets():
    check_query("SELECT * WHERE { ?s ?p " + repr("{" * 500) + " }")  # braces in a string are text
    with pytest.raises(QueryRefused, match="nests brackets or groups 5000 deep; the limit is 64"):
        check_query(NESTED)
    with pytest.raises(QueryRefused, match="2000 OPTIONAL, UNION, MINUS or BIND blocks; the limit is 256"):
        check_query(
            "SELECT * { ?s ?p ?o " + " ".join(f"OPTIONAL {{ ?s ?p ?o{i} }}" for i in range(2000)) + "}"
        )
    with pytest.raises(QueryRefused, match="has 8000 operator or path characters"):
        check_query("SELECT * WHERE { FILTER(" + "+".join(["1"] * 8000) + ") }")  # segfaulted the engine
    with pytest.raises(QueryRefused, match="has 5000 OPTIONAL, UNION, MINUS or BIND blocks"):
        check_query("SELECT * { ?s ?p ?o " + " ".join(f"BIND(1 AS ?b{i})" for i in range(5000)) + "}")
    check_query("SELECT * { <http://example.org/a/b/c/d/e/f/g> ?p '" + "-" * 5000 + "' }")  # not operators
    with pytest.raises(QueryRefused, match="bytes long; the limit is 100,000"):
        check_query("SELECT * { ?s ?p ?o } #" + "x" * 100_000)
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")


def test_order_rewrite_keeps_limit_and_direction():
    text = order_rewrite("SELECT ?a WHERE { ?a ?b ?c } ORDER BY DESC(?c) ?a LIMIT 3")
    assert text.startswith("SELECT ?a WHERE { ?a ?b ?c } ORDER BY DESC(COALESCE(") and text.endswith(
        " LIMIT 3"
    )
    assert text.count("DESC(") == 5 and text.count("ASC(") == 5
    assert order_rewrite("SELECT * { ?s ?p ?o }") is None


def test_a_result_over_the_cap_is_refused_not_cut():
    import pyoxigraph as ox

    from exilegraph.server.formats import ResultTooLarge, serialise

    store = ox.Store()
    for i in range(100):
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://example.org/{i}"),
                ox.NamedNode("http://example.org/p"),
                ox.Literal("x" * 100),
            )
        )
    assert len(serialise(store.query("SELECT * { ?s ?p ?o }"), "csv", cap=100_000).body) > 10_000
    with pytest.raises(ResultTooLarge, match="larger than 5,000 bytes"):
        serialise(store.query("SELECT * { ?s ?p ?o }"), "json", cap=5_000)


# ---- the same guard in exilegraph query -----------------------------------------------------------------
def test_query_refuses_nesting_with_one_error_line(release):
    result = CliRunner().invoke(main, ["query", NESTED, "--release", str(release)])
    assert result.exit_code == 1
    assert result.output == "Error: the query nests brackets or groups 5000 deep; the limit is 64\n"


def test_query_orders_mixed_literals(release):
    for timeout in ("30", "0"):
        result = CliRunner().invoke(
            main, ["query", MIXED_ORDER + " LIMIT 3", "--release", str(release), "--timeout", timeout]
        )
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[2].startswith("<http")


def test_query_engine_crash_is_one_error(release, monkeypatch):
    from exilegraph import query

    monkeypatch.setattr(query, "check_query", lambda text: None)  # let the engine see what it cannot parse
    with pytest.raises(QueryError, match=r"^the query engine crashed on this query \(engine "):
        query.execute(release, NESTED, timeout=WAIT)
