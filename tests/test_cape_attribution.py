"""Profiles attribute by sentence and release as they are: a sentence cites only the references that
close it; one without a reference cites the profile itself, with a `profile-only` warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from exilegraph.check import iter_records, type_record
from exilegraph.evidence import build_evidence
from exilegraph.findings import ERROR, WARNING
from exilegraph.importers import import_cape
from exilegraph.readers import read_file
from exilegraph.readers.cape_citations import find_references
from exilegraph.readers.cape_mapping import load_mapping
from exilegraph.readers.cape_sentences import split_sentences
from exilegraph.release import build_release

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cape"
UNREFERENCED = FIXTURES / "osterveld_marit.txt"


def sentences(text: str) -> list[str]:
    m = load_mapping()
    refs = find_references(text, m)
    groups = [
        (g.start(), g.end())
        for g in m.references["group"].finditer(text)
        if any(g.start() <= r.start < g.end() for r in refs)
    ]
    return [s.text for s in split_sentences(text, m, groups)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One (A, 2017). Two (B, 2018).", ["One (A, 2017).", "Two (B, 2018)."]),
        ("One.(A, 2017) Two.", ["One.(A, 2017)", "Two."]),
        ("One. (A, 2017). Two.", ["One. (A, 2017).", "Two."]),
        (
            "Charged under Art. 361 by Dr. Hale and K. Marsh, e.g. twice (A, 2017).",
            ["Charged under Art. 361 by Dr. Hale and K. Marsh, e.g. twice (A, 2017)."],
        ),
        ("Seen (A, 2017, p. 3). Held (B, n.d.).", ["Seen (A, 2017, p. 3).", "Held (B, n.d.)."]),
        ("Asked why? “Nobody knows,” she said.", ["Asked why?", "“Nobody knows,” she said."]),
        ("No reference here (A, 2017) Then another", ["No reference here (A, 2017)", "Then another"]),
        (
            "held\xa0in Kyiv (A, 2017).\xa0According to him (B, 2017).",
            ["held\xa0in Kyiv (A, 2017).", "According to him (B, 2017)."],
        ),
        ("in 2017. 18 days later", ["in 2017. 18 days later"]),  # no capital: one sentence
    ],
)
def test_sentences(text, expected):
    assert sentences(text) == expected


def test_unreferenced_sentences_cite_the_profile_with_a_warning():
    raw = read_file(UNREFERENCED)
    case = raw.data["case"]
    profile = next(s for s in raw.data["sources"] if s["key"] == "profile")
    # the profile gives its address: the database entry carries it
    assert profile == {
        "key": "profile",
        "source_type": "database_entry",
        "title": "Osterveld, Marit",
        "url": "https://exile-profiles.example/profiles/osterveld-marit",
    }
    cited = {st["key"]: [(c["source"], c["locator"]) for c in st["citations"]] for st in case["statements"]}
    assert cited == {
        "who-why-how-1": [("profile", "Who, Why and How exiled")],
        "who-why-how-2": [("profile", "Who, Why and How exiled")],
        "stage-1-1": [("profile", "Stage 1 details")],  # not lent the next sentence's source
        "stage-1-2": [("granite-courier-2020", "as cited in the profile's Stage 1 details")],
        "stage-2-1": [("profile", "Stage 2 details")],
        "other-actions-1": [
            ("granite-courier-2021", "as cited in the profile's Other actions during Stages 1–3"),
            ("lowland-wire-2021", "p. 2, as cited in the profile's Other actions during Stages 1–3"),
        ],
        "other-actions-2": [
            ("lowland-wire-2021", "as cited in the profile's Other actions during Stages 1–3")
        ],
    }
    only = [f for f in raw.findings if f.rule == "profile-only"]
    assert sorted(f.field for f in only) == [
        "case.residences[0].citations",
        "case.residences[1].citations",
    ] + [f"case.statements[{i}].citations" for i in (0, 1, 2, 4)]
    assert all(f.severity == WARNING and "supported only by the profile" in f.message for f in only)
    assert [f.rule for f in raw.findings if f.rule != "profile-only"] == []
    second = case["statements"][1]
    assert raw.locate(("case", "statements", 1, "text")) == (9, 1 + len(case["statements"][0]["text"]) + 1)
    assert second["text"].startswith("She left")
    # the template's other fields go to the schema's slots through the mapping
    assert case["categories"] == ["civil_society", "opposition_member"]
    assert (case["state_of_concern"], case["most_serious_incident_date"], case["violence_reported"]) == (
        "BY",
        "2020-11",
        False,
    )
    # residences are claims: read from a one-line field, they rest on the profile
    where = [{"source": "profile", "locator": "Countries of transit, asylum and/or residence"}]
    assert case["residences"] == [
        {"country": "LT", "residence_role": "transit", "citations": where},
        {"country": "PL", "residence_role": "asylum", "citations": where},
    ]
    record, findings = type_record(raw)
    assert record is not None, [f.text() for f in findings]


def test_a_profile_url_that_is_no_address_is_kept_as_a_statement():
    text = UNREFERENCED.read_text(encoding="utf-8").replace(
        "https://exile-profiles.example/profiles/osterveld-marit", "see the database"
    )
    from exilegraph.readers.cape import CapeReader
    from exilegraph.records import sha256_bytes

    data = text.encode("utf-8")
    raw = CapeReader().read("p.txt", data, sha256_bytes(data))
    assert "url" not in next(s for s in raw.data["sources"] if s["key"] == "profile")
    assert [f.line for f in raw.findings if f.rule == "unreadable-url"] == [2]
    assert raw.data["case"]["statements"][0]["text"] == "see the database"


def profiles(seeds: Path | None) -> list[Path]:
    out = [UNREFERENCED, FIXTURES / "brannigan_moss_crlf.txt", FIXTURES / "quillfeather_ambrin.txt"]
    return out + sorted(seeds.glob("000_*.txt")) if seeds else out


@pytest.fixture
def seeds_or_none() -> Path | None:
    from conftest import SEEDS

    return SEEDS if SEEDS.is_dir() else None


def test_imported_profiles_release_and_cite_the_profile(tmp_path, seeds_or_none):
    files = profiles(seeds_or_none)
    imported = import_cape(files, tmp_path / "records")
    assert len(imported.written) == len(files)
    result = build_release([tmp_path / "records"], tmp_path / "out", use_cache=False)
    assert [f for f in result.findings if f.severity == ERROR] == []
    records = list(iter_records([tmp_path / "records"]))
    for r in records:
        case = r.model.case
        assert (result.path / "evidence" / f"{case.id}.html").is_file()
        ev = build_evidence(case.id, records)
        by_key = {c.key: c for c in ev.claims}
        for st in case.statements:
            keys = [c.source for c in st.citations]
            assert keys, st.key
            if "profile" in keys:  # a sentence with no resolved reference rests on the profile alone
                assert keys == ["profile"]
                assert "supported only by a database entry" in by_key[st.key].flags
            else:
                assert "supported only by a database entry" not in by_key[st.key].flags
    warned = [w for w in imported.warnings if w.rule == "profile-only"]
    profile_only = sum(
        1
        for r in records
        for claim in (r.model.case.statements or []) + (r.model.case.residences or [])
        if claim.citations[0].source == "profile"
    )
    assert len(warned) == profile_only >= 5


@pytest.mark.seeds
def test_seed_profile_imports_and_releases(tmp_path, seed_profile):
    import_cape([seed_profile], tmp_path / "records")
    result = build_release([tmp_path / "records"], tmp_path / "out", use_cache=False)
    assert [f for f in result.findings if f.severity == ERROR] == []
    assert result.counts.cases == 1


def test_a_profile_releases_as_it_is(tmp_path):
    """Released directly (not imported), the profile's profile-only warnings reach validation.txt."""
    result = build_release([UNREFERENCED], tmp_path, use_cache=False)
    assert [f for f in result.findings if f.severity == ERROR] == []
    report = (result.path / "validation.txt").read_text(encoding="utf-8")
    assert report.count("[profile-only]") == 6  # four sentences and two residences


def test_the_profiles_fields_are_attributed_to_it():
    raw = read_file(UNREFERENCED)
    got = {a["field"]: a["citations"] for a in raw.data["case"]["attributions"]}
    assert got == {
        "gender": [{"source": "profile", "locator": "Gender"}],
        "state_of_concern": [{"source": "profile", "locator": "State of concern"}],
        "categories": [{"source": "profile", "locator": "Category of exile"}],
        "stages": [{"source": "profile", "locator": "Which stages experienced"}],
        "most_serious_incident_date": [{"source": "profile", "locator": "Date of most serious incident"}],
    }
    record, findings = type_record(raw)
    assert record is not None, [f.text() for f in findings]


def test_a_long_run_of_letters_and_full_stops_is_split_without_stalling():
    """Each full stop looks back for an abbreviation; looking back over the whole text made a long run of
    "a." stall the reader for minutes (found by test_cape_properties)."""
    from exilegraph.readers.cape_mapping import load_mapping
    from exilegraph.readers.cape_sentences import split_sentences

    spans = split_sentences("a." * 50_000 + " Then A sentence.", load_mapping(), [])
    assert spans and spans[-1].text.endswith("sentence.")
