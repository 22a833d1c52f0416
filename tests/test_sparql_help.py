"""Queries for people who do not know the vocabulary: standard prefixes need no declaration, a parse error
is one line with the line and column of the user's own text, and an undefined term of our namespace gets
a warning with the nearest defined terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import RECORDS
from exilegraph.cli import main
from exilegraph.errors import QueryError
from exilegraph.query import render, run_query
from exilegraph.release import build_release
from exilegraph.sparql_help import declare, prologue, standard_prefixes, vocabulary_warnings


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release([RECORDS], tmp_path_factory.mktemp("help-release"), use_cache=False).path


def test_standard_prefixes_need_no_declaration(release):
    query = "SELECT ?name WHERE { ?c a eg:ExileCase ; eg:subject/skos:prefLabel ?name } ORDER BY ?name"
    rows = run_query(query, release, timeout=None).values()
    assert {"name": "Zhanara Akhmetova"} in rows
    names = set(standard_prefixes())
    assert {
        "eg",
        "prov",
        "schema",
        "dcterms",
        "skos",
        "rdfs",
        "rdf",
        "xsd",
        "wd",
        "owl",
        "dcat",
        "void",
    } <= names
    assert prologue(["eg"]) == "PREFIX eg: <https://w3id.org/exilegraph/vocab/>\n"


def test_a_query_keeps_its_own_declarations():
    text = "PREFIX eg: <http://example.org/mine/>\nSELECT * WHERE { ?s eg:p ?o }"
    declared = declare(text)
    assert declared.text.endswith(text) and declared.shift == 1
    assert "PREFIX eg: <https://w3id.org" not in declared.text  # the user's eg: wins, declared once
    full = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in standard_prefixes().items()) + "ASK {}"
    assert declare(full).text == full and declare(full).shift == 0


def test_render_gives_a_query_any_endpoint_runs():
    text = render("SELECT ?c WHERE { ?c a eg:ExileCase }")
    assert "PREFIX eg: <https://w3id.org/exilegraph/vocab/>" in text.splitlines()[0]


@pytest.mark.parametrize(
    "query, line, column",
    [
        ("SELECT ?x\nWHERE {\n  ?x eg:date ?d .\n  FILTER(?d = ) }", 4, 18),  # where Oxigraph stops
        ("SELECT ?x WHERE { ?x ?p }", 1, 26),
    ],
)
def test_a_parse_error_is_one_line_at_the_users_line_and_column(release, query, line, column):
    with pytest.raises(QueryError) as err:
        run_query(query, release)
    message = str(err.value)
    assert "\n" not in message
    assert f"at line {line}, column {column}: " in message


def test_an_undeclared_prefix_is_named(release):
    with pytest.raises(QueryError, match=r"prefix foo: is not declared"):
        run_query("SELECT ?x WHERE { ?x foo:bar ?o }", release)


def test_an_undefined_term_of_our_namespace_gets_the_nearest_terms():
    warnings = vocabulary_warnings(
        "SELECT ?e WHERE { ?e eg:evnt_type ?t ; eg:date ?d ; "
        "<https://w3id.org/exilegraph/vocab/hoststate> ?h }"
    )
    assert len(warnings) == 2
    assert warnings[0].startswith("<https://w3id.org/exilegraph/vocab/hoststate> is not a term")
    assert "eg:host_state" in warnings[0]
    assert warnings[1].startswith("eg:evnt_type is not a term") and "nearest: eg:event_type" in warnings[1]
    assert not vocabulary_warnings("SELECT * WHERE { ?e eg:event_type eg:Arrest ; eg:date ?d. }")
    # a record's field name that the RDF spells otherwise gets the predicate it is written as
    fields = vocabulary_warnings("SELECT * WHERE { ?e eg:event_date ?d . ?c eg:summary ?s }")
    assert fields == [
        "eg:event_date is not a term of the exilegraph vocabulary; the record field event_date "
        "is written as eg:date",
        "eg:summary is not a term of the exilegraph vocabulary; the record field summary "
        "is written as dcterms:abstract",
    ]
    assert not vocabulary_warnings('SELECT * WHERE { ?e ?p "eg:nothing" } # eg:nothing either')
    # another namespace under the eg: prefix is the user's own business
    assert not vocabulary_warnings("PREFIX eg: <http://example.org/>\nSELECT * WHERE { ?e eg:whatever ?x }")


def test_cli_prints_the_warning_on_stderr_and_still_answers(release):
    query = "SELECT ?e WHERE { ?e eg:evnt_type ?t }"
    result = CliRunner().invoke(main, ["query", query, "--release", str(release)])
    assert result.exit_code == 0
    assert "Warning: eg:evnt_type is not a term of the exilegraph vocabulary" in result.stderr
    assert "eg:event_type" in result.stderr and "(0 rows)" in result.stdout


def test_cli_parse_error_is_one_line(release):
    result = CliRunner().invoke(main, ["query", "SELECT ?x WHERE {\n ?x ?p }", "--release", str(release)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: SPARQL syntax error in the query at line 2, column 9:")
    assert result.stderr.count("\n") == 1
