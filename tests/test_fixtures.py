"""The example fixtures under tests/fixtures/ (see tests/fixtures/README.md).

Every valid fixture, alone and with the others, validates without a single finding. Every
invalid fixture fails for exactly one reason: one finding, whose rule is the one its file name
states, at the file, line and field path given in the table below. Each pair of files under
invalid-dataset/<rule>/ is clean file by file and fails only when validated together.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES
from exilegraph.findings import ERROR, WARNING, Finding
from exilegraph.validate import validate_paths

VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"
INVALID_DATASET = FIXTURES / "invalid-dataset"
SHARED = VALID / "shared-organisations.yaml"

WARNING_RULES = {"online-source-url", "online-source-accessed", "state-of-concern"}

# Layer 1 (schema and references inside one record): file name -> (rule, line, field path).
LAYER1 = {
    "yaml-syntax--bad-indentation.yaml": ("yaml-syntax", 10, ""),
    "not-a-record--list-at-top.yaml": ("not-a-record", 1, ""),
    "required--event-without-type.yaml": ("required", 8, "case.events[0]"),
    "unknown-field--typo-in-field.yaml": ("unknown-field", 10, "case.events[0].evnt_date"),
    "unknown-value--misspelt-event-type.yaml": ("unknown-value", 9, "case.events[0].event_type"),
    "malformed-date--day-first.yaml": ("malformed-date", 10, "case.events[0].event_date"),
    "malformed-id--capitals-in-case-id.yaml": ("malformed-id", 3, "case.id"),
    "wrong-type--stages-not-a-list.yaml": ("wrong-type", 6, "case.stages"),
    "out-of-range--stage-four.yaml": ("out-of-range", 6, "case.stages[1]"),
    "too-few--conflict-with-one-claim.yaml": ("too-few", 19, "case.conflicts[0].claims"),
    "duplicate-key--two-events-same-key.yaml": ("duplicate-key", 13, "case.events[1].key"),
    "duplicate-id--person-twice-in-one-record.yaml": ("duplicate-id", 18, "persons[1].id"),
    "unknown-source--citation-to-missing-source.yaml": (
        "unknown-source",
        13,
        "case.events[0].citations[0].source",
    ),
    "unknown-claim--conflict-names-missing-key.yaml": ("unknown-claim", 20, "case.conflicts[0].claims[1]"),
}

# Layer 2 (the hand-written SHACL rules of shapes/rules.ttl): file name -> (rule, line, field path).
LAYER2 = {
    "citation-required--event-without-citation.yaml": ("citation-required", 8, "case.events[0].citations"),
    "no-future-date--event-in-2999.yaml": ("no-future-date", 8, "case.events[0]"),
    "end-before-start--affiliation-ends-before-it-starts.yaml": (
        "end-before-start",
        19,
        "persons[0].affiliations[0]",
    ),
    "stage-coverage--detention-not-in-stages.yaml": ("stage-coverage", 3, "case"),
    "violence-shown--violence-without-event.yaml": ("violence-shown", 3, "case"),
    "online-source-url--news-article-without-url.yaml": ("online-source-url", 19, "sources[0]"),
    "online-source-accessed--url-without-accessed-date.yaml": ("online-source-accessed", 20, "sources[0]"),
    "state-of-concern--case-without-state.yaml": ("state-of-concern", 2, "case.state_of_concern"),
    "reported-locator--citation-with-blank-locator.yaml": ("reported-locator", 8, "case.events[0]"),
    "reported-field--attribution-without-citation.yaml": ("reported-field", 8, "case.attributions[0]"),
    "assessment-note--assessed-event-without-note.yaml": ("assessment-note", 8, "case.events[0]"),
}

EXPECTED = LAYER1 | LAYER2

# Layer 3 (across records): folder -> (file holding the finding, rule, line, field path).
DATASET = {
    "duplicate-id": ("2-second.yaml", "duplicate-id", 8, "organisations[1].id"),
    "undefined-reference": (
        "2-case.yaml",
        "undefined-reference",
        21,
        "persons[0].affiliations[0].organisation",
    ),
    "source-described-differently": ("2-second.yaml", "source-described-differently", 21, "sources[0]"),
}

ENGINES = ["fast", "reference"]

# Rules whose findings do not suggest a fix yet (reported to the lead; see test_not_a_record_suggests_a_fix).
NO_FIX_YET: set[str] = set()  # rules whose findings may lack a fix (none today)


def findings_for(*paths: Path) -> list[Finding]:
    return validate_paths(list(paths), use_cache=False)


def shown(findings: list[Finding]) -> str:
    return "\n".join(f.text() for f in findings) or "(none)"


def same_file(finding: Finding, path: Path) -> bool:
    return Path(finding.path).resolve() == path.resolve()


def header(path: Path) -> str:
    """The comment block a fixture starts with."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(
        line for line in lines[: next(i for i, line in enumerate(lines) if not line.startswith("#"))]
    )


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch) -> str:
    monkeypatch.setenv("EXILEGRAPH_SHACL_ENGINE", request.param)
    return request.param


# ---- the folders and the tables agree ---------------------------------------------------------


def test_every_invalid_fixture_is_in_the_table_and_the_other_way_round():
    on_disk = {p.name for p in INVALID.glob("*.yaml")}
    assert on_disk == set(EXPECTED), (
        f"fixtures without a table entry: {sorted(on_disk - set(EXPECTED))}; "
        f"table entries without a fixture: {sorted(set(EXPECTED) - on_disk)}"
    )
    datasets = {p.name for p in INVALID_DATASET.iterdir() if p.is_dir()}
    assert datasets == set(DATASET)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_file_names_state_the_rule(name):
    rule, line, _ = EXPECTED[name]
    assert re.fullmatch(r"[a-z0-9-]+--[a-z0-9-]+\.yaml", name)
    assert name.split("--")[0] == rule
    text = header(INVALID / name)
    assert text, f"{name} must start with a comment saying what is wrong and where"
    assert f"({rule})" in text
    assert re.search(rf"\bline {line}\b", text), f"the comment of {name} should name line {line}"


def test_the_valid_fixtures_cover_what_contributors_write():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(VALID.glob("*.yaml")))
    assert 4 <= len(list(VALID.glob("*.yaml"))) <= 6
    for needle in (
        '"2016~"',
        '"2018/2019"',
        "language: uk",
        "stages: [1, 2, 3]",
        "alternative_names:",
        "affiliations:",
        "residences:",
        "end_date:",
        "conflicts:",
        "relatives:",
        "relative_name:",
        "event_type: attack",
        "event_type: detention",
        "event_type: interpol_notice_issued",
        "event_type: asylum_application",
        "event_type: court_decision",
        "refugee_status_granted",
    ):
        assert needle in text, f"no valid fixture has {needle}"
    assert re.search(r"title: [\u0400-\u04FF]", text), "no Cyrillic title"
    urls = re.findall(r"https?://[^\s\"']+", text)
    assert urls and all(u.startswith("https://example.org/") for u in urls)
    assert any("case:" not in p.read_text(encoding="utf-8") for p in VALID.glob("*.yaml")), (
        "no record holding only shared organisations"
    )


# ---- valid fixtures ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(VALID.glob("*.yaml")), ids=lambda p: p.name)
def test_valid_fixture_has_no_findings(path, engine):
    # the cases refer to organisations of the shared record by id, as records/ does to organisations.yaml
    found = findings_for(path, SHARED)
    assert found == [], shown(found)


def test_valid_cases_need_the_shared_organisations():
    found = findings_for(VALID / "full-case.yaml")
    assert {f.rule for f in found} == {"undefined-reference"}, shown(found)
    assert "fixture-police-network" in found[0].message


def test_valid_folder_as_a_whole_has_no_findings(engine):
    found = findings_for(VALID)
    assert found == [], shown(found)


# ---- invalid fixtures -------------------------------------------------------------------------


def check_single(found: list[Finding], path: Path, rule: str, line: int, field: str) -> Finding:
    assert len(found) == 1, f"expected exactly one finding [{rule}], got:\n{shown(found)}"
    f = found[0]
    assert f.rule == rule, shown(found)
    assert f.severity == (WARNING if rule in WARNING_RULES else ERROR)
    assert same_file(f, path), f.path
    assert (f.line, f.field) == (line, field), shown(found)
    assert f.column >= 1
    assert f.message, f.text()
    if rule not in NO_FIX_YET:
        assert f.fix, f"a finding must say what is wrong and how to fix it: {f.text()}"
    return f


@pytest.mark.parametrize("name", sorted(LAYER1))
def test_schema_fixture_fails_for_its_one_reason(name):
    rule, line, field = LAYER1[name]
    path = INVALID / name
    check_single(findings_for(path), path, rule, line, field)


@pytest.mark.parametrize("name", sorted(LAYER2))
def test_shacl_fixture_fails_for_its_one_reason(name, engine):
    rule, line, field = LAYER2[name]
    path = INVALID / name
    check_single(findings_for(path), path, rule, line, field)


def test_not_a_record_suggests_a_fix():
    [f] = findings_for(INVALID / "not-a-record--list-at-top.yaml")
    assert f.fix


# ---- dataset-wide fixtures --------------------------------------------------------------------


@pytest.mark.parametrize("folder", sorted(DATASET))
def test_dataset_pair_fails_only_together(folder, engine):
    name, rule, line, field = DATASET[folder]
    files = sorted((INVALID_DATASET / folder).glob("*.yaml"))
    assert len(files) == 2
    for path in files:
        alone = findings_for(path)
        if rule == "undefined-reference" and path.name == name:
            continue  # alone, the reference is dangling too: checked below with its pair
        assert alone == [], shown(alone)
    found = findings_for(INVALID_DATASET / folder)
    f = check_single(found, INVALID_DATASET / folder / name, rule, line, field)
    if rule in ("duplicate-id", "source-described-differently"):
        assert "1-" in f.message and "(line " in f.message, "the message should point at the first definition"


def test_undefined_reference_alone_still_points_at_the_reference():
    path = INVALID_DATASET / "undefined-reference" / "2-case.yaml"
    f = check_single(
        findings_for(path), path, "undefined-reference", 21, "persons[0].affiliations[0].organisation"
    )
    assert "fixture-valley-harold" in f.message


def test_an_organisation_with_a_url_gets_no_source_warning(tmp_path):
    record = tmp_path / "organisation.yaml"
    record.write_text(
        "organisations:\n  - id: fixture-ngo\n    name: Example Watch\n    organisation_type: ngo\n"
        "    url: https://example.org/example-watch\n",
        encoding="utf-8",
    )
    found = findings_for(record)
    assert found == [], shown(found)
