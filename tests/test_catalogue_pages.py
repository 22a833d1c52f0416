"""Listings in pages (`# page: N UNIT`) and parameters bound inside sub-selects (catalogue.py,
querytext.py): every page of a listing, joined, is the whole listing, and a parameter narrows a
sub-select exactly as it narrows the query."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exilegraph.catalogue import (
    bind_params,
    catalogue,
    page_count_query,
    parse_header,
    with_page,
)
from exilegraph.cli import main
from exilegraph.errors import QueryError
from exilegraph.query import execute, render
from exilegraph.querytext import sub_selects
from exilegraph.resources import DEFAULT_BASE_IRI
from exilegraph.sparql_help import declare

PAGED = """# title: Cases, two a page
# answers: Which cases?
# param: case — case id (example: akhmetova-zhanara) (optional)
# page: 2 cases
PREFIX eg: <https://w3id.org/exilegraph/vocab/>
SELECT ?case ?event WHERE {
  { SELECT ?case WHERE { ?case a eg:ExileCase } ORDER BY (CONCAT("~", STR(?case))) LIMIT 2 }
  ?case eg:event ?event .
}
ORDER BY (CONCAT("~", STR(?case))) (CONCAT("~", STR(?event)))
"""


def _entry(tmp_path: Path, text: str = PAGED, name: str = "two-a-page"):
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return parse_header(text, path)


def test_page_header_is_read_and_checked(tmp_path):
    entry = _entry(tmp_path)
    assert (entry.page.size, entry.page.unit) == (2, "cases")
    with pytest.raises(QueryError, match="LIMIT 3"):
        _entry(tmp_path, PAGED.replace("# page: 2 cases", "# page: 3 cases"))
    with pytest.raises(QueryError, match="page"):
        _entry(tmp_path, PAGED.replace("# page: 2 cases", "# page: two cases"))


def test_a_page_is_an_offset_of_the_keys(tmp_path):
    entry = _entry(tmp_path)
    assert with_page(entry.text, entry, 1) == entry.text
    assert "LIMIT 2 OFFSET 4 }" in with_page(entry.text, entry, 3)
    with pytest.raises(QueryError):
        with_page(entry.text, entry, 0)
    count = page_count_query(entry.text, entry)
    assert count.startswith("# title")  # the prologue: comments and prefixes
    assert "SELECT (COUNT(*) AS ?keys) WHERE { { SELECT ?case WHERE { ?case a eg:ExileCase } } }" in count
    assert "LIMIT" not in count.split("SELECT (COUNT")[1]


def test_every_page_joined_is_the_whole_listing(tmp_path, release):
    entry = _entry(tmp_path)
    bound = declare(entry.text).text
    whole = execute(release, bound.replace(" LIMIT 2 ", " "), timeout=None).values()
    keys = int(execute(release, page_count_query(bound, entry), timeout=None).values()[0]["keys"])
    assert keys >= 7
    pages = -(-keys // 2)
    joined = []
    for page in range(1, pages + 1):
        rows = execute(release, with_page(bound, entry, page), timeout=None).values()
        assert len({r["case"] for r in rows}) <= 2
        joined += rows
    assert joined == whole
    assert execute(release, with_page(bound, entry, pages + 1), timeout=None).values() == []


def test_a_parameter_narrows_the_sub_selects_that_project_it(tmp_path):
    entry = _entry(tmp_path)
    bound = bind_params(entry.text, {"case": "akhmetova-zhanara"}, entry)
    case = f"<{DEFAULT_BASE_IRI}case/akhmetova-zhanara>"
    assert bound.count(f"VALUES ?case {{ {case} }}") == 2  # in the page's keys, and at the top
    assert bound.index("SELECT ?case WHERE { VALUES ?case") < bound.index("LIMIT 2")


def test_only_sub_selects_that_project_a_variable_as_it_is_are_narrowed():
    text = (
        "SELECT ?a WHERE { "
        "{ SELECT ?case (COUNT(?x) AS ?n) WHERE { ?case ?p ?x { SELECT ?x ?case WHERE { ?x ?q ?case } } } "
        "GROUP BY ?case } "
        "{ SELECT ?n WHERE { { SELECT ?case ?n WHERE { ?case ?r ?n } } } } "
        "{ SELECT * WHERE { ?case ?z ?y } } }"
    )
    found = {text[s.start : s.start + 22]: s.bindable for s in sub_selects(text)}
    assert found == {
        "SELECT ?case (COUNT(?x": frozenset({"case"}),
        "SELECT ?x ?case WHERE ": frozenset({"case"}),
        "SELECT ?n WHERE { { SE": frozenset({"n"}),
        "SELECT ?case ?n WHERE ": frozenset({"n"}),  # its ?case is not the query's: the outer one hides it
        "SELECT * WHERE { ?case": frozenset({"case", "z", "y"}),
    }


def test_a_question_on_a_paged_query_answers_as_the_listing_does(release):
    """single-source-claims comes in pages of cases; with a case given, that case's page is all of it."""
    entry = catalogue()["single-source-claims"]
    assert entry.page is not None
    one = execute(release, render("single-source-claims", {"case": "akhmetova-zhanara"}), timeout=None)
    listing = execute(release, render("single-source-claims"), timeout=None)
    mine = [r for r in listing.values() if r["case"].endswith("/akhmetova-zhanara")]
    assert one.values() == mine and mine


def test_cli_pages(release):
    runner = CliRunner()
    out = runner.invoke(
        main, ["query", "single-source-claims", "--release", str(release), "--format", "csv", "--page", "1"]
    )
    assert out.exit_code == 0, out.output
    assert "page 1 of 1 (500 cases a page)" in out.stderr
    past = runner.invoke(main, ["query", "single-source-claims", "--release", str(release), "--page", "2"])
    assert past.exit_code == 0 and "past the last page" in past.stderr
    assert "(0 rows)" in past.stdout
    refused = runner.invoke(
        main,
        [
            "query",
            "case-timeline",
            "--release",
            str(release),
            "--page",
            "2",
            "--param",
            "case=akhmetova-zhanara",
        ],
    )
    assert refused.exit_code == 1 and "does not come in pages" in refused.output
