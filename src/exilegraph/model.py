"""Generated from schema/exilegraph.yaml by `exilegraph generate`. Do not edit by hand: change the schema and regenerate; tests/test_generated.py fails when this drifts.
"""
from __future__ import annotations

import re
import sys
from datetime import (
    date,
    datetime,
    time
)
from decimal import Decimal
from enum import Enum
from typing import (
    Any,
    ClassVar,
    Literal,
    Optional,
    Union
)

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer
)


metamodel_version = "1.12.0"
version = "0.3.0"


class ConfiguredBaseModel(BaseModel):
    model_config = ConfigDict(
        serialize_by_alias = True,
        validate_by_name = True,
        validate_assignment = True,
        validate_default = True,
        extra = "forbid",
        arbitrary_types_allowed = True,
        use_enum_values = True,
        strict = False,
    )





class LinkMLMeta(RootModel):
    root: dict[str, Any] = {}
    model_config = ConfigDict(frozen=True)

    def __getattr__(self, key:str):
        return getattr(self.root, key)

    def __getitem__(self, key:str):
        return self.root[key]

    def __setitem__(self, key:str, value):
        self.root[key] = value

    def __contains__(self, key:str) -> bool:
        return key in self.root


linkml_meta = None

class ClaimBasis(str, Enum):
    """
    Whether a claim reports its sources or is the curators' assessment.
    """
    reported_by_a_source = "reported"
    """
    A cited source states it, at the citation's locator
    """
    assessed_by_the_curators = "assessed"
    """
    The curators' own assessment; the assessment note says what it rests on
    """


class CitationSupport(str, Enum):
    """
    What in a cited source supports a claim.
    """
    supported_by_the_passageAPOSTROPHEs_text = "text"
    """
    The passage at the locator states the claim
    """
    supported_by_the_title_only = "title"
    """
    Only the source's title states it; the text has not been read or does not say it
    """


class CaseField(str, Enum):
    """
    Case-level fields whose basis a case records in `attributions`.
    """
    state_of_concern = "state_of_concern"
    categories = "categories"
    gender = "gender"
    """
    The gender of the case's subject (a slot of Person)
    """
    stages = "stages"
    most_serious_incident_date = "most_serious_incident_date"


class Country(str, Enum):
    """
    States, by ISO 3166-1 alpha-2 code, each linked to its Wikidata item. Add a state here when a record needs it.
    """
    United_Arab_Emirates = "AE"
    Afghanistan = "AF"
    Armenia = "AM"
    Austria = "AT"
    Azerbaijan = "AZ"
    Belgium = "BE"
    Bulgaria = "BG"
    Belarus = "BY"
    Canada = "CA"
    Switzerland = "CH"
    China = "CN"
    Czech_Republic = "CZ"
    Germany = "DE"
    Denmark = "DK"
    Estonia = "EE"
    Egypt = "EG"
    Spain = "ES"
    Finland = "FI"
    France = "FR"
    United_Kingdom = "GB"
    Georgia = "GE"
    Greece = "GR"
    Hungary = "HU"
    India = "IN"
    Iran = "IR"
    Italy = "IT"
    Kyrgyzstan = "KG"
    Kazakhstan = "KZ"
    Lithuania = "LT"
    Latvia = "LV"
    Moldova = "MD"
    Mongolia = "MN"
    Netherlands = "NL"
    Norway = "NO"
    Pakistan = "PK"
    Poland = "PL"
    Qatar = "QA"
    Romania = "RO"
    Serbia = "RS"
    Russia = "RU"
    Saudi_Arabia = "SA"
    Sweden = "SE"
    Slovakia = "SK"
    Tajikistan = "TJ"
    Turkmenistan = "TM"
    Turkey = "TR"
    Ukraine = "UA"
    United_States = "US"
    Uzbekistan = "UZ"


class EventType(str, Enum):
    """
    Typed events. The `stage` annotation gives the stage the type belongs to (1 accusation and notice, 2 arrest, detention and removal, 3 rendition and violence); other actions and the legal path have none.
    """
    accusation = "accusation"
    """
    A public accusation by the state of concern
    """
    criminal_charge = "criminal_charge"
    """
    A criminal charge, with its criminal-code article
    """
    wanted_list_entry = "wanted_list_entry"
    """
    Entry on a national or interstate wanted list
    """
    interpol_notice_issued = "interpol_notice_issued"
    """
    Interpol Red Notice or diffusion issued
    """
    interpol_notice_removed = "interpol_notice_removed"
    """
    Interpol notice or diffusion withdrawn or deleted
    """
    extradition_request = "extradition_request"
    """
    Extradition request by the state of concern
    """
    arrest = "arrest"
    """
    Arrest in the host state
    """
    detention = "detention"
    """
    Detention, with its duration and facility
    """
    extradition = "extradition"
    """
    Extradition to the state of concern
    """
    deportation = "deportation"
    """
    Deportation or expulsion
    """
    rendition = "rendition"
    """
    Rendition outside any legal procedure
    """
    abduction = "abduction"
    """
    Abduction or kidnapping
    """
    attack = "attack"
    """
    Physical attack
    """
    assassination = "assassination"
    """
    Killing
    """
    assassination_attempt = "assassination_attempt"
    """
    Attempted killing
    """
    disappearance = "disappearance"
    """
    Enforced disappearance
    """
    intimidation = "intimidation"
    """
    Intimidation or harassment, including vexatious hearings
    """
    action_against_relatives = "action_against_relatives"
    """
    Pressure on relatives
    """
    action_against_associates = "action_against_associates"
    """
    Prosecution or pressure on associates
    """
    asset_freeze = "asset_freeze"
    """
    Dispossession or freezing of assets
    """
    administrative_penalty = "administrative_penalty"
    """
    Administrative fine or penalty
    """
    conviction = "conviction"
    """
    Conviction and sentence
    """
    sentence_postponement = "sentence_postponement"
    """
    Postponement of the execution of a sentence
    """
    sentence_postponement_cancelled = "sentence_postponement_cancelled"
    """
    Cancellation of a postponement of a sentence
    """
    flight = "flight"
    """
    Flight from the country
    """
    asylum_application = "asylum_application"
    """
    Application for asylum or refugee status
    """
    migration_decision = "migration_decision"
    """
    Decision of a migration authority
    """
    court_decision = "court_decision"
    """
    Decision of a court, with its instance and outcome
    """
    court_hearing_scheduled = "court_hearing_scheduled"
    """
    A hearing set for a future date
    """
    refugee_status_granted = "refugee_status_granted"
    """
    Grant of refugee status or other protection
    """
    release = "release"
    """
    Release from detention
    """
    hunger_strike = "hunger_strike"
    """
    Hunger strike
    """
    organisation_status_change = "organisation_status_change"
    """
    An organisation banned, declared extremist or otherwise re-classed
    """
    resolution = "resolution"
    """
    Resolution or declaration of a parliament or international body
    """


class ExileCategory(str, Enum):
    """
    The database's four categories of exile.
    """
    regime_insider = "regime_insider"
    """
    Former regime insiders and their family members
    """
    opposition_member = "opposition_member"
    """
    Members of opposition political parties and movements
    """
    religious = "religious"
    """
    Banned clerics and alleged religious extremists
    """
    civil_society = "civil_society"
    """
    Independent journalists, academics and civil-society activists
    """


class Gender(str, Enum):
    """
    Gender as the sources state it.
    """
    female = "female"
    male = "male"
    other = "other"
    unknown = "unknown"


class ResidenceRole(str, Enum):
    """
    What a country was to the exile.
    """
    transit = "transit"
    """
    Crossed on the way
    """
    asylum = "asylum"
    """
    Where protection was sought
    """
    residence = "residence"
    """
    Where the exile lived
    """


class LegalStatus(str, Enum):
    """
    The exile's status in the host state.
    """
    refugee = "refugee"
    asylum_seeker = "asylum_seeker"
    rejected_asylum_seeker = "rejected_asylum_seeker"
    resident = "resident"
    citizen = "citizen"
    detained = "detained"
    unknown = "unknown"


class CourtInstance(str, Enum):
    """
    Level of a court.
    """
    first_instance = "first_instance"
    """
    Court of first instance (district or administrative)
    """
    appeal = "appeal"
    """
    Court of appeal
    """
    cassation = "cassation"
    """
    Supreme or cassation court
    """


class NoticeType(str, Enum):
    """
    Kind of international search.
    """
    red_notice = "red_notice"
    """
    Interpol Red Notice
    """
    diffusion = "diffusion"
    """
    Interpol diffusion
    """
    interstate_wanted_list = "interstate_wanted_list"
    """
    CIS or other interstate wanted list
    """
    national_wanted_list = "national_wanted_list"
    """
    National wanted list
    """


class OrganisationType(str, Enum):
    """
    Kind of organisation.
    """
    opposition_movement = "opposition_movement"
    political_party = "political_party"
    newspaper = "newspaper"
    media_outlet = "media_outlet"
    court = "court"
    migration_authority = "migration_authority"
    police = "police"
    prosecutor = "prosecutor"
    security_service = "security_service"
    government = "government"
    interpol = "interpol"
    ngo = "ngo"
    parliament = "parliament"
    international_organisation = "international_organisation"
    other = "other"


class SourceType(str, Enum):
    """
    Kind of source.
    """
    news_article = "news_article"
    statement = "statement"
    court_record = "court_record"
    official_resolution = "official_resolution"
    report = "report"
    database_entry = "database_entry"
    book = "book"
    journal_article = "journal_article"
    blog_post = "blog_post"
    other = "other"



class RecordFile(ConfiguredBaseModel):
    """
    One file of `records/`: usually one exile case with the persons, organisations and sources it needs; a file may also hold only shared organisations or sources.
    """
    case: Optional[ExileCase] = Field(default=None, description="""The exile case a record file holds (a container slot; not written to RDF).""")
    persons: Optional[list[Person]] = Field(default=None, description="""Persons a record file describes (a container slot; not written to RDF).""")
    organisations: Optional[list[Organisation]] = Field(default=None, description="""Organisations a record file describes (a container slot; not written to RDF).""")
    sources: Optional[list[Source]] = Field(default=None, description="""Sources a record file describes (a container slot; not written to RDF).""")
    synthetic: Optional[bool] = Field(default=None, description="""True for generated test records; a release refuses to mix them with real ones.""")


class ExileCase(ConfiguredBaseModel):
    """
    The case of one person pursued abroad by a state of concern.
    """
    id: str = Field(default=..., description="""The record id, from which the node's IRI is made; never reused.""")
    subject: str = Field(default=..., description="""The person the case is about.""")
    state_of_concern: Optional[Country] = Field(default=None, description="""The state pursuing the exile.""")
    categories: Optional[list[ExileCategory]] = Field(default=None, description="""The database's category of the exile (regime insider, opposition member, religious, civil society).""")
    alleged_affiliation: Optional[str] = Field(default=None, description="""What the state of concern accuses the exile of belonging to, as the profile gives it.""")
    stages: Optional[list[int]] = Field(default=None, description="""A stage of transnational repression the exile went through (1 to 3).""")
    most_serious_incident_date: Optional[str] = Field(default=None, description="""When the most serious incident of the case happened, as an EDTF date.""")
    earliest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records: the earliest point of the item's EDTF date (event_date, start_date, most_serious_incident_date or publication_date) as a literal typed by its precision (xsd:date, xsd:gYearMonth or xsd:gYear).""")
    latest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records; the latest point of the EDTF date, typed by precision.""")
    approximate: Optional[bool] = Field(default=None, description="""Set by the mapper, never written in records; true when the EDTF date is marked approximate (~) or uncertain (?).""")
    violence_reported: Optional[bool] = Field(default=None, description="""True when the sources report physical violence against the exile.""")
    violence_description: Optional[str] = Field(default=None, description="""What violence the sources report.""")
    residences: Optional[list[Residence]] = Field(default=None, description="""A country of transit, asylum or residence of the exile, with its period.""")
    legal_status: Optional[LegalStatus] = Field(default=None, description="""The exile's status in the host state (refugee, asylum seeker, ...), as last reported.""")
    legal_status_note: Optional[str] = Field(default=None, description="""Details of the legal status, in words.""")
    current_status: Optional[str] = Field(default=None, description="""Where the case stands, as last reported, in words.""")
    summary: Optional[str] = Field(default=None)
    events: Optional[list[Event]] = Field(default=None, description="""A dated, typed, cited event of the case.""")
    statements: Optional[list[Statement]] = Field(default=None, description="""A narrative, cited claim about the case, for facts not (yet) typed as events.""")
    conflicts: Optional[list[Conflict]] = Field(default=None, description="""A set of claims of the case that sources report differently.""")
    associates: Optional[list[Association]] = Field(default=None, description="""Another person linked to the case, with the sources that link them.""")
    attributions: Optional[list[FieldAttribution]] = Field(default=None, description="""One entry per case-level field that is set, saying whether a source reports it or curators assessed it.""")


class Person(ConfiguredBaseModel):
    """
    A person (an exile, a relative or associate, or anyone else a case names).
    """
    id: str = Field(default=..., description="""The record id, from which the node's IRI is made; never reused.""")
    preferred_name: str = Field(default=...)
    alternative_names: Optional[list[NameVariant]] = Field(default=None, description="""Another name or spelling of the person, with the sources that give it.""")
    gender: Optional[Gender] = Field(default=None, description="""The person's gender as the sources state it.""")
    citizenships: Optional[list[Country]] = Field(default=None, description="""A state whose citizen the person is.""")
    occupations: Optional[list[str]] = Field(default=None, description="""The person's occupation as the sources describe it (journalist, blogger, cleric).""")
    affiliations: Optional[list[Affiliation]] = Field(default=None, description="""The person's membership of, or work for, an organisation, with its period and sources.""")
    wikidata: Optional[str] = Field(default=None, description="""The Wikidata item, e.g. wd:Q232.""")
    description: Optional[str] = Field(default=None)
    relatives: Optional[list[Relative]] = Field(default=None, description="""Relatives the sources mention. Never published: even the kind of relation alone can point a reader to a family member, so a public release leaves out the whole entry.""")
    home_address: Optional[str] = Field(default=None, description="""Never published.""")
    contact: Optional[str] = Field(default=None, description="""Telephone, e-mail or messenger handle. Never published.""")


class Organisation(ConfiguredBaseModel):
    """
    A movement, party, newspaper, court, migration authority, police force, Interpol, NGO, parliament or other body. A change of its status (for instance a court declaring it extremist) is a dated, cited event in `events`.
    """
    id: str = Field(default=..., description="""The record id, from which the node's IRI is made; never reused.""")
    name: Optional[str] = Field(default=None)
    other_names: Optional[list[str]] = Field(default=None)
    organisation_type: OrganisationType = Field(default=..., description="""The kind of organisation (court, police, party, newspaper, Interpol, ...).""")
    country: Optional[Country] = Field(default=None, description="""The country where it happened or where the organisation is based; for a residence, the country lived in.""")
    court_instance: Optional[CourtInstance] = Field(default=None, description="""The level of a court: first instance, appeal or cassation.""")
    part_of: Optional[str] = Field(default=None)
    wikidata: Optional[str] = Field(default=None, description="""The Wikidata item, e.g. wd:Q232.""")
    url: Optional[str] = Field(default=None)
    description: Optional[str] = Field(default=None)
    events: Optional[list[Event]] = Field(default=None, description="""A dated, typed, cited event of the case.""")


class Claim(ConfiguredBaseModel):
    """
    Anything a source can support or contradict; carries its citations. A claim either reports what its cited sources say (`basis: reported`, the default: each citation names where in the source the passage is) or is the curators' own assessment (`basis: assessed`, with an `assessment_note` saying what it rests on).
    """
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class FieldAttribution(ConfiguredBaseModel):
    """
    Says for one case-level field (state of concern, categories, the subject's gender, stages, date of the most serious incident) whether a cited source reports it or the curators assessed it. A field set on a case without an attribution is unattributed, not reported.
    """
    field: CaseField = Field(default=..., description="""The case-level field an attribution is about (gender is that of the case's subject).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class Event(Claim):
    """
    A dated occurrence in a case. Its stage follows from its type (see the `stage` annotation of each EventType value).
    """
    event_type: EventType = Field(default=..., description="""What kind of event it is (arrest, extradition request, court decision, ...); its stage follows from it.""")
    event_date: Optional[str] = Field(default=None, description="""When it happened, with its precision (see edtf_date).""")
    place: Optional[str] = Field(default=None, description="""Town, facility or region as the source names it.""")
    country: Optional[Country] = Field(default=None, description="""The country where it happened or where the organisation is based; for a residence, the country lived in.""")
    state_of_concern: Optional[Country] = Field(default=None, description="""The state pursuing the exile.""")
    host_state: Optional[Country] = Field(default=None, description="""The state where the exile was when it happened.""")
    requesting_state: Optional[Country] = Field(default=None, description="""The state that asked for the arrest, notice or extradition.""")
    destination_country: Optional[Country] = Field(default=None, description="""The state a person was removed to (extradited, deported, expelled or taken by rendition or abduction); `outcome` keeps the source's wording.""")
    actors: Optional[list[str]] = Field(default=None, description="""Organisations that acted (court, police, migration service, Interpol).""")
    involved_persons: Optional[list[str]] = Field(default=None, description="""Other persons the event concerns (by id), besides the case's subject.""")
    description: Optional[str] = Field(default=None)
    outcome: Optional[str] = Field(default=None, description="""What came of it, in the source's words (released, request refused, expelled to Russia).""")
    charge: Optional[str] = Field(default=None, description="""The criminal charge as the source words it.""")
    criminal_code_article: Optional[str] = Field(default=None, description="""The article of the criminal code the charge rests on, as cited.""")
    sentence: Optional[str] = Field(default=None, description="""The sentence handed down, as the source words it.""")
    notice_type: Optional[NoticeType] = Field(default=None, description="""The kind of international search: Red Notice, diffusion, interstate or national wanted list.""")
    duration_days: Optional[int] = Field(default=None, description="""How many days a detention or hunger strike lasted.""", ge=0)
    facility: Optional[str] = Field(default=None, description="""The detention centre, prison or other facility.""")
    earliest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records: the earliest point of the item's EDTF date (event_date, start_date, most_serious_incident_date or publication_date) as a literal typed by its precision (xsd:date, xsd:gYearMonth or xsd:gYear).""")
    latest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records; the latest point of the EDTF date, typed by precision.""")
    approximate: Optional[bool] = Field(default=None, description="""Set by the mapper, never written in records; true when the EDTF date is marked approximate (~) or uncertain (?).""")
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class Statement(Claim):
    """
    A narrative claim about a case, for facts not (yet) typed as events.
    """
    text: str = Field(default=...)
    section: Optional[str] = Field(default=None, description="""The heading of the profile or document section the claim comes from.""")
    stage: Optional[int] = Field(default=None, description="""A stage of transnational repression (1 accusation and notices, 2 arrest, detention and removal, 3 rendition and violence): of a statement, or of an event type.""")
    language: Optional[str] = Field(default=None, description="""BCP 47 language tag (en, uk, ru, kk).""")
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class NameVariant(Claim):
    """
    Another name or spelling of a person, as a source gives it.
    """
    name: str = Field(default=...)
    language: Optional[str] = Field(default=None, description="""BCP 47 language tag (en, uk, ru, kk).""")
    note: Optional[str] = Field(default=None)
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class Affiliation(Claim):
    """
    A person's membership of, or work for, an organisation.
    """
    organisation: str = Field(default=..., description="""The organisation a person is or was affiliated with.""")
    role: Optional[str] = Field(default=None, description="""The person's role in the organisation, as the sources give it (member, leader, editor).""")
    start_date: Optional[str] = Field(default=None)
    end_date: Optional[str] = Field(default=None)
    earliest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records: the earliest point of the item's EDTF date (event_date, start_date, most_serious_incident_date or publication_date) as a literal typed by its precision (xsd:date, xsd:gYearMonth or xsd:gYear).""")
    latest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records; the latest point of the EDTF date, typed by precision.""")
    approximate: Optional[bool] = Field(default=None, description="""Set by the mapper, never written in records; true when the EDTF date is marked approximate (~) or uncertain (?).""")
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class Residence(Claim):
    """
    A country of transit, asylum or residence of the exile, with its period.
    """
    country: Country = Field(default=..., description="""The country where it happened or where the organisation is based; for a residence, the country lived in.""")
    residence_role: ResidenceRole = Field(default=..., description="""What the country was to the exile: transit, asylum or residence.""")
    start_date: Optional[str] = Field(default=None)
    end_date: Optional[str] = Field(default=None)
    earliest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records: the earliest point of the item's EDTF date (event_date, start_date, most_serious_incident_date or publication_date) as a literal typed by its precision (xsd:date, xsd:gYearMonth or xsd:gYear).""")
    latest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records; the latest point of the EDTF date, typed by precision.""")
    approximate: Optional[bool] = Field(default=None, description="""Set by the mapper, never written in records; true when the EDTF date is marked approximate (~) or uncertain (?).""")
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class Association(Claim):
    """
    Another person linked to the case (co-defendant, associate, relative pursued because of the exile).
    """
    person: str = Field(default=..., description="""The person an association names.""")
    relation: Optional[str] = Field(default=None, description="""How the two are related, in a few words (for an association, e.g. co-defendant, colleague).""")
    description: Optional[str] = Field(default=None)
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    basis: Optional[ClaimBasis] = Field(default=None, description="""Whether the claim reports what its cited sources say (`reported`, eg:Reported, the default when absent) or is the curators' assessment (`assessed`, eg:Assessed).""")
    assessment_note: Optional[str] = Field(default=None, description="""For an assessed claim or field, what the assessment rests on (which sources, which reasoning). Required when `basis` is `assessed`.""")
    citations: Optional[list[Citation]] = Field(default=None, description="""One source supporting this claim, with where in the source the support is.""")


class Relative(ConfiguredBaseModel):
    """
    A family member; everything but the relation is restricted, and a minor's details always are.
    """
    relation: str = Field(default=..., description="""How the two are related, in a few words (for an association, e.g. co-defendant, colleague).""")
    minor: Optional[bool] = Field(default=None, description="""True when the relative is a child. Never published, like every detail that could identify or locate a relative.""")
    relative_name: Optional[str] = Field(default=None, description="""Name of a relative. Never published.""")
    birth_year: Optional[int] = Field(default=None, description="""Year of birth of a relative. Never published.""")
    relative_note: Optional[str] = Field(default=None, description="""Any further detail about a relative (age, school, whereabouts). Never published.""")


class Conflict(ConfiguredBaseModel):
    """
    Two or more claims of one case that sources report differently; all are kept.
    """
    key: Optional[str] = Field(default=None, description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    claims: list[str] = Field(default=..., description="""The claims that conflict. In a record: the keys of events, statements or name variants of the same record; in RDF: the IRIs of those claims.""", min_length=2)
    note: Optional[str] = Field(default=None)


class Source(ConfiguredBaseModel):
    """
    A document that supports claims: news article, statement or open letter, court record, official resolution, report, database entry, book or journal article.
    """
    key: str = Field(default=..., description="""A short name unique within the record, used to refer to this item (citations, conflicts).""")
    source_type: SourceType = Field(default=..., description="""The kind of document (news article, statement, court record, report, ...).""")
    title: Optional[str] = Field(default=None)
    outlet: Optional[str] = Field(default=None, description="""The newspaper, broadcaster, website or database that published it.""")
    publisher: Optional[str] = Field(default=None, description="""The organisation that published the source, by name. In RDF the source's dcterms:publisher is a node (an Agent) with this name; see published_by.""")
    authors: Optional[list[str]] = Field(default=None)
    publication_date: Optional[str] = Field(default=None)
    earliest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records: the earliest point of the item's EDTF date (event_date, start_date, most_serious_incident_date or publication_date) as a literal typed by its precision (xsd:date, xsd:gYearMonth or xsd:gYear).""")
    latest: Optional[Union[date, str]] = Field(default=None, description="""Set by the mapper, never written in records; the latest point of the EDTF date, typed by precision.""")
    approximate: Optional[bool] = Field(default=None, description="""Set by the mapper, never written in records; true when the EDTF date is marked approximate (~) or uncertain (?).""")
    year: Optional[int] = Field(default=None, description="""Year of the bibliographic reference, as the document cites it.""")
    language: Optional[str] = Field(default=None, description="""BCP 47 language tag (en, uk, ru, kk).""")
    url: Optional[str] = Field(default=None)
    accessed_date: Optional[str] = Field(default=None, description="""When the online source was consulted, as given (kept even when damaged).""")
    accessed_on: Optional[date] = Field(default=None, description="""Set by the mapper, never written in records; the day of accessed_date as an xsd:date, when it names a complete day (a damaged date, such as a year cut short, gives none).""")
    archived_url: Optional[str] = Field(default=None, description="""A copy of the online source in a web archive.""")
    note: Optional[str] = Field(default=None)
    published_by: Optional[Agent] = Field(default=None, description="""Set by the mapper, never written in records; the publisher as a node with its name.""")


class Agent(ConfiguredBaseModel):
    """
    A publisher of sources (a parliament, a foundation, a court register), as a node with its name. Set by the mapper from a source's `publisher`; the same name is the same node in every record.
    """
    name: str = Field(default=...)


class Citation(ConfiguredBaseModel):
    """
    One source supporting one claim, with where in the source the support is.
    """
    source: str = Field(default=..., description="""The key of a source of the same record.""")
    locator: str = Field(default=..., description="""Where in the source the supporting passage is: a page, paragraph, footnote or section heading, e.g. \"statement, paragraph 3\" or \"Stage 2 details\". Required on every citation.""")
    support: Optional[CitationSupport] = Field(default=None, description="""What in the source supports the claim: `text` (the default; the passage at the locator states it, eg:TextSupport) or `title` (only the source's title does, eg:TitleSupport).""")
    quote: Optional[str] = Field(default=None, description="""A short quotation, only where wording matters.""")
    accessed_date: Optional[str] = Field(default=None, description="""When the online source was consulted, as given (kept even when damaged).""")
    accessed_on: Optional[date] = Field(default=None, description="""Set by the mapper, never written in records; the day of accessed_date as an xsd:date, when it names a complete day (a damaged date, such as a year cut short, gives none).""")
    reference_text: Optional[str] = Field(default=None, description="""The in-text reference as the document wrote it, e.g. \"(Radio Free Europe, 2017)\".""")


class ComputedSummary(ConfiguredBaseModel):
    """
    Figures exilegraph computes from one case's record when it builds a release: how the case's reported claims rest on sources. They are counted from the record's own triples, never written in records, and are not a claim of any source nor of the curators; they spare a question about the whole release counting every case again. The node's IRI is `computed/<case id>`.
    """
    computed_for: str = Field(default=..., description="""Computed by exilegraph, never written in records: the case whose record these figures were computed from.""")
    reported_citation_count: Optional[int] = Field(default=None, description="""Computed by exilegraph, never written in records: how many citations the case's reported claims have (its events, statements, residences and associates, and its subject's other names and affiliations where the case's record describes the subject; assessed claims do not count).""")
    cited_source_count: Optional[int] = Field(default=None, description="""Computed by exilegraph, never written in records: how many different sources those citations derive from.""")
    title_only_citation_count: Optional[int] = Field(default=None, description="""Computed by exilegraph, never written in records: how many of those citations have `support: title` (only the source's title supports the claim).""")
    sole_source: Optional[str] = Field(default=None, description="""Computed by exilegraph, never written in records: the one source every citation of the case's reported claims derives from; set only when there is exactly one.""")
    single_source_claim: Optional[list[str]] = Field(default=None, description="""Computed by exilegraph, never written in records: a reported event or statement of the case whose every citation derives from one and the same source.""")


class ComputedPresence(ConfiguredBaseModel):
    """
    Computed by exilegraph from one case's record when it builds a release: a host state where the case unfolded, through its events (those whose host state it is) or through its residences of one role (those in that country), with the first and last dates recorded there. Never written in records; not a claim of any source nor of the curators.
    """
    computed_for: str = Field(default=..., description="""Computed by exilegraph, never written in records: the case whose record these figures were computed from.""")
    presence_state: Country = Field(default=..., description="""Computed by exilegraph, never written in records; the host state.""")
    presence_through: str = Field(default=..., description="""Computed by exilegraph, never written in records: `events` (events whose host state it is) or `residence` (residences in that country, of the role in presence_role or of none).""")
    presence_role: Optional[ResidenceRole] = Field(default=None, description="""Computed by exilegraph, never written in records; the role of the residences, when they record one.""")
    presence_first: Optional[str] = Field(default=None, description="""Computed by exilegraph, never written in records: the smallest earliest date (eg:earliest, as text) of those events or residences; absent when none is dated.""")
    presence_last: Optional[str] = Field(default=None, description="""Computed by exilegraph, never written in records: the largest latest date (eg:latest, as text) of those events or residences; absent when none is dated.""")


# Model rebuild
# see https://pydantic-docs.helpmanual.io/usage/models/#rebuilding-a-model
RecordFile.model_rebuild()
ExileCase.model_rebuild()
Person.model_rebuild()
Organisation.model_rebuild()
Claim.model_rebuild()
FieldAttribution.model_rebuild()
Event.model_rebuild()
Statement.model_rebuild()
NameVariant.model_rebuild()
Affiliation.model_rebuild()
Residence.model_rebuild()
Association.model_rebuild()
Relative.model_rebuild()
Conflict.model_rebuild()
Source.model_rebuild()
Agent.model_rebuild()
Citation.model_rebuild()
ComputedSummary.model_rebuild()
ComputedPresence.model_rebuild()
