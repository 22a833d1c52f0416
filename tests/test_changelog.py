"""The changelog (exilegraph.release.changelog): cases added, removed and changed, and triples added and
removed against the previous release, leaving out the triples that only describe the build."""

from __future__ import annotations

import json

import pytest

from exilegraph.rdf.terms import iri, literal
from exilegraph.records import RecordGraph
from exilegraph.release.changelog import Changelog, case_digests, compare, content_lines, is_content
from exilegraph.release.folder import ReleaseDir

BASE = "https://w3id.org/exilegraph/"
NAME = iri("http://schema.org/name")
GENERATED_BY = iri("http://www.w3.org/ns/prov#wasGeneratedBy")


def t(subject: str, predicate: str, obj: str) -> str:
    return f"{iri(BASE + subject)} {predicate} {obj} ."


def content(n: int) -> list[str]:
    return [t(f"person/p{i}", NAME, literal(f"Person {i}")) for i in range(n)]


BUILD = [
    t("build/2024-01-01", NAME, literal("the build")),
    t("file/records/a.yaml", NAME, literal("a.yaml")),
    t("graph/provenance", NAME, literal("provenance")),
    t("commit/abc", NAME, literal("abc")),
    t("software/exilegraph", NAME, literal("exilegraph")),
    t("case/c1", GENERATED_BY, iri(BASE + "build/2024-01-01")),
]


def previous_release(folder, lines: list[str], cases: dict[str, str], *, nt: bool = True) -> ReleaseDir:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "version": "0.9.0",
        "base_iri": BASE,
        "issued": "2024-01-01T00:00:00Z",
        "build": BASE + "build/2024-01-01",
        "cases": cases,
    }
    (folder / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    if nt:
        (folder / "exilegraph.nt").write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return ReleaseDir(folder)


def test_build_triples_are_not_content():
    assert content_lines(content(2) + BUILD, BASE) == content(2)
    assert all(not is_content(line, BASE) for line in BUILD)
    assert all(is_content(line, BASE) for line in content(2))
    # a node whose name only starts like a build node is content
    assert is_content(t("buildings/1", NAME, literal("x")), BASE)
    # under another base, these nodes are ordinary content
    assert content_lines(BUILD[:5], "https://example.org/") == BUILD[:5]


def test_no_previous_release_makes_a_first_release(tmp_path):
    log = compare(ReleaseDir(tmp_path / "none"), {"case-b": "2", "case-a": "1"}, content(3) + BUILD, BASE)
    assert log.previous_version is None
    assert log.cases_added == ["case-a", "case-b"] and log.cases_removed == log.cases_changed == []
    assert (log.triples_added, log.triples_removed) == (3, 0)
    assert "first release" in log.markdown("1.0.0") and "1.0.0" in log.markdown("1.0.0")


def test_cases_added_removed_and_changed(tmp_path):
    prev = previous_release(
        tmp_path / "exilegraph", content(3), {"kept": "same", "edited": "old", "dropped": "x"}
    )
    log = compare(prev, {"kept": "same", "edited": "new", "fresh": "y"}, content(3), BASE)
    assert log.previous_version == "0.9.0 built 2024-01-01T00:00:00Z"
    assert (log.cases_added, log.cases_removed, log.cases_changed) == (["fresh"], ["dropped"], ["edited"])
    assert (log.triples_added, log.triples_removed) == (0, 0)


def test_triples_added_and_removed_leave_out_the_build(tmp_path):
    old_build = [x.replace("2024-01-01", "2023-06-30") for x in BUILD]
    prev = previous_release(tmp_path / "exilegraph", content(5) + old_build, {})
    now = content(5)[2:] + [t("person/new", NAME, literal("New")), t("person/new2", NAME, literal("New 2"))]
    log = compare(prev, {}, now + BUILD, BASE)
    assert (log.triples_added, log.triples_removed) == (2, 2)


def test_a_previous_release_without_its_ntriples_counts_no_triples(tmp_path):
    prev = previous_release(tmp_path / "exilegraph", [], {"a": "1"}, nt=False)
    log = compare(prev, {"a": "2"}, content(4), BASE)
    assert log.cases_changed == ["a"] and (log.triples_added, log.triples_removed) == (0, 0)


def test_a_damaged_previous_manifest_is_treated_as_no_release(tmp_path):
    folder = tmp_path / "exilegraph"
    folder.mkdir()
    (folder / "release.json").write_text("{not json", encoding="utf-8")
    log = compare(ReleaseDir(folder), {"a": "1"}, content(1), BASE)
    assert log.previous_version is None and log.cases_added == ["a"]


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x0c", "\x0b", "\x1c", "\x85"])
def test_literals_holding_line_breaks_are_not_split(tmp_path, brk):
    """Lines are split on \\n only: a literal holding a character splitlines() cuts at is one triple."""
    lines = content(2) + [t("person/odd", NAME, literal(f"before{brk}after"))]
    prev = previous_release(tmp_path / "exilegraph", lines, {})
    log = compare(prev, {}, lines, BASE)
    assert (log.triples_added, log.triples_removed) == (0, 0)
    changed = lines[:2] + [t("person/odd", NAME, literal(f"before{brk}after!"))]
    log = compare(prev, {}, changed, BASE)
    assert (log.triples_added, log.triples_removed) == (1, 1)


def graph(record_id: str, lines: list[str], case: bool = True) -> RecordGraph:
    return RecordGraph(
        record_id,
        f"records/{record_id}.yaml",
        "0" * 64,
        BASE + f"graph/{record_id}",
        lines=sorted(lines),
        case_iri=BASE + f"case/{record_id}" if case else None,
    )


def test_case_digests_change_with_content_but_not_with_the_build():
    one = case_digests(
        [graph("b", content(2)), graph("a", content(1)), graph("orgs", content(3), case=False)], BASE
    )
    assert list(one) == ["a", "b"]  # sorted, only records with a case
    assert all(len(d) == 64 for d in one.values()) and one["a"] != one["b"]
    rebuilt = case_digests([graph("a", content(1) + BUILD), graph("b", content(2))], BASE)
    assert rebuilt == one
    edited = case_digests(
        [graph("a", content(1)), graph("b", content(2)[:1] + [t("person/x", NAME, literal("X"))])], BASE
    )
    assert edited["a"] == one["a"] and edited["b"] != one["b"]


def test_markdown_lists_each_change():
    log = Changelog(
        "0.9.0 built 2024-01-01T00:00:00Z",
        cases_added=["new-case"],
        cases_removed=[],
        cases_changed=["c1", "c2"],
        triples_added=12,
        triples_removed=3,
    )
    text = log.markdown("1.0.0")
    assert "Release 1.0.0 against the previous release (0.9.0 built 2024-01-01T00:00:00Z)" in text
    assert "- triples added: 12" in text and "- triples removed: 3" in text
    assert "## Cases added (1)\n\n- new-case" in text
    assert "## Cases removed (0)" in text
    assert "## Cases changed (2)\n\n- c1\n- c2" in text
    assert log.as_dict()["cases_changed"] == ["c1", "c2"]
