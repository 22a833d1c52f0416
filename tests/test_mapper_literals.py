"""Literals that say what they are: language tags only where the text is in that language, EDTF dates typed
with typed bounds, access dates as days when complete, publishers as nodes with a name."""

from __future__ import annotations

from datetime import date

import pytest
import rdflib
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from conftest import RECORDS
from exilegraph.check import load_record
from exilegraph.literals import parse_day, script, text_language
from exilegraph.mapper import EDTF, Mapper

EG = rdflib.Namespace("https://w3id.org/exilegraph/vocab/")
SDO = rdflib.Namespace("http://schema.org/")


@pytest.fixture(scope="module")
def akhmetova() -> rdflib.Graph:
    lines = Mapper().map(load_record(RECORDS / "akhmetova-zhanara.yaml")).lines
    return rdflib.Graph().parse(data="\n".join(lines), format="nt")


def source(g: rdflib.Graph, title_start: str) -> rdflib.term.Node:
    found = [s for s, o in g.subject_objects(DCTERMS.title) if str(o).startswith(title_start)]
    assert len(found) == 1, title_start
    return found[0]


# ---- language tags ---------------------------------------------------------------------------------------
def test_a_title_keeps_the_documents_language_only_in_its_script(akhmetova):
    g = akhmetova
    odf = source(g, "List of Kazakhstani political prisoners")
    assert str(g.value(odf, DCTERMS.language)) == "ru"  # the document is in Russian
    assert g.value(odf, DCTERMS.title).language == "en"  # its title, as recorded, is an English rendering
    register = source(g, "Unified State Register of Court Decisions of Ukraine, decision 75728895")
    assert g.value(register, DCTERMS.title).language == "en"
    kanal = source(g, "Україна прихистила")
    assert g.value(kanal, DCTERMS.title).language == "uk"
    tags = {o.language for o in g.objects(None, DCTERMS.title)}
    assert tags == {"en", "uk"}


def test_text_language_and_script():
    assert script("Україна прихистила казахську журналістку") == "CYRILLIC"
    assert script("Ukraine/Україна: Kazakh journalist detained following Interpol warrant") == "LATIN"
    assert script("2017 — 18") is None
    assert text_language("List of political prisoners", "ru", "en") == "en"
    assert text_language("Список политзаключённых", "ru", "en") == "ru"
    assert text_language("Anything", "xx", "en") == "xx"  # a language whose script is not known is trusted
    assert text_language("Anything", None, "en") == "en"


# ---- dates -----------------------------------------------------------------------------------------------
def test_edtf_values_are_typed_and_ranges_have_typed_bounds(akhmetova):
    g = akhmetova
    dates = list(g.objects(None, EG.date))
    assert dates and all(d.datatype == rdflib.URIRef(EDTF) for d in dates)
    statement = source(g, "Ukraine's Migration Service turns a blind eye")
    issued = g.value(statement, DCTERMS.issued)
    assert str(issued) == "2019-09-19/2020-01-14" and issued.datatype == rdflib.URIRef(EDTF)
    assert g.value(statement, EG.earliest) == rdflib.Literal("2019-09-19", datatype=XSD.date)
    assert g.value(statement, EG.latest) == rdflib.Literal("2020-01-14", datatype=XSD.date)
    untyped = [
        o
        for p in (EG.date, DCTERMS.issued, SDO.startDate, SDO.endDate, EG.most_serious_incident_date)
        for o in g.objects(None, p)
        if o.datatype is None
    ]
    assert not untyped


def test_access_dates_are_days_when_complete(akhmetova):
    g = akhmetova
    mmf = source(g, "Ukraine/Україна: Kazakh journalist detained")
    assert g.value(mmf, EG.accessed_on) == rdflib.Literal("2018-05-23", datatype=XSD.date)
    kanal = source(g, "Україна прихистила")
    assert g.value(kanal, EG.accessed_on) == rdflib.Literal("2019-02-03", datatype=XSD.date)
    rferl = source(g, "Ukraine Detains Kazakh Blogger")
    assert str(g.value(rferl, EG.accessed_date)) == "23 May, 201"  # cut short in the profile: kept as given
    assert g.value(rferl, EG.accessed_on) is None  # and never completed by a guess


@pytest.mark.parametrize(
    "text, day",
    [
        ("23 May, 2018", date(2018, 5, 23)),
        ("3 Feb. 2019", date(2019, 2, 3)),
        ("2018-05-23", date(2018, 5, 23)),
        ("May 23, 2018", date(2018, 5, 23)),
        ("Sept. 3, 2019", date(2019, 9, 3)),
        ("23 May, 201", None),
        ("31 Feb 2019", None),
        ("May 2018", None),
        ("12 Mayo 2019", None),
        ("", None),
    ],
)
def test_parse_day(text, day):
    assert parse_day(text) == day


# ---- publishers ------------------------------------------------------------------------------------------
def test_publishers_are_named_agents_shared_by_their_sources(akhmetova):
    g = akhmetova
    ep = g.value(source(g, "European Parliament resolution"), DCTERMS.publisher)
    assert isinstance(ep, rdflib.URIRef)
    assert (ep, RDF.type, FOAF.Agent) in g and str(g.value(ep, SDO.name)) == "European Parliament"
    one = g.value(
        source(g, "Unified State Register of Court Decisions of Ukraine, decision 75728895"),
        DCTERMS.publisher,
    )
    other = g.value(
        source(g, "Unified State Register of Court Decisions of Ukraine, decision 76519299"),
        DCTERMS.publisher,
    )
    assert one == other
    assert str(g.value(one, SDO.name)) == "Unified State Register of Court Decisions of Ukraine"
    assert not [o for o in g.objects(None, DCTERMS.publisher) if isinstance(o, rdflib.Literal)]
