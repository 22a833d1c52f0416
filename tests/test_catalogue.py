"""The query catalogue (queries/*.rq) answers the partners' questions with the facts of the source
documents: the database profile of Zhanara Akhmet(ova) and the Ukrainian human-rights defenders'
statement about her asylum case, which also names Huseynov, Okhunzhonov, Aliyev and three people
removed from Ukraine. Expectations are facts of those documents, not row counts of today's records."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from exilegraph.catalogue import catalogue
from exilegraph.cli import main
from exilegraph.query import run_query
from exilegraph.resources import DEFAULT_BASE_IRI
from exilegraph.sparql_help import vocabulary_warnings

CASE = f"{DEFAULT_BASE_IRI}case/"
STATEMENT = "Ukraine's Migration Service turns a blind eye"  # the start of the statement's title
PROFILE = "Akhmet, Zhanara"  # the profile's heading, used as its title


@pytest.fixture(scope="session")
def ask(release):
    def run(name: str, **params) -> list[dict]:
        return run_query(name, release, params, timeout=None).values()

    return run


def has(rows: list[dict], **expected) -> bool:
    """Whether some row holds all the expected values (a value ending in '…' matches a prefix)."""

    def match(row):
        return all(
            (row.get(k) or "").startswith(v[:-1]) if v.endswith("…") else row.get(k) == v
            for k, v in expected.items()
        )

    return any(match(r) for r in rows)


# ---- every catalogue query ---------------------------------------------------------------------------
def test_every_query_documents_itself_and_runs_with_its_examples(ask):
    entries = catalogue()
    assert len(entries) >= 8
    for entry in entries.values():
        assert entry.title and entry.answers.endswith("?"), entry.name
        for p in entry.params:
            assert p.description and p.example, (
                f"{entry.name}: parameter {p.name} needs a description and example"
            )
        required = {p.name: p.example for p in entry.params if not p.optional}
        everything = {p.name: p.example for p in entry.params}
        assert ask(entry.name, **required), f"{entry.name} found nothing with {required}"
        assert ask(entry.name, **everything), f"{entry.name} found nothing with {everything}"


def test_every_query_names_only_terms_the_vocabulary_defines():
    for entry in catalogue().values():
        assert vocabulary_warnings(entry.text) == [], entry.name


def test_list_shows_every_query():
    out = CliRunner().invoke(main, ["query", "--list"]).output
    for entry in catalogue().values():
        assert any(line.startswith(entry.name) and line.endswith(entry.title) for line in out.splitlines())


# ---- cases by state of concern and host state -----------------------------------------------------------
def test_cases_by_state(ask):
    rows = ask("cases-by-state")
    assert has(
        rows,
        state_of_concern="Kazakhstan",
        host_state="Ukraine",
        case=CASE + "akhmetova-zhanara",
        name="Zhanara Akhmetova",
    )
    assert has(rows, state_of_concern="Azerbaijan", host_state="Ukraine", case=CASE + "huseynov-fikrat")
    assert has(rows, state_of_concern="Uzbekistan", host_state="Ukraine", case=CASE + "okhunzhonov-narzullo")
    assert has(rows, state_of_concern="Belarus", case=CASE + "frantskevich-alexander")
    kz = ask("cases-by-state", state="KZ", host="UA")
    assert has(kz, case=CASE + "akhmetova-zhanara")
    assert {r["state_of_concern"] for r in kz} == {"Kazakhstan"} and {r["host_state"] for r in kz} == {
        "Ukraine"
    }
    assert not ask("cases-by-state", state="KZ", host="SE")


# ---- what a state requested ----------------------------------------------------------------------------
def test_requested_by_kazakhstan(ask):
    rows = ask("requested-by-state", state="KZ")
    assert has(
        rows, event="arrest", date="2017-10-21", place="Kyiv", host_state="Ukraine", name="Zhanara Akhmetova"
    )
    assert has(rows, event="detention", place="Vyshhorod…")  # the profile gives no date for the detention
    assert has(rows, event="extradition request", host_state="Ukraine", case=CASE + "akhmetova-zhanara")
    assert has(rows, event="interpol notice issued")
    assert {r["case"] for r in rows} == {CASE + "akhmetova-zhanara"}
    arrest = next(r for r in rows if r["event"] == "arrest")
    assert int(arrest["sources"]) >= 3  # profile and press reports of the Kyiv arrest


def test_requested_by_azerbaijan_and_uzbekistan(ask):
    az = ask("requested-by-state", state="AZ")
    assert has(az, event="arrest", date="2017", name="Fikrat Huseynov", host_state="Ukraine")
    assert has(az, event="extradition request", name="Alovsat Aliyev")
    uz = ask("requested-by-state", state="UZ")
    assert has(uz, event="arrest", date="2017", name="Narzullo Okhunzhonov")
    assert not has(uz, name="Fikrat Huseynov") and not has(az, name="Narzullo Okhunzhonov")


def test_requested_since_a_date_keeps_what_may_be_later(ask):
    since_2015 = ask("requested-by-state", state="KZ", since="2015")
    assert has(since_2015, event="arrest", date="2017-10-21")
    later = ask("requested-by-state", state="KZ", since="2017-10-22")
    assert not has(later, event="arrest", date="2017-10-21")
    assert all(r["date"] for r in later)  # undated events cannot be said to be that recent
    # Huseynov's arrest is dated only to 2017, so it may fall after 22 October
    assert has(ask("requested-by-state", state="AZ", since="2017-10-22"), event="arrest", date="2017")


# ---- Interpol notices ------------------------------------------------------------------------------------
def test_interpol_notice_issued_and_removed(ask):
    rows = ask("interpol-notices", state="KZ")
    issued = [r for r in rows if r["notice"] == "issued"]
    removed = [r for r in rows if r["notice"] == "removed"]
    assert has(
        issued,
        name="Zhanara Akhmetova",
        requesting_state="Kazakhstan",
        notice_type="red_notice",
        article="177",
        status="removal recorded",
    )
    assert has(issued, source=PROFILE, locator="Stage 2 details")
    assert has(issued, source="Ukraine Detains Kazakh Blogger…")  # the RFE/RL report of the detention
    assert has(removed, source="For Eurasia’s activists, no place is a safe haven")  # openDemocracy, 2018
    assert not ask("interpol-notices", state="UZ")


# ---- how well supported the claims are ----------------------------------------------------------------------
def test_single_source_claims(ask):
    rows = ask("single-source-claims")
    assert has(rows, case=CASE + "huseynov-fikrat", claim="arrest", date="2017", source=STATEMENT + "…")
    assert has(
        rows,
        case=CASE + "akhmetova-zhanara",
        claim="migration decision",
        date="2018-12-22",
        source=STATEMENT + "…",
    )
    # the Kyiv arrest is reported by the profile and several news outlets: not single-sourced
    assert not has(rows, case=CASE + "akhmetova-zhanara", claim="arrest", date="2017-10-21")
    own = ask("single-source-claims", case="okhunzhonov-narzullo")
    assert own and {r["case"] for r in own} == {CASE + "okhunzhonov-narzullo"}
    assert {r["support"] for r in rows} <= {"text", "title"}
    # the hunger strike rests on the titles of a news report and of the profile's list entry: two sources
    assert not has(rows, claim="hunger strike")
    # the prosecutions of activists for sharing her posts rest on the statement alone, but their typing as
    # action against associates is the curators' assessment, which rests on a note, not on a source
    assert not has(rows, case=CASE + "akhmetova-zhanara", claim="action against associates")
    assert has(
        rows,
        case=CASE + "akhmetova-zhanara",
        claim="extradition request",
        source=STATEMENT + "…",
        locator="p. 2, paragraph 12",
        support="text",
    )


def test_single_source_cases(ask):
    rows = ask("single-source-cases")
    cases = {r["case"] for r in rows}
    assert {CASE + "huseynov-fikrat", CASE + "okhunzhonov-narzullo", CASE + "aliyev-alovsat"} <= cases
    assert CASE + "akhmetova-zhanara" not in cases  # two documents and the press behind it
    assert all(r["source"].startswith(STATEMENT) and r["source_type"] == "statement" for r in rows)
    assert {r["case"] for r in ask("single-source-cases", state="AZ")} == {
        CASE + "huseynov-fikrat",
        CASE + "aliyev-alovsat",
    }


# ---- where the sources disagree -------------------------------------------------------------------------
def test_conflicting_supreme_court_claims(ask):
    rows = [
        r
        for r in ask("conflicts", case="akhmetova-zhanara")
        if r["conflict"] == "conflict-supreme-court-decision"
    ]
    assert {r["date"] for r in rows} == {"2018-09-17", "2018-09-29"}
    sept17 = [r for r in rows if r["date"] == "2018-09-17"]
    sept29 = [r for r in rows if r["date"] == "2018-09-29"]
    assert has(sept17, source=STATEMENT + "…", locator="p. 2, paragraph 9, fn. 5", support="text")
    assert has(sept17, source="Unified State Register of Court Decisions of Ukraine, decision 76519299")
    assert has(sept29, source=PROFILE) and has(sept29, source="Україна прихистила…")  # 24 Kanal
    assert all(r["claim"] == "court decision" and r["note"] and r["basis"] == "reported" for r in rows)
    assert not has(sept29, claim="refugee status granted")


def test_conflicts_include_a_statement_against_an_event(ask):
    rows = [r for r in ask("conflicts") if r["conflict"] == "conflict-2009-sentence"]
    assert {"sentence postponement", "statement"} <= {r["claim"] for r in rows}
    served = [r for r in rows if r["claim"] == "statement"]
    assert has(served, source=PROFILE, locator="Other actions during Stages 1–3")
    assert has(rows, claim="sentence postponement", source=STATEMENT + "…", locator="p. 1, paragraph 2")


def test_only_claims_that_cannot_both_be_right_conflict(ask):
    conflicts = {r["conflict"] for r in ask("conflicts")}
    assert conflicts == {"conflict-supreme-court-decision", "conflict-2009-sentence"}


# ---- one person, one case -----------------------------------------------------------------------------------
def test_everything_about_one_person(ask):
    rows = ask("person", person="akhmetova-zhanara")
    assert has(rows, fact="name", value="Zhanara Akhmetova")
    assert has(rows, fact="other name", value="Akhmet, Zhanara", source=PROFILE, locator="name line")
    assert has(rows, fact="other name", value="Zhanara Akhmetova", source=STATEMENT + "…")
    assert has(rows, fact="affiliation", value="Democratic Choice of Kazakhstan (one of the leaders)")
    assert has(rows, fact="arrest", date="2017-10-21", case="akhmetova-zhanara", source=PROFILE)
    assert has(rows, fact="residence", value="Ukraine (asylum)", date="2017-03")
    assert all(r["source"] for r in rows if r["fact"] in ("other name", "affiliation", "arrest")), (
        "every cited fact shows its source"
    )
    names = [r["fact"] for r in rows]
    assert names.index("name") < names.index("other name") < names.index("arrest")


def test_a_person_named_as_associate(ask):
    rows = ask("person", person="kaziyev-yerkin")
    assert has(rows, fact="name", value="Yerkin Kaziyev")
    assert has(rows, fact="associate in a case", case="akhmetova-zhanara", source=STATEMENT + "…")
    assert not has(rows, fact="arrest")


def test_case_timeline_in_date_order(ask):
    rows = ask("case-timeline", case="akhmetova-zhanara")
    dated = [r for r in rows if r["date"]]
    firsts = [r["date"][:10] for r in dated]
    assert firsts == sorted(firsts), "ordered by earliest date"
    events = [(r["date"], r["event"]) for r in rows]
    order = [
        events.index(e)
        for e in (
            ("2009", "conviction"),
            ("2017-03", "flight"),
            ("2017-10-21", "arrest"),
            ("2018-09-17", "court decision"),
            ("2020-01-14", "court hearing scheduled"),
        )
    ]
    assert order == sorted(order)
    undated = [i for i, r in enumerate(rows) if not r["date"]]
    assert undated and min(undated) > max(i for i, r in enumerate(rows) if r["date"]), (
        "undated events come last"
    )
    assert has(rows, event="extradition request", requesting_state="Kazakhstan", host_state="Ukraine")
    assert not has(rows, description="Arrested in Ukraine on the strength of Azerbaijan…")  # another case


# ---- sources --------------------------------------------------------------------------------------------
def test_sources_by_outlet(ask):
    rows = ask("sources-by-outlet")
    rfe = [r for r in rows if r["outlet"] == "Radio Free Europe"]
    assert has(
        rfe,
        source="Ukraine Detains Kazakh Blogger…",
        issued="2017-10-23",
        about="akhmetova-zhanara",
        claim="interpol notice issued",
    )
    assert has(rfe, claim="flight", date="2017-03")
    assert all(r["url"].startswith("https://www.rferl.org/") for r in rfe)
    assert has(rows, outlet="Ferghana news", claim="hunger strike")
    assert has(rows, outlet="openDemocracy", claim="interpol notice removed")
    assert has(
        rows, outlet="European Parliament", about="kz-democratic-choice"
    )  # a publisher, an organisation's event
    statement = [r for r in rows if r["source"].startswith(STATEMENT)]
    assert {"huseynov-fikrat", "okhunzhonov-narzullo", "akhmetova-zhanara"} <= {r["about"] for r in statement}
    only = ask("sources-by-outlet", outlet="Ferghana news")
    assert only and {r["outlet"] for r in only} == {"Ferghana news"}


# ---- host states, deciding bodies, removals --------------------------------------------------------------
def test_cases_by_host_state(ask):
    rows = ask("cases-by-host-state")
    ua = [r for r in rows if r["host_state"] == "Ukraine"]
    assert {r["case"] for r in ua} >= {
        CASE + c
        for c in (
            "akhmetova-zhanara",
            "huseynov-fikrat",
            "okhunzhonov-narzullo",
            "aliyev-alovsat",
            "babayeva-aminat",
            "frantskevich-alexander",
            "yegorov-vladimir",
        )
    }  # the statement's people, all in Ukraine
    assert has(
        ua,
        case=CASE + "akhmetova-zhanara",
        through="residence (asylum)",
        first="2017-03",
        state_of_concern="Kazakhstan",
    )
    assert has(ua, case=CASE + "huseynov-fikrat", through="events", state_of_concern="Azerbaijan")
    # first and last are the dates recorded there, even when some of the case's events there are undated:
    # from her flight to Ukraine (March 2017) to the appeal hearing set for 14 January 2020
    assert has(ua, case=CASE + "akhmetova-zhanara", through="events", first="2017-03", last="2020-01-14")
    only = ask("cases-by-host-state", host="UA")
    assert only and {r["host_state"] for r in only} == {"Ukraine"}
    assert not ask("cases-by-host-state", host="SE")


def test_timeline_names_the_deciding_body(ask):
    rows = ask("case-timeline", case="akhmetova-zhanara")
    assert has(rows, date="2018-07-31", event="court decision", body="Kyiv Court of Appeal")
    assert has(rows, date="2018-09-17", event="court decision", body="Supreme Court of Ukraine")
    assert has(rows, date="2018-12-22", event="migration decision", body="State Migration Service of Ukraine")
    # the profile does not name the court that ordered 18 days of arrest: no body is made up
    unnamed = [r for r in rows if r["event"] == "court decision" and "18 days" in (r["description"] or "")]
    assert unnamed and not any(r["body"] for r in unnamed)


def test_removals_with_their_destination(ask):
    rows = ask("removals")
    assert has(
        rows,
        case=CASE + "babayeva-aminat",
        event="rendition",
        host_state="Ukraine",
        destination="Russia",
        source=STATEMENT + "…",
        locator="pp. 2-3, paragraph 14",
    )
    assert has(rows, case=CASE + "yegorov-vladimir", destination="Russia")
    assert has(
        rows, case=CASE + "frantskevich-alexander", destination="Belarus", outcome="expelled to Belarus"
    )
    assert CASE + "akhmetova-zhanara" not in {r["case"] for r in rows}  # requested, never removed
    belarus = ask("removals", destination_state="BY")
    assert {r["case"] for r in belarus} == {CASE + "frantskevich-alexander"}
    assert {r["case"] for r in ask("removals", destination_state="RU", host="UA")} == {
        CASE + "babayeva-aminat",
        CASE + "yegorov-vladimir",
    }
    assert not ask("removals", host="KZ")
