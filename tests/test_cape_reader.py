"""The reader of the database's profile template (`cape`) and `exilegraph import cape`."""

from __future__ import annotations

from pathlib import Path

import pytest
import ryaml
from click.testing import CliRunner

from exilegraph.check import load_record, type_record
from exilegraph.cli import main
from exilegraph.errors import RecordError
from exilegraph.findings import WARNING
from exilegraph.importers import dump_record, import_cape
from exilegraph.readers import READERS, read_file, reader_for
from exilegraph.readers.cape import CapeReader
from exilegraph.readers.cape_mapping import MAPPING_FILE, MappingError, load_mapping
from exilegraph.records import sha256_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cape"
FULL = FIXTURES / "quillfeather_ambrin.txt"
CRLF = FIXTURES / "brannigan_moss_crlf.txt"


def read_text(text: str, name: str = "profile.txt", reader: CapeReader | None = None):
    data = text.encode("utf-8")
    return (reader or CapeReader()).read(name, data, sha256_bytes(data))


def typed(raw):
    record, findings = type_record(raw)
    assert record is not None, [f.text() for f in findings]
    return record


def line_of(path: Path, needle: str) -> int:
    lines = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    return next(i + 1 for i, ln in enumerate(lines) if needle in ln)


def citations(raw) -> list[tuple[str | None, str, str | None]]:
    return [
        (c.get("reference_text"), c["source"], c.get("locator"))
        for st in raw.data["case"].get("statements", [])
        for c in st.get("citations", [])
    ]


def findings_of(raw, rule: str):
    return [f for f in raw.findings if f.rule == rule]


# --- the seed profile --------------------------------------------------------------------------------


@pytest.mark.seeds
def test_seed_profile_every_section(seed_profile):
    raw = read_file(seed_profile)
    assert raw.format == "cape"
    assert raw.data["persons"] == [{"id": "akhmet-zhanara", "preferred_name": "Zhanara Akhmet"}]
    case = raw.data["case"]
    assert case["id"] == "akhmet-zhanara" and case["subject"] == "akhmet-zhanara"
    assert case["alleged_affiliation"] == "Journalist"
    assert case["stages"] == [1, 2]
    assert case["most_serious_incident_date"] == "2017"
    # "." and ". (Definitions here.)" are empty: no gender, state, categories, violence
    assert "gender" not in raw.data["persons"][0]
    for empty in (
        "state_of_concern",
        "categories",
        "violence_reported",
        "violence_description",
        "residences",
    ):
        assert empty not in case
    # one statement per sentence: the first paragraph and the Stage 2 paragraph hold two and three
    sections = [(st["section"], st.get("stage")) for st in case["statements"]]
    assert sections == [("Who, Why and How exiled", None)] * 2 + [("Stage 1 details", 1)] * 2 + [
        ("Stage 2 details", 2)
    ] * 3 + [
        ("Other actions during Stages 1–3", None),
        ("Legal status", None),
        ("Legal status", None),
        ("Current status", None),
    ]
    assert [st["key"] for st in case["statements"]][:6] == [
        "who-why-how-1",
        "who-why-how-2",
        "stage-1-1",
        "stage-1-2",
        "stage-2-1",
        "stage-2-2",
    ]
    stage2 = case["statements"][4]
    assert stage2["text"].startswith("Zhanar Akhmet was detained in Kyiv")
    assert stage2["text"].endswith("Ferghana news, 2017).")
    assert raw.locate(("case", "statements", 4, "text")) == (
        line_of(seed_profile, "Zhanar Akhmet was detained"),
        1,
    )
    held = case["statements"][5]
    assert held["text"].startswith("She was") and held["text"].endswith("(Mapping Media Freedom, 2017).")
    line = line_of(seed_profile, "Zhanar Akhmet was detained")
    assert raw.locate(("case", "statements", 5, "text")) == (
        line,
        seed_profile.read_text(encoding="utf-8").split("\n")[line - 1].index("She was") + 1,
    )
    typed(raw)


@pytest.mark.seeds
def test_seed_profile_six_sources(seed_profile):
    raw = read_file(seed_profile)
    *press, profile = raw.data["sources"]
    # the profile itself is a source too: one sentence rests on no reference of its list
    assert profile == {"key": "profile", "source_type": "database_entry", "title": "Akhmet, Zhanara"}
    got = [(s.get("outlet"), s.get("authors"), s.get("year"), s.get("url")) for s in press]
    assert got == [
        (
            "Radio Free Europe",
            None,
            2017,
            "https://www.rferl.org/a/ukraine-detains-kazakh-blogger-at-kazakhstans-request/28810685.html",
        ),
        (
            "Hromadske.ua",
            None,
            2017,
            "https://en.hromadske.ua/posts/kazakh-journalist-and-political-asylum-seeker-arrested-in-kyiv"
            "?utm_source=Communications&utm_campaign=ae05de7af1-EMAIL_CAMPAIGN_2017_10_24&utm_medium=email"
            "&utm_term=0_c67d07604c-ae05de7af1-248049821&mc_cid=ae05de7af1&mc_eid=b617d18727",
        ),
        ("Mapping Media Freedom", None, 2017, "https://mappingmediafreedom.org/#/4744"),
        ("Ferghana news", None, 2017, "http://enews.fergananews.com/news.php?id=3559&mode=snews"),
        (
            None,
            ["Grigoryeva, T.", "Djalilov, I."],
            2018,
            "https://www.opendemocracy.net/od-russia/tamara-grigoryeva-ismail-djalilov/no-place-is-a-safe-haven",
        ),
        (
            "24Kanal",
            None,
            2018,
            "https://24tv.ua/news/showNews.do?ukrayina_prihistila_kazahsku_zhurnalistku_yaku_peresliduvali_na_batkivshhini"
            "&objectId=1039937",
        ),
    ]
    keys = [s["key"] for s in press]
    assert keys == [
        "radio-free-europe-2017",
        "hromadske-ua-2017",
        "mapping-media-freedom-2017",
        "ferghana-news-2017",
        "grigoryeva-djalilov-2018",
        "24kanal-2018",
    ]
    by_key = {s["key"]: s for s in raw.data["sources"]}
    assert by_key["radio-free-europe-2017"]["publication_date"] == "2017-10-23"
    assert by_key["mapping-media-freedom-2017"]["publication_date"] == "2017-10-21"
    assert "publication_date" not in by_key["grigoryeva-djalilov-2018"]  # ". ." gives no date
    assert by_key["24kanal-2018"]["language"] == "uk"
    assert "language" not in by_key["mapping-media-freedom-2017"]  # mostly Latin title
    assert by_key["24kanal-2018"]["accessed_date"] == "3 Feb. 2019"
    assert "accessed_date" not in by_key["ferghana-news-2017"]
    assert all(s["source_type"] == "news_article" for s in press)


@pytest.mark.seeds
def test_seed_profile_references_resolved(seed_profile):
    raw = read_file(seed_profile)
    pairs = {(text, source) for text, source, _ in citations(raw) if source != "profile"}
    assert pairs == {
        ("(Radio Free Europe, 2017)", "radio-free-europe-2017"),
        ("(Ferghana news, 2017)", "ferghana-news-2017"),
        ("(Mapping Media Freedom, 2017)", "mapping-media-freedom-2017"),
        ("(Hromadske.ua., 2017)", "hromadske-ua-2017"),
        ("(24Kanal, 2018)", "24kanal-2018"),
        ("(Grigoryeva and Djalilov, 2018)", "grigoryeva-djalilov-2018"),
    }
    by_key = {s["key"]: s for s in raw.data["sources"]}
    assert by_key["mapping-media-freedom-2017"]["url"].startswith("https://mappingmediafreedom.org/")
    statements = raw.data["case"]["statements"]
    # each sentence of Stage 2 cites only the references that close it: the detention in Vyshhorod
    # is Mapping Media Freedom's, not Radio Free Europe's
    assert [[c["source"] for c in st["citations"]] for st in statements[4:7]] == [
        ["radio-free-europe-2017", "ferghana-news-2017"],
        ["mapping-media-freedom-2017"],
        ["ferghana-news-2017"],
    ]
    assert "Vyshhorod" in statements[5]["text"] and "Vyshhorod" not in statements[4]["text"]
    # the reference right after a full stop: "status.(24Kanal, 2018)"; the profile section is the locator
    assert statements[9]["citations"] == [
        {
            "source": "24kanal-2018",
            "locator": "as cited in the profile's Legal status",
            "reference_text": "(24Kanal, 2018)",
        }
    ]


@pytest.mark.seeds
def test_seed_profile_unresolved_reference_is_a_warning_not_a_guess(seed_profile):
    raw = read_file(seed_profile)
    unresolved = findings_of(raw, "unresolved-reference")
    assert len(unresolved) == 1
    f = unresolved[0]
    assert f.severity == WARNING and f.path == raw.path
    assert f.line == line_of(seed_profile, "(Index on Censorship, 2017)")
    assert "Index on Censorship" in f.message and f.field == "case.statements[0].text"
    first = raw.data["case"]["statements"][0]
    assert first["text"].endswith("(Index on Censorship, 2017).")  # the reference stays in the text
    # nothing guessed: the sentence rests on the profile alone, and says so
    assert first["citations"] == [{"source": "profile", "locator": "Who, Why and How exiled"}]
    [only] = findings_of(raw, "profile-only")
    assert (only.line, only.severity, only.field) == (f.line, WARNING, "case.statements[0].citations")
    assert "supported only by the profile" in only.message


@pytest.mark.seeds
def test_seed_profile_damage_is_kept_and_reported(seed_profile):
    raw = read_file(seed_profile)
    damaged = findings_of(raw, "damaged-accessed-date")
    assert [(f.field, f.line, f.severity) for f in damaged] == [
        ("sources[0].accessed_date", line_of(seed_profile, "Radio Free Europe. 2017."), WARNING),
        ("sources[1].accessed_date", line_of(seed_profile, "Hromadske.ua., 2017."), WARNING),
    ]
    assert raw.data["sources"][0]["accessed_date"] == "23 May, 201"
    tracking = findings_of(raw, "tracking-parameters")
    assert [(f.field, f.line) for f in tracking] == [
        ("sources[1].url", line_of(seed_profile, "Hromadske.ua., 2017."))
    ]
    assert "utm_source" in tracking[0].message and "mc_eid" in tracking[0].message
    assert raw.locate(("sources", 1, "accessed_date")) == (damaged[1].line, damaged[1].column)
    assert sorted(f.rule for f in raw.findings) == [
        "damaged-accessed-date",
        "damaged-accessed-date",
        "profile-only",
        "tracking-parameters",
        "unresolved-reference",
    ]


@pytest.mark.seeds
def test_seed_profile_import_round_trip(seed_profile, tmp_path):
    result = CliRunner().invoke(main, ["import", "cape", str(seed_profile), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "akhmet-zhanara.yaml"
    assert f"wrote {written}" in result.output
    assert load_record(written).model == typed(read_file(seed_profile)).model


# --- profiles written for the tests --------------------------------------------------------------------


def test_registered_for_txt_files():
    assert isinstance(READERS["cape"], CapeReader)
    assert reader_for(Path("x.txt")) is READERS["cape"]


def test_the_registry_names_each_reader_and_its_suffixes_as_the_reader_does():
    """Readers are registered with their suffixes, so that listing files imports no reader's module."""
    from exilegraph.readers import REGISTERED

    for name, (_, _, suffixes) in REGISTERED.items():
        assert (READERS[name].name, READERS[name].suffixes) == (name, suffixes)


def test_fields_of_the_full_profile():
    raw = read_file(FULL)
    # the violence answer, the one-line "International arrest warrant" value and the residences have no
    # reference: they rest on the profile alone
    countries = line_of(FULL, "Countries of transit")
    assert [(f.rule, f.line) for f in raw.findings] == [
        ("profile-only", line_of(FULL, "Violence experienced")),
        ("profile-only", line_of(FULL, "International arrest")),
        ("profile-only", countries),
        ("profile-only", countries),
    ]
    assert raw.data["persons"] == [
        {"id": "quillfeather-ambrin", "preferred_name": "Ambrin Quillfeather", "gender": "female"}
    ]
    case = dict(raw.data["case"])
    case.pop("statements")
    # each case-level field the profile gives is attributed to the profile, its heading the locator
    assert {a["field"]: a["citations"] for a in case.pop("attributions")} == {
        field: [{"source": "profile", "locator": heading}]
        for field, heading in (
            ("gender", "Gender"),
            ("state_of_concern", "State of concern"),
            ("categories", "Category of exile"),
            ("stages", "Which stages experienced"),
            ("most_serious_incident_date", "Date of most serious incident"),
        )
    }
    assert case == {
        "id": "quillfeather-ambrin",
        "subject": "quillfeather-ambrin",
        "state_of_concern": "UZ",
        "categories": ["civil_society", "opposition_member"],
        "alleged_affiliation": "Member of a banned opposition movement",
        "stages": [1, 2, 3],
        "most_serious_incident_date": "2018-03-14",
        "violence_reported": True,
        "violence_description": "pushed to the ground while being handcuffed",
        "residences": [
            {
                "country": country,
                "residence_role": role,
                "citations": [
                    {"source": "profile", "locator": "Countries of transit, asylum and/or residence"}
                ],
            }
            for country, role in (("KZ", "transit"), ("LT", "asylum"))
        ],
        "legal_status": "refugee",
        "current_status": "Living in Vilnius; the notice was withdrawn in 2019",
    }
    assert raw.locate(("case", "state_of_concern")) == (line_of(FULL, "State of concern:"), 19)
    assert raw.locate(("persons", 0, "gender")) == (line_of(FULL, "Gender:"), 9)
    assert raw.locate(("case", "categories", 1)) == (line_of(FULL, "Category of exile:"), 20)
    model = typed(raw).model
    assert model.case.state_of_concern == "UZ"
    assert [s.stage for s in model.case.statements] == [None, None, None, 1, 2, 2, 3, None, None]
    # reported violence is also a statement of its section, saying what is known
    violence = model.case.statements[2]
    assert (violence.section, violence.text) == (
        "Violence experienced",
        "Yes: pushed to the ground while being handcuffed.",
    )
    # an inline value with no field to go to is a statement
    assert model.case.statements[-1].section == "International arrest warrant"


def test_full_profile_citation_styles():
    raw = read_file(FULL)
    cited = "as cited in the profile's "
    who, st1, st2 = cited + "Who, Why and How exiled", cited + "Stage 1 details", cited + "Stage 2 details"
    assert citations(raw) == [
        ("(Northwind Courier, 2016)", "northwind-courier-2016", who),
        ("(Harbour Watch, n.d.)", "harbour-watch-nd", who),
        (None, "profile", "Violence experienced"),
        ("(Northwind Courier, 2016)", "northwind-courier-2016", st1),
        ("(Pellworth and Okonkwo-Lind, 2019, p. 3)", "pellworth-okonkwo-lind-2019", "p. 3, " + st1),
        ("(Northwind Courier, 2018)", "northwind-courier-2018", st2),
        ("(Вільна Хвиля, 2018)", "vilna-khvilya-2018", st2),
        ("(Steppe Ledger, 2019)", "steppe-ledger-2019", cited + "Stage 3 details"),
        (
            "(Pellworth and Okonkwo-Lind, 2019)",
            "pellworth-okonkwo-lind-2019",
            cited + "Other actions during Stages 1–3",
        ),
        (None, "profile", "International arrest warrant"),
    ]
    src = {s["key"]: s for s in raw.data["sources"]}
    assert src["northwind-courier-2016"]["year"] == 2016 and src["northwind-courier-2018"]["year"] == 2018
    assert src["northwind-courier-2016"]["publication_date"] == "2016-05-02"
    # "Available at:" without a space and the address running into "[Accessed"
    assert src["northwind-courier-2018"]["url"] == "https://northwind-courier.example/2018/held-in-vilnius"
    assert src["northwind-courier-2018"]["publication_date"] == "2018-03-15"
    assert src["northwind-courier-2018"]["accessed_date"] == "10 June 2020"
    # "(n.d.)", Harvard style: no year, unquoted title, the site after [online]
    assert "year" not in src["harbour-watch-nd"]
    assert src["harbour-watch-nd"]["title"] == "Exiles along the Baltic shore"
    assert src["harbour-watch-nd"]["publisher"] == "Harbour Watch"
    # two authors, no address: the journal is kept as a note
    assert src["pellworth-okonkwo-lind-2019"]["authors"] == ["Pellworth, R.", "Okonkwo-Lind, S."]
    assert (
        "outlet" not in src["pellworth-okonkwo-lind-2019"] and "url" not in src["pellworth-okonkwo-lind-2019"]
    )
    assert src["pellworth-okonkwo-lind-2019"]["note"] == "Journal of Exile Studies 4(2)"
    # Cyrillic title
    assert src["vilna-khvilya-2018"]["language"] == "uk"
    assert src["vilna-khvilya-2018"]["title"].startswith("Журналістку")
    assert src["steppe-ledger-2019"]["publication_date"] == "2019-07"


def test_wrapped_paragraph_positions():
    raw = read_file(FULL)
    first_line = line_of(FULL, "Prosecutors in the capital")
    assert raw.locate(("case", "statements", 3, "text")) == (first_line, 1)
    text = raw.data["case"]["statements"][3]["text"]
    assert "information and asked Interpol" in text  # two lines joined by one space
    # the citation on the paragraph's second line is located there
    line, col = raw.locate(("case", "statements", 3, "citations", 1))
    assert line == first_line + 1
    assert (FULL.read_text(encoding="utf-8").split("\n")[line - 1][col - 1 :]).startswith("Pellworth and")
    assert raw.locate(("sources", 2, "accessed_date"))[0] == line_of(FULL, "Harbour Watch (n.d.)")
    assert raw.locate(("sources", 2, "no-such-field")) == raw.locate(("sources", 2))
    assert raw.locate(("nothing", "here")) == (1, 1)


def test_crlf_bom_blank_fields_empty_stage2_no_stage3():
    data = CRLF.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    raw = read_file(CRLF)
    assert raw.data["persons"] == [{"id": "brannigan-moss-teodor", "preferred_name": "Teodor Brannigan-Moss"}]
    assert raw.data["case"] == {**raw.data["case"], "id": "brannigan-moss-teodor", "stages": [1]}
    for blank in (
        "state_of_concern",
        "alleged_affiliation",
        "categories",
        "most_serious_incident_date",
        "violence_reported",
        "current_status",
        "legal_status",
    ):
        assert blank not in raw.data["case"]
    statements = raw.data["case"]["statements"]
    assert [st["key"] for st in statements] == ["who-why-how-1", "stage-1-1", "stage-1-2"]
    assert not any(st.get("stage") in (2, 3) for st in statements)
    assert not any("\r" in st["text"] for st in statements)
    typed(raw)


def test_unresolved_reference_on_a_wrapped_line():
    raw = read_file(CRLF)
    [f] = findings_of(raw, "unresolved-reference")
    assert (f.path, f.line, f.severity) == (raw.path, line_of(CRLF, "(Silent Bureau, 2020)"), WARNING)
    assert "(Silent Bureau, 2020)" in f.message
    wanted, claimed = raw.data["case"]["statements"][1:3]
    assert wanted["text"].endswith("(Lantern Post, 2019).") and claimed["text"].endswith(
        "(Silent Bureau, 2020)."
    )
    assert [c["source"] for c in wanted["citations"]] == ["lantern-post-2019"]
    # the unresolved reference's sentence is not lent the sentence before's source
    assert claimed["citations"] == [{"source": "profile", "locator": "Stage 1 details"}]


def test_crlf_and_lf_read_the_same():
    text = FULL.read_text(encoding="utf-8")
    lf, crlf = read_text(text), read_text(text.replace("\n", "\r\n"))
    assert lf.data == crlf.data
    assert lf.locate(("sources", 3, "authors")) == crlf.locate(("sources", 3, "authors"))


PROFILE = """Halloran, Edda

State of concern: {state}
Category of exile: {category}
Date of most serious incident: {date}

Stage 1 details (accusations):

A court in the capital opened a case against her (Mill Gazette, 2016; Mill Gazette, 2018).

Press sources:

{sources}
"""
TWO = (
    "Mill Gazette, 2016. 'First item'. 1 May 2016.\n\n"
    "Mill Gazette, 2018. 'Second item'. 2 June 2018. Available at: https://mill.example/2?utm_medium=x"
)


def test_unreadable_values_become_statements_with_warnings():
    raw = read_text(
        PROFILE.format(state="Atlantis.", category="Poets; Civil society.", date="sometime", sources=TWO)
    )
    case = raw.data["case"]
    assert (
        "state_of_concern" not in case
        and "categories" not in case
        and "most_serious_incident_date" not in case
    )
    kept = {st["section"]: st["text"] for st in case["statements"] if st["section"] != "Stage 1 details"}
    assert kept == {
        "State of concern": "Atlantis.",
        "Category of exile": "Poets; Civil society.",
        "Date of most serious incident": "sometime",
    }
    assert sorted((f.rule, f.line) for f in raw.findings) == [
        ("profile-only", 3),
        ("profile-only", 4),
        ("profile-only", 5),
        ("tracking-parameters", 15),
        ("unknown-category", 4),
        ("unknown-country", 3),
        ("unreadable-date", 5),
    ]
    assert all(
        st["citations"] == [{"source": "profile", "locator": st["section"]}]
        for st in case["statements"]
        if st["section"] != "Stage 1 details"
    )
    typed(raw)


def test_state_names_aliases_and_dates():
    raw = read_text(
        PROFILE.format(state="Russian Federation", category="Religious", date="c. October 2016", sources=TWO)
    )
    case = raw.data["case"]
    assert (case["state_of_concern"], case["categories"], case["most_serious_incident_date"]) == (
        "RU",
        ["religious"],
        "2016-10~",
    )
    assert [c["source"] for c in case["statements"][0]["citations"]] == [
        "mill-gazette-2016",
        "mill-gazette-2018",
    ]


def test_same_name_and_year_twice_is_ambiguous():
    sources = (
        "Mill Gazette, 2016. 'First item'.\n\nMill Gazette, 2016. 'Other item'.\n\nMill Gazette, 2018. 'x'."
    )
    raw = read_text(PROFILE.format(state="Georgia", category=".", date="2016", sources=sources))
    # the profile is a source too: its state of concern and date are attributed to it
    assert [s["key"] for s in raw.data["sources"]] == [
        "mill-gazette-2016",
        "mill-gazette-2016-2",
        "mill-gazette-2018",
        "profile",
    ]
    assert [f.rule for f in raw.findings] == ["ambiguous-reference"]
    assert [c["source"] for c in raw.data["case"]["statements"][0]["citations"]] == ["mill-gazette-2018"]
    typed(raw)


def test_known_name_wrong_year_is_not_guessed():
    raw = read_text(
        PROFILE.format(state=".", category=".", date=".", sources="Mill Gazette, 2017. 'Only item'.")
    )
    msgs = [f.message for f in findings_of(raw, "unresolved-reference")]
    assert len(msgs) == 2 and all("only for 2017" in m for m in msgs)
    assert raw.data["case"]["statements"][0]["citations"] == [
        {"source": "profile", "locator": "Stage 1 details"}
    ]


@pytest.mark.parametrize(
    "text, line, rule",
    [
        ("", 1, "empty-profile"),
        ("\n\nGender: Female.\n", 3, "missing-name"),
        ("Just one name\nGender: .\n", 1, "missing-name"),
        ("Doe, Jane\nsome words before any heading\nGender: .\n", 2, "unexpected-text"),
        ("Doe, Jane\nGender: .\nStage 1 details (x):\n\npara\n\nGender: Female.\n", 7, "duplicate-heading"),
        ("Doe, Jane\n***, ***\n", 2, "unexpected-text"),
        ("***, ***\nGender: .\n", 1, "unusable-name"),
    ],
)
def test_malformed_profiles_raise_record_error(text, line, rule):
    with pytest.raises(RecordError) as info:
        read_text(text, "bad.txt")
    f = info.value.findings[0]
    assert (f.path, f.line, f.rule) == ("bad.txt", line, rule)


def test_not_utf8_names_line_and_column():
    data = b"Doe, Jane\nGender: .\n" + b"Current status: caf\xe9\n"
    with pytest.raises(RecordError) as info:
        CapeReader().read("latin1.txt", data, sha256_bytes(data))
    f = info.value.findings[0]
    assert (f.path, f.line, f.column, f.rule) == ("latin1.txt", 3, 20, "encoding")


def test_a_template_variant_is_a_mapping_change(tmp_path):
    text = CRLF.read_bytes().decode("utf-8-sig").replace("Press sources:", "Literature consulted:")
    # the shipped mapping does not know the heading: no press source, every sentence rests on the profile
    assert [s["key"] for s in read_text(text).data["sources"]] == ["profile"]
    variant = tmp_path / "cape.yaml"
    variant.write_text(
        MAPPING_FILE.read_text(encoding="utf-8").replace(
            "label: 'Press\\s+sources|", "label: 'Literature\\s+consulted|Press\\s+sources|"
        ),
        encoding="utf-8",
    )
    raw = read_text(text, reader=CapeReader(variant))
    assert [s["key"] for s in raw.data["sources"]] == ["lantern-post-2019", "profile"]
    assert raw.data["case"]["statements"][0]["citations"][0]["source"] == "lantern-post-2019"


def test_a_broken_mapping_is_refused(tmp_path):
    bad = tmp_path / "cape.yaml"
    bad.write_text(
        MAPPING_FILE.read_text(encoding="utf-8").replace("civil_society: [", "civic: ["), encoding="utf-8"
    )
    with pytest.raises(MappingError, match="civic"):
        load_mapping(bad)


# --- import --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", [FULL, CRLF])
def test_import_round_trip(profile, tmp_path):
    result = CliRunner().invoke(main, ["import", "cape", str(profile), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [written] = sorted((tmp_path / "out").glob("*.yaml"))
    assert result.output.strip().endswith(f"wrote {written}")
    assert written.name == typed(read_file(profile)).id + ".yaml"
    assert load_record(written).model == typed(read_file(profile)).model


def test_import_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["import", "cape", str(FULL), "--out", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "quillfeather-ambrin.yaml").read_bytes()
    again = runner.invoke(main, ["import", "cape", str(CRLF), str(FULL), "--out", str(tmp_path)])
    assert again.exit_code == 1
    assert "Error:" in again.output and "already exists" in again.output
    assert (tmp_path / "quillfeather-ambrin.yaml").read_bytes() == before
    assert not (tmp_path / "brannigan-moss-teodor.yaml").exists()  # nothing written when one target exists


def test_import_bad_profile_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Doe, Jane\nGender: .\nGender: Male.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "cape", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "bad.txt:3:1: error [duplicate-heading]" in result.output
    assert not (tmp_path / "out").exists()


def test_import_returns_paths_in_order_and_warnings(tmp_path):
    result = import_cape([CRLF, FULL], tmp_path)
    assert [p.name for p in result.written] == ["brannigan-moss-teodor.yaml", "quillfeather-ambrin.yaml"]
    assert result.written[0].read_text(encoding="utf-8").startswith("# Imported from ")
    assert [(Path(w.path).name, w.line, w.rule) for w in result.warnings] == [
        ("brannigan_moss_crlf.txt", 20, "unresolved-reference"),
        ("brannigan_moss_crlf.txt", 19, "profile-only"),
        ("quillfeather_ambrin.txt", line_of(FULL, "Violence experienced"), "profile-only"),
        ("quillfeather_ambrin.txt", line_of(FULL, "International arrest"), "profile-only"),
        ("quillfeather_ambrin.txt", line_of(FULL, "Countries of transit"), "profile-only"),
        ("quillfeather_ambrin.txt", line_of(FULL, "Countries of transit"), "profile-only"),
    ]


def test_import_prints_warnings_with_file_and_line(tmp_path):
    result = CliRunner().invoke(main, ["import", "cape", str(CRLF), "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert "brannigan_moss_crlf.txt:20:44: warning [unresolved-reference]" in result.stderr
    assert result.stdout.startswith("wrote ")


@pytest.mark.parametrize(
    "value",
    [
        "0o17",
        "0x1F",
        "1e3",
        ".inf",
        "-.Inf",
        ".NaN",
        "NO",
        "yes",
        "null",
        "~",
        "",
        "2017-10-23",
        "12",
        "+12",
        "1_000",
        " lead",
        "a: b",
        "#x",
        "'q'",
        "x\ny",
        "\ufeffz",
        "tab\there",
        "True",
        "\x85",
        "a\u2028b",
        "a\rb",
        "\u2029",
        "\xa0",
    ],
)
def test_yaml_strings_read_back_unchanged(value):
    assert ryaml.loads(dump_record({"v": value})) == {"v": value}


def test_entry_on_the_heading_line_and_arabic_digits_are_no_year():
    text = (
        "Doe, Jane\nStage 1 details (x):\n\nShe was charged (Mill Gazette, 2016).\n\n"
        "Press sources: Mill Gazette, 2016. 'First item'. Available at: https://mill.example/1\n\n"
        "Quay Daily, ٢٠١٧. 'Second item'.\n"
    )
    raw = read_text(text)
    assert [s["key"] for s in raw.data["sources"]] == ["mill-gazette-2016", "source-2"]
    assert raw.locate(("sources", 0, "url")) == (6, text.split("\n")[5].index("https") + 1)
    assert raw.data["case"]["statements"][0]["citations"][0]["source"] == "mill-gazette-2016"
    assert [f.rule for f in raw.findings] == ["unreadable-source"]
    assert raw.data["sources"][1]["note"] == "Quay Daily, ٢٠١٧. 'Second item'."


@pytest.mark.parametrize(
    "listing, keys",
    [
        # blank lines between entries: a wrapped entry stays one, even when its second line starts with a date
        (
            "Mill Gazette, 2016. 'First item'.\n2 May 2016. Available at: https://mill.example/1\n\n"
            "Quay Daily, 2018. 'Second item'.",
            ["mill-gazette-2016", "quay-daily-2018"],
        ),
        # no blank lines: each line with a year near its start is an entry, others continue it
        (
            "Mill Gazette, 2016. 'First item'.\nAvailable at: https://mill.example/1\nQuay Daily, 2018. 'Second item'.",
            ["mill-gazette-2016", "quay-daily-2018"],
        ),
    ],
)
def test_entries_split_on_blank_lines_or_years(listing, keys):
    raw = read_text(f"Doe, Jane\nPress sources:\n\n{listing}\n")
    assert [s["key"] for s in raw.data["sources"]] == keys
    assert raw.data["sources"][0]["url"] == "https://mill.example/1"
    assert raw.findings == []


def test_a_mapping_pattern_without_its_group_is_refused(tmp_path):
    bad = tmp_path / "cape.yaml"
    bad.write_text(
        MAPPING_FILE.read_text(encoding="utf-8").replace("(?P<url>https?", "(https?"), encoding="utf-8"
    )
    with pytest.raises(MappingError, match="bibliography.url.*url"):
        load_mapping(bad)
