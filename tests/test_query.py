"""Embedded SPARQL (`exilegraph query`): resolving queries, binding parameters safely, the time limit,
clear errors, and the output formats, on a release built from records/ and on tiny in-memory stores."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from exilegraph.catalogue import bind_params, catalogue, param_term, parse_params, resolve
from exilegraph.cli import main
from exilegraph.errors import NoReleaseError, QueryError
from exilegraph.query import FORMATS, execute, format_result, render, run_query
from exilegraph.resources import DEFAULT_BASE_IRI, QUERIES

EG = "https://w3id.org/exilegraph/vocab/"
WD = "http://www.wikidata.org/entity/"
CASE = f"{DEFAULT_BASE_IRI}case/akhmetova-zhanara"
PREFIX = f"PREFIX eg: <{EG}>\n"
CASES = PREFIX + "SELECT ?case ?id WHERE { ?case a eg:ExileCase ; eg:id ?id } ORDER BY ?id"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def tiny_store() -> ox.Store:
    """Three subjects with a country each, and one literal full of SPARQL punctuation."""
    s = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    for name, country in (("a", "Q232"), ("b", "Q227"), ("c", "Q265")):
        s.add(ox.Quad(ox.NamedNode(f"http://example.org/{name}"), p, ox.NamedNode(WD + country)))
    s.add(
        ox.Quad(
            ox.NamedNode("http://example.org/odd"),
            ox.NamedNode("http://example.org/label"),
            ox.Literal('x" } ; DELETE WHERE { ?s ?p ?o } #'),
        )
    )
    return s


def subjects(store: ox.Store, query: str) -> list[str]:
    return sorted(r["x"].value for r in store.query(query))


# ---- resolving a query -------------------------------------------------------------------------------
def test_resolve_text_file_and_catalogue_name(tmp_path):
    text, entry, _ = resolve(CASES)
    assert text == CASES and entry is None
    f = tmp_path / "mine.rq"
    f.write_text(CASES, encoding="utf-8")
    assert resolve(str(f))[0] == CASES
    text, entry, label = resolve("case-timeline")
    assert entry is not None and entry.title and label == "case-timeline"
    assert text == (QUERIES / "case-timeline.rq").read_text(encoding="utf-8")


def test_unknown_catalogue_name_suggests_close_names():
    with pytest.raises(QueryError, match=r"no catalogue query named 'cases-by-stat'.*cases-by-state"):
        resolve("cases-by-stat")


def test_missing_query_file_is_named(tmp_path):
    with pytest.raises(QueryError, match="no query file at .*absent.rq"):
        resolve(str(tmp_path / "absent.rq"))


def test_catalogue_headers_declare_titles_and_parameters():
    entries = catalogue()
    assert {
        "cases-by-state",
        "requested-by-state",
        "interpol-notices",
        "single-source-claims",
        "conflicts",
        "person",
        "case-timeline",
        "sources-by-outlet",
    } <= set(entries)
    timeline = entries["case-timeline"]
    assert [p.name for p in timeline.params] == ["case"] and not timeline.params[0].optional
    assert timeline.params[0].example == "akhmetova-zhanara"
    since = entries["requested-by-state"].param("since")
    assert since is not None and since.optional and since.example == "2015"


# ---- parameters ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("state", "KZ", ox.NamedNode(WD + "Q232")),
        ("state", "kz", ox.NamedNode(WD + "Q232")),
        ("host", "Ukraine", ox.NamedNode(WD + "Q212")),
        ("requesting_state", "wd:Q227", ox.NamedNode(WD + "Q227")),
        ("state", f"<{WD}Q265>", ox.NamedNode(WD + "Q265")),
        ("case", "akhmetova-zhanara", ox.NamedNode(CASE)),
        ("person", "huseynov-fikrat", ox.NamedNode(f"{DEFAULT_BASE_IRI}person/huseynov-fikrat")),
        ("since", "2015-06", ox.Literal("2015-06")),
        ("type", "eg:Arrest", ox.NamedNode(EG + "Arrest")),
        ("n", "18", ox.Literal("18", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ("outlet", "Radio Free Europe", ox.Literal("Radio Free Europe")),
    ],
)
def test_parameter_values_become_one_term(name, value, expected):
    assert param_term(name, value) == expected


def test_case_ids_follow_the_release_base():
    assert param_term("case", "x", "https://example.org/data/") == ox.NamedNode(
        "https://example.org/data/case/x"
    )


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("state", "KX", r"unknown country 'KX' \(close: .*KZ"),
        ("since", "last year", "not a date"),
        ("state", "", "empty"),
        ("case", "<not an iri>", "not a valid IRI"),
    ],
)
def test_bad_parameter_values_are_explained(name, value, message):
    with pytest.raises(QueryError, match=message):
        param_term(name, value)


def test_param_pairs_need_a_name_and_an_equals_sign():
    assert parse_params(["state=KZ", "outlet=a=b"]) == {"state": "KZ", "outlet": "a=b"}
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_params(["KZ"])


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?x WHERE { ?x <http://example.org/p> ?state }",
        "SELECT ?x { ?x <http://example.org/p> ?state }",  # no WHERE keyword
        "SELECT ?x # a comment with { braces and WHERE\nWHERE { ?x <http://example.org/p> ?state }",
        "PREFIX where: <http://example.org/> SELECT ?x WHERE { ?x where:p ?state }",  # a prefix named where
        "SELECT ?x WHERE { SELECT ?x ?state WHERE { ?x <http://example.org/p> ?state } }",  # sub-select
        "SELECT ?x WHERE { ?x <http://example.org/p> ?o BIND(?o AS ?state) }",  # BIND of the parameter
        'SELECT ?x WHERE { ?x <http://example.org/p> ?state FILTER(STR(?state) != "}{") } ORDER BY ?x',
    ],
)
def test_bound_parameters_restrict_the_where_group(query):
    bound = bind_params(query, {"state": "AZ"})
    assert subjects(tiny_store(), query) == [
        "http://example.org/a",
        "http://example.org/b",
        "http://example.org/c",
    ]
    assert subjects(tiny_store(), bound) == ["http://example.org/b"]


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?x <http://example.org/q> ?state } WHERE { ?x <http://example.org/p> ?state }",
        "CONSTRUCT { ?x <http://example.org/q> ?state } { ?x <http://example.org/p> ?state }",
        "CONSTRUCT WHERE { ?x <http://example.org/p> ?state }",
    ],
)
def test_construct_binds_in_the_where_group_not_the_template(query):
    triples = list(tiny_store().query(bind_params(query, {"state": "UZ"})))
    assert [(t.subject.value, t.object.value) for t in triples] == [("http://example.org/c", WD + "Q265")]


def test_a_parameter_cannot_inject_sparql():
    value = 'x" } ; DELETE WHERE { ?s ?p ?o } #'
    bound = bind_params("SELECT ?x WHERE { ?x <http://example.org/label> ?label }", {"label": value})
    assert subjects(tiny_store(), bound) == ["http://example.org/odd"]  # matched as one literal, nothing else
    assert "DELETE" not in bound.replace(value.replace('"', '\\"'), "")


def test_catalogue_parameters_are_checked():
    entry = catalogue()["requested-by-state"]
    with pytest.raises(
        QueryError, match=r"requested-by-state needs --param state=.*example: --param state=KZ"
    ):
        bind_params(entry.text, {}, entry)
    with pytest.raises(QueryError, match="has no parameter country; it takes: since, state"):
        bind_params(entry.text, {"state": "KZ", "country": "UA"}, entry)
    bound = bind_params(entry.text, {"state": "KZ"}, entry)
    assert 'VALUES ?since { "' not in bound  # optional, left unbound
    assert 'VALUES ?since { "2015" }' in bind_params(entry.text, {"state": "KZ", "since": "2015"}, entry)


def test_a_parameter_must_be_a_variable_of_the_query():
    with pytest.raises(QueryError, match=r"the query has no variable \?state"):
        bind_params("SELECT ?x WHERE { ?x ?p ?o }", {"state": "KZ"})


def test_render_gives_text_any_endpoint_accepts():
    text = render("case-timeline", {"case": "akhmetova-zhanara"})
    assert f"VALUES ?case {{ <{CASE}> }}" in text
    ox.Store().query(text)  # parses


# ---- running on a release ----------------------------------------------------------------------------
def test_select_on_the_release(release):
    result = run_query(CASES, release, timeout=None)
    assert result.kind == "select" and result.variables == ["case", "id"]
    ids = [r["id"] for r in result.values()]
    assert "akhmetova-zhanara" in ids and ids == sorted(ids)
    assert {"case": CASE, "id": "akhmetova-zhanara"} in result.values()


def test_query_file_with_parameters(release, tmp_path):
    f = tmp_path / "events.rq"
    f.write_text(
        PREFIX + "SELECT DISTINCT ?date WHERE { ?case eg:event ?e . ?e eg:event_type eg:Arrest ; "
        "eg:date ?date }",
        encoding="utf-8",
    )
    rows = run_query(str(f), release, {"case": "akhmetova-zhanara"}, timeout=None).values()
    assert {"date": "2017-10-21"} in rows
    assert {"date": "2017"} not in rows  # the 2017 arrests belong to other cases


def test_worker_and_in_process_runs_agree(release):
    a = run_query(CASES, release, timeout=30)
    b = run_query(CASES, release, timeout=None)
    assert a.payload == b.payload and a.kind == b.kind


def test_a_slow_query_is_stopped(release):
    start = time.monotonic()
    with pytest.raises(QueryError, match=r"ran for more than 1 s and was stopped"):
        run_query(SLOW, release, timeout=1)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    "query, error_line",
    [
        ("SELECT ?x\nWHERE {\n  ?x ?p ?o .\n  FILTER(?x = ) }", 4),
        ("PREFIX eg: <http://example.org/>\nSELECT ?x\nWHERE { ?x eg:p }\n\n", 3),
        ("SELECT ?x WHERE { ?x ?p ?o } ORDER", 1),
    ],
)
def test_syntax_errors_give_line_and_column(release, query, error_line):
    with pytest.raises(SyntaxError) as parser:
        ox.Store().query(query.rstrip())
    line, column = re.match(r"error at (\d+):(\d+)", str(parser.value)).groups()
    with pytest.raises(QueryError) as err:
        run_query(query, release)
    assert f"SPARQL syntax error in the query at line {line}, column {column}: " in str(err.value)
    assert int(line) == error_line


def test_syntax_errors_in_files_name_the_file(tmp_path, release):
    f = tmp_path / "broken.rq"
    f.write_text("# a comment line\nSELECT ?x WHERE { ?x ?p }\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"syntax error in .*broken.rq at line 2, column 26: expected"):
        run_query(str(f), release)


def test_missing_release_is_explained(tmp_path):
    with pytest.raises(NoReleaseError, match=r"no release at .*nowhere.*exilegraph release"):
        execute(tmp_path / "nowhere", CASES)


# ---- output formats ----------------------------------------------------------------------------------
def test_table_aligns_columns_and_shortens_iris(release):
    out = format_result(run_query(CASES, release, timeout=None), "table")
    lines = out.splitlines()
    assert lines[0].split() == ["case", "id"] and set(lines[1].replace(" ", "")) == {"-"}
    assert lines[-1].endswith("rows)")
    body = lines[2:-1]
    assert re.search(r"^case/akhmetova-zhanara +akhmetova-zhanara$", out, re.M)
    column = lines[0].index("id")
    assert all(line[column - 2 : column] == "  " and line[column:] == line.split()[1] for line in body)


def test_table_cuts_long_values(release):
    query = (
        PREFIX + "SELECT ?summary WHERE { ?c a eg:ExileCase ; eg:id 'akhmetova-zhanara' ; "
        "<http://purl.org/dc/terms/abstract> ?summary }"
    )
    cell = format_result(run_query(query, release, timeout=None), "table").splitlines()[2]
    assert cell.endswith("…") and len(cell) == 50


def test_csv_tsv_and_json_are_sparql_results(release):
    result = run_query(CASES, release, timeout=None)
    rows = list(csv.reader(io.StringIO(format_result(result, "csv"))))
    assert rows[0] == ["case", "id"] and [CASE, "akhmetova-zhanara"] in rows
    tsv = format_result(result, "tsv").splitlines()
    assert tsv[0] == "?case\t?id" and f'<{CASE}>\t"akhmetova-zhanara"' in tsv
    doc = json.loads(format_result(result, "json"))
    assert doc["head"]["vars"] == ["case", "id"]
    assert {
        "case": {"type": "uri", "value": CASE},
        "id": {"type": "literal", "value": "akhmetova-zhanara"},
    } in doc["results"]["bindings"]


def test_ask_in_every_format(release):
    yes = run_query(PREFIX + "ASK { ?c eg:state_of_concern ?state }", release, {"state": "KZ"}, timeout=None)
    no = run_query(PREFIX + "ASK { ?c eg:state_of_concern ?state }", release, {"state": "NO"}, timeout=None)
    assert yes.boolean is True and no.boolean is False
    assert format_result(yes, "table") == "true\n" and format_result(no, "csv").strip() == "false"
    assert json.loads(format_result(yes, "json"))["boolean"] is True


def test_construct_as_turtle_ntriples_and_jsonld(release):
    query = (
        PREFIX
        + "CONSTRUCT { ?c eg:state_of_concern ?s } WHERE { ?c a eg:ExileCase ; eg:state_of_concern ?s }"
    )
    result = run_query(query, release, timeout=None)
    assert result.kind == "graph"
    expected = ox.Triple(ox.NamedNode(CASE), ox.NamedNode(EG + "state_of_concern"), ox.NamedNode(WD + "Q232"))
    triples = set(result.triples())
    assert expected in triples and len(triples) == len(result.triples())  # no repeats across graphs
    assert "@prefix eg:" in format_result(result, "table")
    for fmt, rdf in (
        ("table", ox.RdfFormat.TURTLE),
        ("csv", ox.RdfFormat.N_TRIPLES),
        ("json", ox.RdfFormat.JSON_LD),
    ):
        parsed = {q.triple for q in ox.parse(format_result(result, fmt).encode(), format=rdf)}
        assert parsed == triples, fmt


# ---- the command ---------------------------------------------------------------------------------------
def test_cli_lists_the_catalogue():
    result = CliRunner().invoke(main, ["query", "--list"])
    assert result.exit_code == 0
    for entry in catalogue().values():
        line = next(line for line in result.output.splitlines() if line.startswith(entry.name + " "))
        assert entry.title in line
    assert "state= [since=]" in result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_runs_a_catalogue_query_in_each_format(release, fmt):
    result = CliRunner().invoke(
        main,
        ["query", "requested-by-state", "--release", str(release), "--format", fmt, "--param", "state=UZ"],
    )
    assert result.exit_code == 0, result.output
    assert "Narzullo Okhunzhonov" in result.output and "Zhanara Akhmetova" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["SELECT ?x WHERE { ?x ?y }"], "Error: SPARQL syntax error in the query at line 1, column 26"),
        (["cases-by-stat"], "did you mean cases-by-state"),
        (["person"], "person needs --param person="),
        (["requested-by-state", "--param", "state"], "--param takes NAME=VALUE"),
        (["requested-by-state", "--param", "state=XX"], "unknown country 'XX'"),
    ],
)
def test_cli_errors_are_one_line(release, args, message):
    result = CliRunner().invoke(main, ["query", *args, "--release", str(release)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_cli_missing_release(tmp_path):
    result = CliRunner().invoke(main, ["query", "cases-by-state", "--release", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no release at" in result.output


def test_cli_timeout(release):
    result = CliRunner().invoke(main, ["query", SLOW, "--release", str(release), "--timeout", "1"])
    assert result.exit_code == 1 and "ran for more than 1 s" in result.output


def test_cli_needs_a_query():
    result = CliRunner().invoke(main, ["query"])
    assert result.exit_code == 2 and "catalogue name" in result.output
