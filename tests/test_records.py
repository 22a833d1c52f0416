"""The first release's case records (records/*.yaml).

They must load without errors, every claim must cite a source of its own record with a locator, the
facts of the two source documents must be present in the typed records and no claim may go beyond
them (an order to grant refugee status is not a grant, a term the court set is not a duration
served, a date keeps the precision its source gives), disagreements between the documents that
cannot both be right must be kept and linked as conflicts, and restricted details (the exile's
child) must stay in restricted slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import pytest
from pydantic import BaseModel

from conftest import RECORDS
from exilegraph.check import iter_records, type_record
from exilegraph.findings import ERROR
from exilegraph.model import (
    Affiliation,
    Association,
    Event,
    ExileCase,
    NameVariant,
    Residence,
    Statement,
)
from exilegraph.readers import find_record_files, read_file
from exilegraph.records import Record
from exilegraph.resources import schema_index

CITED = (Event, NameVariant, Affiliation, Residence, Association, Statement)
MAIN = "akhmetova-zhanara"


# ---- walking the typed models ---------------------------------------------------------------


def walk(obj, path=()):
    """Every pydantic model inside `obj`, depth first, with its field path."""
    if isinstance(obj, BaseModel):
        yield path, obj
        for name in type(obj).model_fields:
            yield from walk(getattr(obj, name), path + (name,))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from walk(item, path + (i,))


def strings(model: BaseModel):
    """(class name, slot, text) for every text value held directly by a model."""
    cname = type(model).__name__
    for name in type(model).model_fields:
        value = getattr(model, name)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, (str, int)) and not isinstance(v, bool):
                yield cname, name, str(v)


@dataclass
class Index:
    records: dict[str, Record]
    events: list[tuple[str, Event]] = field(
        default_factory=list
    )  # (record id, event), case and organisation events
    orgs: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)  # record id -> {key: Source}

    def case(self, rid: str) -> ExileCase:
        return self.records[rid].model.case

    def evs(self, rid: str, event_type: str, date: str | None = None) -> list[Event]:
        return [
            e
            for r, e in self.events
            if r == rid and e.event_type == event_type and (date is None or e.event_date == date)
        ]

    def one(self, rid: str, event_type: str, date: str | None = None) -> Event:
        found = self.evs(rid, event_type, date)
        assert len(found) == 1, f"expected one {event_type} event dated {date} in {rid}, found {len(found)}"
        return found[0]

    def cited_urls(self, rid: str, claim) -> set[str]:
        return {
            self.sources[rid][c.source].url for c in claim.citations or [] if self.sources[rid][c.source].url
        }

    def instances(self, event: Event) -> set[str]:
        return {self.orgs[a].court_instance for a in event.actors or [] if a in self.orgs}

    def all_urls(self) -> set[str]:
        return {s.url for srcs in self.sources.values() for s in srcs.values() if s.url}


@cache
def index() -> Index:
    records = {r.id: r for r in iter_records([RECORDS])}
    ix = Index(records)
    for rid, rec in records.items():
        m = rec.model
        ix.sources[rid] = {s.key: s for s in m.sources or []}
        for p in m.persons or []:
            ix.persons[p.id] = p
        for o in m.organisations or []:
            ix.orgs[o.id] = o
            ix.events.extend((rid, e) for e in o.events or [])
        if m.case is not None:
            ix.events.extend((rid, e) for e in m.case.events or [])
    return ix


@pytest.fixture
def ix() -> Index:
    return index()


# ---- loading and references -----------------------------------------------------------------


def test_every_record_file_loads_without_errors():
    paths = find_record_files([RECORDS])
    names = {p.stem for p in paths}
    assert {
        MAIN,
        "organisations",
        "huseynov-fikrat",
        "okhunzhonov-narzullo",
        "aliyev-alovsat",
        "babayeva-aminat",
        "yegorov-vladimir",
        "frantskevich-alexander",
    } <= names
    for p in paths:
        record, findings = type_record(read_file(p))
        errors = [f.text() for f in findings if f.severity == ERROR]
        assert record is not None and not errors, errors
    assert len(list(iter_records([RECORDS]))) == len(paths)


def test_every_claim_cites_a_source_of_its_own_record(ix):
    checked = 0
    for rid, rec in ix.records.items():
        keys = set(ix.sources[rid])
        for path, obj in walk(rec.model):
            if isinstance(obj, CITED):
                where = f"{rec.path}: {'.'.join(map(str, path))}"
                assert obj.citations, f"{where} has no citation"
                assert all(c.source in keys for c in obj.citations), (
                    f"{where} cites a source not in the record"
                )
                checked += 1
    assert checked > 60  # the main case alone holds some 50 claims


def test_ids_are_defined_once_and_references_resolve(ix):
    seen: dict[str, str] = {}
    for rid, rec in ix.records.items():
        for kind, items in (
            ("person", rec.model.persons or []),
            ("organisation", rec.model.organisations or []),
        ):
            for item in items:
                assert (kind, item.id) not in seen, (
                    f"{kind} `{item.id}` defined in {seen.get((kind, item.id))} and {rid}"
                )
                seen[(kind, item.id)] = rid
    for rid, rec in ix.records.items():
        case = rec.model.case
        if case is not None:
            assert case.subject in {p.id for p in rec.model.persons or []}, (
                f"{rid}: subject not among its persons"
            )
            assert rec.path.endswith(f"{case.id}.yaml")
        for _, obj in walk(rec.model):
            if isinstance(obj, Event):
                assert set(obj.actors or []) <= set(ix.orgs), f"{rid}: unknown actor in {obj.key}"
                assert set(obj.involved_persons or []) <= set(ix.persons)
            if isinstance(obj, Affiliation):
                assert obj.organisation in ix.orgs, f"{rid}: unknown organisation {obj.organisation}"
            if isinstance(obj, Association):
                assert obj.person in ix.persons, f"{rid}: unknown person {obj.person}"


def test_every_citation_says_where_and_how_it_supports(ix):
    for rec in ix.records.values():
        for path, obj in walk(rec.model):
            if type(obj).__name__ == "Citation":
                where = f"{rec.path}: {'.'.join(map(str, path))}"
                assert obj.locator and obj.locator.strip(), f"{where} has no locator"
                assert obj.support in (None, "text", "title"), where


CASE_FIELDS = ("state_of_concern", "categories", "stages", "most_serious_incident_date")


def test_every_case_field_says_whether_a_source_reports_it(ix):
    for rid, rec in ix.records.items():
        case = rec.model.case
        if case is None:
            continue
        subject = ix.persons[case.subject]
        wanted = {f for f in CASE_FIELDS if getattr(case, f) not in (None, [])} | (
            {"gender"} if subject.gender else set()
        )
        by_field = {a.field: a for a in case.attributions or []}
        assert set(by_field) == wanted, (rid, sorted(wanted ^ set(by_field)))
        assert len(by_field) == len(case.attributions or []), f"{rid}: a field attributed twice"
        for a in by_field.values():
            if (a.basis or "reported") == "assessed":
                assert a.assessment_note, (rid, a.field)
            else:
                assert a.citations and all(c.locator for c in a.citations), (rid, a.field)


# ---- the facts of the two documents -----------------------------------------------------------


def _names(ix):
    return {n.name: n for n in ix.persons[MAIN].alternative_names or []}


def _source(ix, url_part: str, rid: str = MAIN):
    found = [s for s in ix.sources[rid].values() if s.url and url_part in s.url]
    assert len(found) == 1, f"no single source with {url_part!r} in {rid}"
    return found[0]


def _arrest(ix):
    e = ix.one(MAIN, "arrest", "2017-10-21")
    return e.place == "Kyiv" and e.host_state == "UA" and e.requesting_state == "KZ"


def _detention(ix):
    e = ix.one(MAIN, "detention")
    # the profile says where she was held, not from when or for how long
    return (
        "Vyshhorod" in e.place
        and "Kyiv region" in e.place
        and "temporary detention" in e.facility
        and e.duration_days is None
        and e.event_date is None
    )


def _court_18_days(ix):
    # the lawyer's 18 days are the term the court set, recorded as the decision's outcome, not a duration
    found = [e for e in ix.evs(MAIN, "court_decision") if "18 days" in (e.outcome or "")]
    return (
        len(found) == 1 and found[0].event_date is None and all(e.duration_days is None for _, e in ix.events)
    )


def _interpol(ix):
    e = ix.one(MAIN, "interpol_notice_issued")
    return (
        e.criminal_code_article == "177"
        and e.requesting_state == "KZ"
        and "interpol" in e.actors
        and "fraud" in e.charge
    )


def _conviction(ix):
    e = ix.one(MAIN, "conviction", "2009")
    return e.country == "KZ" and "seven" in e.sentence and "fraud" in e.charge


def _postponement(ix):
    # the deferral's end is tied to the child's age in the statement: it stays in the restricted note
    e = ix.one(MAIN, "sentence_postponement")
    return (
        {c.source for c in e.citations} == {"hrd-statement"}
        and "deferred" in e.sentence
        and "2021" not in " ".join(t for _, _, t in strings(e))
        and "2021" in ix.persons[MAIN].relatives[0].relative_note
    )


def _fines(ix):
    e = ix.one(MAIN, "administrative_penalty", "2017")
    return "three" in e.sentence and "Facebook" in e.charge


def _cancelled(ix):
    # the statement gives no date for the cancellation, only that it followed the fines of early 2017
    e = ix.one(MAIN, "sentence_postponement_cancelled")
    return e.country == "KZ" and e.event_date is None


def _almaty(ix):
    e = ix.one(MAIN, "intimidation")
    return e.place == "Almaty" and "jaywalking" in e.description


def _self_immolation(ix):
    # a warning from informants, not a public accusation or a charge
    said = [s for s in ix.case(MAIN).statements if "self-immolation" in s.text]
    return (
        len(said) == 1
        and {c.source for c in said[0].citations} == {"profile", "rferl-2017"}
        and not ix.evs(MAIN, "accusation")
    )


def _extremist_charge(ix):
    # the statement infers the new charge from indictments; no source reports the charge itself
    said = [s for s in ix.case(MAIN).statements if "extremist organisation" in s.text and "infers" in s.text]
    return len(said) == 1 and not ix.evs(MAIN, "criminal_charge")


def _flight(ix):
    e = ix.one(MAIN, "flight", "2017-03")
    return e.host_state == "UA" and e.country == "KZ"


def _wanted(ix):
    e = ix.one(MAIN, "wanted_list_entry")
    return e.requesting_state == "KZ" and e.event_date is None  # the statement gives no date


def _extradition_request(ix):
    e = ix.one(MAIN, "extradition_request")
    return e.requesting_state == "KZ" and e.host_state == "UA"


def _hunger_strike(ix):
    e = ix.one(MAIN, "hunger_strike")
    titles = {ix.sources[MAIN][c.source].title for c in e.citations}
    return "Arrested in Ukraine Kazakh journalist on hunger strike" in titles


def _asylum_application(ix):
    e = ix.one(MAIN, "asylum_application")
    return e.host_state == "UA" and "ua-state-migration-service" in e.actors and e.event_date is None


def _refusal(date):
    def check(ix):
        e = ix.one(MAIN, "migration_decision", date)
        return ix.orgs[e.actors[0]].organisation_type == "migration_authority" and "refused" in e.outcome

    return check


def _court(date, instance, word):
    def check(ix):
        e = ix.one(MAIN, "court_decision", date)
        return ix.instances(e) == {instance} and word in e.outcome

    return check


def _court_register(date, number):
    def check(ix):
        return any(
            u.endswith(f"/Review/{number}") for u in ix.cited_urls(MAIN, ix.one(MAIN, "court_decision", date))
        )

    return check


def _hearing(ix):
    return ix.one(MAIN, "court_hearing_scheduled", "2020-01-14").host_state == "UA"


def _no_refugee_status_granted(ix):
    # the profile reports an order to grant status; no source reports a grant, and a court grants none
    order = ix.one(MAIN, "court_decision", "2018-09-29")
    return (
        not ix.evs(MAIN, "refugee_status_granted")
        and "ordered to grant" in order.outcome
        and any("24tv.ua" in u for u in ix.cited_urls(MAIN, order))
    )


def _notice_removed(ix):
    e = ix.one(MAIN, "interpol_notice_removed")
    return any("opendemocracy.net" in u for u in ix.cited_urls(MAIN, e))


def _release(ix):
    return ix.one(MAIN, "release").host_state == "UA"


def _dck_banned(ix):
    dck = ix.orgs["kz-democratic-choice"]
    e = [x for x in dck.events if x.event_type == "organisation_status_change"]
    return (
        dck.organisation_type == "opposition_movement"
        and dck.country == "KZ"
        and len(e) == 1
        and e[0].event_date == "2018-03"
        and "extremist" in e[0].outcome
    )


def _ep_resolution(ix):
    e = ix.one(MAIN, "resolution", "2019-03-14")
    return (
        "european-parliament" in e.actors
        and "https://www.europarl.europa.eu/doceo/document/TA-8-2019-0203_EN.html" in ix.cited_urls(MAIN, e)
    )


def _six_thousand(ix):
    for s in ix.case(MAIN).statements:
        if "6000" in s.text and any("odfoundation.eu" in u for u in ix.cited_urls(MAIN, s)):
            return True
    return False


def _minsk(ix):
    return any("Minsk Convention" in s.text for s in ix.case(MAIN).statements)


# footnote 3 of the statement, by surname
DCK_DEFENDANTS = [
    "Aset Abishev",
    "Kenzhbek Abishev",
    "Ablovas Dzhumayev",
    "Yerkin Kaziyev",
    "Aset Nurzhaubay",
    "Almat Zhumagulov",
]


def _dck_defendants(ix):
    associates = {a.person: a for a in ix.case(MAIN).associates}
    by_name = {ix.persons[pid].preferred_name: a for pid, a in associates.items()}
    # the statement names them as defendants in the DCK case, never her
    return all(
        n in by_name and "defendant" in by_name[n].relation and "co-defendant" not in by_name[n].relation
        for n in DCK_DEFENDANTS
    )


def _torture(ix):
    return any(
        "tortured" in s.text and any("fn. 3" in (c.locator or "") for c in s.citations)
        for s in ix.case(MAIN).statements
    )


def _name_variants(ix):
    names = _names(ix)
    wanted = {
        "Zhanara Akhmetova": "hrd-statement",
        "Zhanara Akhmet": "profile",
        "Zhanar Akhmet": "profile",
        "Ahmet": "profile",
        "Akhmet, Zhanara": "profile",
    }
    return all(n in names and {c.source for c in names[n].citations} == {src} for n, src in wanted.items())


def _affiliations(ix):
    aff = {a.organisation: a for a in ix.persons[MAIN].affiliations}
    return (
        ix.orgs["kz-tribune-newspaper"].organisation_type == "newspaper"
        and "kz-tribune-newspaper" in aff
        and "leader" in aff["kz-democratic-choice"].role
    )


def _residence(ix):
    (r,) = ix.case(MAIN).residences
    return r.country == "UA" and r.residence_role == "asylum" and r.start_date == "2017-03"


def _case_fields(ix):
    c = ix.case(MAIN)
    basis = {a.field: a.basis or "reported" for a in c.attributions}
    # the profile states the stages and the date; its gender, state and category fields are empty
    return (
        c.state_of_concern == "KZ"
        and c.stages == [1, 2]
        and c.most_serious_incident_date == "2017"
        and set(c.categories) == {"opposition_member", "civil_society"}
        and c.legal_status_note
        and basis
        == {
            "state_of_concern": "assessed",
            "categories": "assessed",
            "gender": "assessed",
            "stages": "reported",
            "most_serious_incident_date": "reported",
        }
    )


def _hunger_strike_by_title(ix):
    e = ix.one(MAIN, "hunger_strike")
    return e.event_date is None and all(c.support == "title" for c in e.citations)


def _typings_marked_assessed(ix):
    # the sources report the hearings and the prosecutions; their types are the curators' reading
    return all(
        e.basis == "assessed" and e.assessment_note
        for e in ix.evs(MAIN, "intimidation") + ix.evs(MAIN, "action_against_associates")
    )


def _summary_attributes_the_2009_sentence(ix):
    s = " ".join(ix.case(MAIN).summary.split())
    return "the statement says its execution was deferred" in s and "the profile says" in s


def _rferl(ix):
    s = _source(ix, "rferl.org")
    return (
        s.title == "Ukraine Detains Kazakh Blogger At Kazakhstan's Request"
        and s.publication_date == "2017-10-23"
        and s.accessed_date == "23 May, 201"
        and "cut short" in s.note
    )


def _hromadske(ix):
    s = _source(ix, "hromadske.ua")
    return "utm_source=Communications" in s.url and s.url.endswith("mc_eid=b617d18727") and s.note


def _mmf(ix):
    s = _source(ix, "mappingmediafreedom.org")
    return (
        s.url == "https://mappingmediafreedom.org/#/4744"
        and s.publication_date == "2017-10-21"
        and s.accessed_date == "23 May, 2018"
        and s.title.startswith("Ukraine/Україна")
    )


def _ferghana(ix):
    s = _source(ix, "fergananews.com")
    return s.publication_date == "2017-10-25" and s.outlet == "Ferghana news"


def _24kanal(ix):
    s = _source(ix, "24tv.ua")
    return (
        s.language == "uk" and s.title.startswith("Україна прихистила") and s.accessed_date == "3 Feb. 2019"
    )


def _opendemocracy(ix):
    s = _source(ix, "opendemocracy.net")
    return (
        s.year == 2018
        and s.authors == ["Grigoryeva, T.", "Djalilov, I."]
        and s.title.startswith("For Eurasia")
    )


def _statement_and_profile(ix):
    types = {s.source_type: s for s in ix.sources[MAIN].values()}
    return (
        types["statement"].title.startswith("Ukraine's Migration Service turns a blind eye")
        and types["statement"].url is None
        and types["database_entry"].title == "Akhmet, Zhanara"
    )


def _other_exile(cid, name, state, event_type, date=None):
    def check(ix):
        case = ix.case(cid)
        person = ix.persons[case.subject]
        events = ix.evs(cid, event_type, date)
        return (
            person.preferred_name == name
            and case.state_of_concern == state
            and len(events) == 1
            and events[0].host_state == "UA"
            and (event_type != "arrest" or events[0].requesting_state == state)
            and all(c.source == "hrd-statement" and c.locator for c in events[0].citations)
        )

    return check


def _aliyev_refugee(ix):
    return (
        ix.case("aliyev-alovsat").legal_status == "refugee"
        and len(ix.evs("aliyev-alovsat", "refugee_status_granted")) == 1
    )


FACTS = {
    "arrest in Kyiv on 2017-10-21 at Kazakhstan's request": _arrest,
    "held in the temporary detention facility of Vyshhorod, Kyiv region, for no stated time": _detention,
    "court set a term of 18 days of arrest": _court_18_days,
    "Interpol notice under Article 177, requested by KZ": _interpol,
    "2009 fraud conviction, seven years": _conviction,
    "sentence postponed (its end only in the restricted note)": _postponement,
    "three administrative fines in 2017 for Facebook posts": _fines,
    "postponement cancelled, undated": _cancelled,
    "court hearings in Almaty incl. jaywalking": _almaty,
    "warning of possible charges of an illegal group promoting self-immolation": _self_immolation,
    "the statement infers a new charge of leading an extremist organisation": _extremist_charge,
    "flight to Ukraine in March 2017": _flight,
    "wanted list entry by Kazakhstan": _wanted,
    "extradition request of Kazakhstan to Ukraine": _extradition_request,
    "hunger strike cited to the Ferghana article": _hunger_strike,
    "hunger strike supported only by titles": _hunger_strike_by_title,
    "summary gives both sides of the 2009 sentence": _summary_attributes_the_2009_sentence,
    "intimidation and action-against-associates typings marked assessed": _typings_marked_assessed,
    "asylum application in 2017": _asylum_application,
    "migration service refusal of 2017-10-18": _refusal("2017-10-18"),
    "migration service refusal of 2018-12-22": _refusal("2018-12-22"),
    "first instance dismissed on 2018-03-27": _court("2018-03-27", "first_instance", "dismissed"),
    "appeal court ordered reconsideration on 2018-07-31": _court("2018-07-31", "appeal", "reconsider"),
    "appeal decision cited to register entry 75728895": _court_register("2018-07-31", "75728895"),
    "Supreme Court ordered reconsideration on 2018-09-17": _court("2018-09-17", "cassation", "reconsider"),
    "Supreme Court decision cited to register entry 76519299": _court_register("2018-09-17", "76519299"),
    "Supreme Court ordered refugee status on 2018-09-29": _court("2018-09-29", "cassation", "refugee status"),
    "first instance dismissed on 2019-09-19": _court("2019-09-19", "first_instance", "dismissed"),
    "appeal hearing set for 2020-01-14": _hearing,
    "no refugee status granted; the 2018-09-29 order per 24Kanal": _no_refugee_status_granted,
    "Interpol notice removed per openDemocracy": _notice_removed,
    "released from detention": _release,
    "DCK declared extremist in March 2018": _dck_banned,
    "European Parliament resolution of 2019-03-14": _ep_resolution,
    "more than 6000 detained, cited to the Open Dialog list": _six_thousand,
    "Ukraine's Minsk Convention membership": _minsk,
    "six DCK defendants as associates named as defendants": _dck_defendants,
    "torture of DCK defendants (fn. 3)": _torture,
    "five name variants, each cited to the document using it": _name_variants,
    "Tribune and DCK affiliations": _affiliations,
    "asylum residence in Ukraine from March 2017": _residence,
    "case fields": _case_fields,
    "RFE/RL source with its truncated access date": _rferl,
    "Hromadske URL kept with tracking parameters": _hromadske,
    "Mapping Media Freedom source": _mmf,
    "Ferghana news source": _ferghana,
    "24Kanal source in Ukrainian": _24kanal,
    "Grigoryeva and Djalilov source": _opendemocracy,
    "statement and profile as sources": _statement_and_profile,
    "Fikrat Huseynov arrested in Ukraine in 2017 at Azerbaijan's request": _other_exile(
        "huseynov-fikrat", "Fikrat Huseynov", "AZ", "arrest", "2017"
    ),
    "Narzullo Okhunzhonov arrested in Ukraine in 2017 at Uzbekistan's request": _other_exile(
        "okhunzhonov-narzullo", "Narzullo Okhunzhonov", "UZ", "arrest", "2017"
    ),
    "Alovsat Aliyev nearly extradited to Azerbaijan": _other_exile(
        "aliyev-alovsat", "Alovsat Aliyev", "AZ", "extradition_request"
    ),
    "Alovsat Aliyev had refugee status": _aliyev_refugee,
    "Aminat Babayeva expelled to Russia": _other_exile(
        "babayeva-aminat", "Aminat Babayeva", "RU", "rendition"
    ),
    "Vladimir Yegorov expelled to Russia": _other_exile(
        "yegorov-vladimir", "Vladimir Yegorov", "RU", "rendition"
    ),
    "Alexander Frantskevich expelled to Belarus": _other_exile(
        "frantskevich-alexander", "Alexander Frantskevich", "BY", "rendition"
    ),
}


@pytest.mark.parametrize("fact", sorted(FACTS))
def test_fact_is_in_the_records(ix, fact):
    assert FACTS[fact](ix), fact


# ---- conflicts ----------------------------------------------------------------------------------


def _claims_by_key(case: ExileCase, rec: Record) -> dict:
    return {obj.key: obj for _, obj in walk(rec.model) if isinstance(obj, CITED) and obj.key}


def _conflict_linking(case: ExileCase, *keys: str):
    found = [c for c in case.conflicts or [] if set(keys) <= set(c.claims)]
    assert len(found) == 1, f"expected one conflict linking {keys}, found {len(found)}"
    assert found[0].note
    return found[0]


def _citation_set(claim) -> set:
    return {(c.source, c.locator) for c in claim.citations}


def test_supreme_court_claims_conflict(ix):
    rec, case = ix.records[MAIN], ix.case(MAIN)
    sept17 = ix.one(MAIN, "court_decision", "2018-09-17")
    sept29 = ix.one(MAIN, "court_decision", "2018-09-29")
    assert ix.instances(sept17) == ix.instances(sept29) == {"cassation"}
    assert _citation_set(sept17).isdisjoint(_citation_set(sept29))
    assert {c.source for c in sept17.citations} == {"hrd-statement", "court-register-76519299"}
    assert {c.source for c in sept29.citations} == {"profile", "24kanal-2018"}
    _conflict_linking(case, sept17.key, sept29.key)
    assert set(_claims_by_key(case, rec)) >= {sept17.key, sept29.key}


def test_2009_sentence_claims_conflict(ix):
    rec, case = ix.records[MAIN], ix.case(MAIN)
    postponed = ix.one(MAIN, "sentence_postponement")
    claims = _claims_by_key(case, rec)
    served = [c for c in claims.values() if isinstance(c, Statement) and "probation" in c.text]
    assert len(served) == 1
    assert {c.source for c in served[0].citations} >= {"profile", "ferghana-2017"}
    assert _citation_set(postponed).isdisjoint(_citation_set(served[0]))
    _conflict_linking(case, postponed.key, served[0].key)


def test_every_conflict_links_claims_of_its_record(ix):
    for rid, rec in ix.records.items():
        case = rec.model.case
        if case is None:
            continue
        keys = _claims_by_key(case, rec)
        for conflict in case.conflicts or []:
            assert len(conflict.claims) >= 2 and set(conflict.claims) <= set(keys), (rid, conflict.key)
    # the warrant's basis (fraud in both documents) and the notice's removal beside a live extradition
    # request (which can coexist) are not conflicts
    assert {c.key for c in ix.case(MAIN).conflicts} == {
        "conflict-supreme-court-decision",
        "conflict-2009-sentence",
    }
    interpol, wanted = ix.one(MAIN, "interpol_notice_issued"), ix.one(MAIN, "wanted_list_entry")
    assert "fraud" in interpol.charge and "fraud" in wanted.charge
    for conflict in ix.case(MAIN).conflicts:
        assert ix.one(MAIN, "interpol_notice_removed").key not in conflict.claims


# ---- restricted data --------------------------------------------------------------------------------

CHILD_AGE = re.compile(
    r"\b(9|nine|14|fourteen)[- ]years?[- ]old\b|\baged? (of )?(9|nine|14|fourteen)\b"
    r"|\b(turns?|turning|reaches|reached) (9|nine|14|fourteen)\b|\bfourteenth\b",
    re.I,
)


def restricted_leaks(models) -> list[str]:
    """Public slots holding a restricted value or a statement of the child's age."""
    classes = schema_index()["classes"]
    restricted_values: set[str] = set()
    public: list[tuple[str, str, str]] = []
    for model in models:
        for _, obj in walk(model):
            for cname, slot, text in strings(obj):
                if classes[cname]["slots"][slot]["restricted"]:
                    restricted_values.add(text)
                else:
                    public.append((cname, slot, text))
    leaks = []
    for cname, slot, text in public:
        if CHILD_AGE.search(text) or any(v in text for v in restricted_values if len(v) >= 4):
            leaks.append(f"{cname}.{slot}: {text[:80]}")
    return leaks


def test_child_details_only_in_restricted_slots(ix):
    models = [rec.model for rec in ix.records.values()]
    (son,) = ix.persons[MAIN].relatives
    assert son.relation == "son" and son.minor is True
    assert son.birth_year and son.relative_note and CHILD_AGE.search(son.relative_note)
    assert restricted_leaks(models) == []


RELATIVE_WORDS = re.compile(
    r"\b(son|sons|daughters?|child|children|minor|kids?|boy|girl|nephew|niece)\b", re.IGNORECASE
)


def test_no_public_text_speaks_of_a_relative(ix):
    """Public text names no relative: whereabouts and age follow from a mention (she fled with her son)."""
    classes = schema_index()["classes"]
    found = []
    for rec in ix.records.values():
        for _, obj in walk(rec.model):
            for cname, slot, text in strings(obj):
                if (
                    not classes[cname]["slots"][slot]["restricted"]
                    and slot != "relation"
                    and RELATIVE_WORDS.search(text)
                ):
                    found.append(f"{rec.path}: {cname}.{slot}: {text[:80]}")
    assert found == []


def test_minor_and_every_relative_detail_are_restricted():
    slots = schema_index()["classes"]["Relative"]["slots"]
    assert {n for n, s in slots.items() if s["restricted"]} == set(slots) - {"relation"}


def test_restricted_check_catches_a_leak(ix):
    leaked = ix.records[MAIN].model.model_copy(deep=True)
    leaked.case.events[0].description = "She fled with her 9-year-old son."
    assert any("Event.description" in x for x in restricted_leaks([leaked]))
    leaked = ix.records[MAIN].model.model_copy(deep=True)
    leaked.case.summary = f"Her son was born in {ix.persons[MAIN].relatives[0].birth_year}."
    assert any("ExileCase.summary" in x for x in restricted_leaks([leaked]))


# ---- the seeds ------------------------------------------------------------------------------------------

URL = re.compile(r"https?://[^\s\[\]]+")


def test_every_url_of_the_seeds_is_a_source_url(seeds_dir, ix):
    seed_urls = set()
    for seed in sorted(seeds_dir.glob("*.txt")):
        seed_urls |= set(URL.findall(seed.read_text(encoding="utf-8")))
    assert len(seed_urls) >= 10
    missing = seed_urls - ix.all_urls()
    assert not missing, f"seed URLs without a source in records/: {sorted(missing)}"


def test_the_main_case_holds_the_names_of_both_seeds(seed_profile, seed_statement, ix):
    profile, statement = (p.read_text(encoding="utf-8") for p in (seed_profile, seed_statement))
    assert profile.splitlines()[0].strip() in _names(ix)
    for name in DCK_DEFENDANTS:
        assert name in statement
    assert ix.sources[MAIN]["hrd-statement"].title in " ".join(statement.split())
