"""The checks across records (exilegraph.validate.dataset_checks): duplicate ids, references no record
defines, and one source described differently in two records, each reported where it can be fixed."""

from __future__ import annotations

import random

from exilegraph.findings import ERROR, sort_key
from exilegraph.records import Located, RecordSummary
from exilegraph.validate.dataset_checks import check_dataset

SOURCE = "https://w3id.org/exilegraph/source/abc"


def summary(path: str, defines=(), refs=(), sources=()) -> RecordSummary:
    return RecordSummary(
        path,
        tuple(Located(*x) for x in defines),
        tuple(Located(*x) for x in refs),
        tuple(Located(*x) for x in sources),
    )


def by_rule(findings, rule: str):
    return [f for f in findings if f.rule == rule]


def test_distinct_records_that_refer_to_each_other_are_fine():
    a = summary(
        "records/a.yaml",
        defines=[("case", "case-a", "case.id", 2, 5), ("person", "ivan-petrov", "persons[0].id", 9, 7)],
        sources=[(SOURCE, "d1", "sources[0]", 20, 3)],
    )
    b = summary(
        "records/b.yaml",
        defines=[("case", "case-b", "case.id", 2, 5)],
        refs=[("person", "ivan-petrov", "case.events[0].actors[0]", 14, 11)],
        sources=[(SOURCE, "d1", "sources[0]", 30, 3)],
    )
    assert check_dataset([a, b]) == []


def test_a_duplicate_id_is_reported_in_the_second_file_naming_the_first():
    first = summary("records/a.yaml", defines=[("person", "ivan-petrov", "persons[0].id", 9, 7)])
    second = summary("records/b.yaml", defines=[("person", "ivan-petrov", "persons[1].id", 17, 9)])
    [f] = check_dataset([second, first])
    assert (f.path, f.line, f.column, f.severity, f.rule, f.field) == (
        "records/b.yaml",
        17,
        9,
        ERROR,
        "duplicate-id",
        "persons[1].id",
    )
    assert "ivan-petrov" in f.message and "records/a.yaml" in f.message and "line 9" in f.message
    assert f.fix


def test_the_same_id_for_different_kinds_is_no_duplicate():
    a = summary("records/a.yaml", defines=[("person", "x", "persons[0].id", 3, 1)])
    b = summary("records/b.yaml", defines=[("organisation", "x", "organisations[0].id", 3, 1)])
    assert check_dataset([a, b]) == []


def test_an_undefined_reference_suggests_the_closest_id_of_its_kind():
    a = summary(
        "records/a.yaml",
        defines=[
            ("person", "ivan-petrov", "persons[0].id", 9, 7),
            ("organisation", "ivan-petrova-fund", "organisations[0].id", 12, 7),
        ],
    )
    b = summary("records/b.yaml", refs=[("person", "ivan-petrow", "case.events[2].actors[0]", 40, 13)])
    [f] = check_dataset([a, b])
    assert (f.path, f.line, f.column, f.rule, f.field) == (
        "records/b.yaml",
        40,
        13,
        "undefined-reference",
        "case.events[2].actors[0]",
    )
    assert "person `ivan-petrow`" in f.message
    assert f.fix == "did you mean `ivan-petrov`?"


def test_an_undefined_reference_with_nothing_close_says_how_to_fix_it():
    a = summary("records/a.yaml", defines=[("person", "ivan-petrov", "persons[0].id", 9, 7)])
    b = summary("records/b.yaml", refs=[("organisation", "ivan-petrov", "case.organisations[0]", 5, 3)])
    [f] = check_dataset([a, b])
    assert f.rule == "undefined-reference" and "did you mean" not in f.fix
    assert "organisation `ivan-petrov`" in f.fix


def test_a_source_described_differently_is_an_error_in_the_later_file():
    a = summary("records/a.yaml", sources=[(SOURCE, "digest-1", "sources[0]", 20, 3)])
    b = summary("records/b.yaml", sources=[(SOURCE, "digest-2", "sources[2]", 31, 5)])
    [f] = check_dataset([b, a])
    assert (f.path, f.line, f.column, f.severity, f.rule, f.field) == (
        "records/b.yaml",
        31,
        5,
        ERROR,
        "source-described-differently",
        "sources[2]",
    )
    assert "records/a.yaml" in f.message and "line 20" in f.message


def test_different_sources_with_different_digests_are_fine():
    a = summary("records/a.yaml", sources=[(SOURCE, "digest-1", "sources[0]", 20, 3)])
    b = summary("records/b.yaml", sources=[(SOURCE + "-other", "digest-2", "sources[0]", 20, 3)])
    assert check_dataset([a, b]) == []


def test_findings_do_not_depend_on_the_order_of_the_summaries():
    summaries = [
        summary(
            f"records/r{i}.yaml",
            defines=[("case", f"case-{i}", "case.id", 2, 5), ("person", f"p{i % 3}", "persons[0].id", 8, 7)],
            refs=[
                ("person", f"p{(i + 1) % 5}", "case.events[0].actors[0]", 15, 9),
                ("organisation", "org-one", "case.organisations[0]", 18, 9),
            ],
            sources=[(SOURCE, f"digest-{i % 2}", "sources[0]", 30, 3)],
        )
        for i in range(7)
    ] + [summary("records/orgs.yaml", defines=[("organisation", "org-on", "organisations[0].id", 2, 3)])]
    expected = sorted(check_dataset(summaries), key=sort_key)
    assert {f.rule for f in expected} == {
        "duplicate-id",
        "undefined-reference",
        "source-described-differently",
    }
    rng = random.Random(7)
    for _ in range(10):
        shuffled = summaries[:]
        rng.shuffle(shuffled)
        assert sorted(check_dataset(shuffled), key=sort_key) == expected
    # the first file in path order keeps each id; every later one is the duplicate
    assert {f.path for f in by_rule(expected, "duplicate-id")} == {f"records/r{i}.yaml" for i in range(3, 7)}


def test_a_newcomer_is_reported_as_the_duplicate_even_when_its_path_sorts_first():
    """A file a contributor adds comes after the dataset's own, whatever its name."""
    own = summary(
        "records/zz-old.yaml",
        defines=[("person", "ivan-petrov", "persons[0].id", 9, 7)],
        sources=[(SOURCE, "digest-1", "sources[0]", 20, 3)],
    )
    new = summary(
        "records/aa-new.yaml",
        defines=[("person", "ivan-petrov", "persons[0].id", 4, 7)],
        sources=[(SOURCE, "digest-2", "sources[0]", 12, 3)],
    )
    plain = check_dataset([own, new])
    assert {f.path for f in plain} == {"records/zz-old.yaml"}
    findings = check_dataset([own, new], newcomers={"records/aa-new.yaml"})
    assert sorted((f.path, f.line, f.rule) for f in findings) == [
        ("records/aa-new.yaml", 4, "duplicate-id"),
        ("records/aa-new.yaml", 12, "source-described-differently"),
    ]
    assert all("records/zz-old.yaml" in f.message for f in findings)
