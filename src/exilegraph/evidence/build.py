"""Build the evidence report of a case from the typed records of the whole dataset."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..records import Record
from ..resources import schema_index
from .report import (
    CaseNotFoundError,
    CitationInfo,
    ClaimInfo,
    ConflictInfo,
    Evidence,
    Section,
    SourceInfo,
    words,
)

# fields of the case the schema lets a record attribute to sources (ExileCase.attributions)
ATTRIBUTED = ("state_of_concern", "categories", "gender", "stages", "most_serious_incident_date")
# case fields shown as context: they carry no citations of their own
CONTEXT = (
    "alleged_affiliation",
    "violence_reported",
    "violence_description",
    "legal_status",
    "legal_status_note",
    "current_status",
    "summary",
)
# never shown as a claim's details: shown elsewhere, derived by the mapper, or the claim's own bookkeeping
_NOT_DETAILS = frozenset(
    {
        "event_type",
        "key",
        "citations",
        "basis",
        "assessment_note",
        "earliest",
        "latest",
        "approximate",
        "description",
        "text",
    }
)
STAGE_TITLES = {
    1: "Stage 1: accusations, charges, notices and extradition requests",
    2: "Stage 2: arrest, detention and removal",
    3: "Stage 3: rendition and violence",
    None: "Other actions and the legal path",
}


# --- the dataset's index ---------------------------------------------------------------------------


@dataclass
class _Index:
    """Persons and organisations of every record by id, each with the record that defines it."""

    records: list[Record]
    persons: dict = field(default_factory=dict)
    organisations: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)

    def __post_init__(self):
        for r in self.records:
            m = r.model
            for p in m.persons or []:
                self.persons.setdefault(p.id, (p, r))
            for o in m.organisations or []:
                self.organisations.setdefault(o.id, (o, r))
            if m.case is not None:
                self.cases.setdefault(m.case.id, r)

    def person_name(self, pid: str) -> str:
        found = self.persons.get(pid)
        return f"{found[0].preferred_name} ({pid})" if found else pid

    def organisation_name(self, oid: str) -> str:
        found = self.organisations.get(oid)
        return f"{found[0].name} ({oid})" if found and found[0].name else oid


@functools.cache
def _restricted() -> dict[str, frozenset]:
    """Class name -> names of its restricted slots, from the generated schema index."""
    return {
        c: frozenset(s for s, v in meta["slots"].items() if v.get("restricted"))
        for c, meta in schema_index()["classes"].items()
    }


@functools.cache
def _countries() -> dict[str, str]:
    return {k: v.get("title") or k for k, v in schema_index()["enums"]["Country"].items()}


@functools.cache
def _stage_of() -> dict[str, int | None]:
    return {k: v.get("stage") for k, v in schema_index()["enums"]["EventType"].items()}


def _ranges(rng) -> list[str]:
    return [rng] if isinstance(rng, str) else [str(r) for r in rng or []]


@functools.cache
def _enum_slots() -> frozenset:
    """Names of the slots whose values are enum values (shown as words)."""
    enums = schema_index()["enums"]
    return frozenset(
        n
        for c in schema_index()["classes"].values()
        for n, v in c["slots"].items()
        if any(r in enums for r in _ranges(v["range"]))
    )


class _Builder:
    def __init__(self, index: _Index, record: Record, internal: bool):
        self.index, self.record, self.internal = index, record, internal
        self.restricted = _restricted()
        self.countries = _countries()
        self.enum_slots = _enum_slots()
        self.sources = {s.key: s for s in record.model.sources or []}

    # values ------------------------------------------------------------------------------------
    def country(self, code) -> str:
        return f"{self.countries.get(code, code)} ({code})"

    def show(self, slot: str, value) -> str:
        if isinstance(value, list):
            return ", ".join(self.show(slot, v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if slot in ("country", "state_of_concern", "host_state", "requesting_state", "citizenships"):
            return self.country(value)
        if slot in ("actors", "organisation", "part_of"):
            return self.index.organisation_name(value)
        if slot in ("involved_persons", "person", "subject"):
            return self.index.person_name(value)
        return words(value) if slot in self.enum_slots else str(value)

    def public(self, cls: str, slot: str) -> bool:
        return self.internal or slot not in self.restricted.get(cls, ())

    def details(self, obj) -> tuple[tuple[str, str], ...]:
        cls = type(obj).__name__
        out = []
        for name in type(obj).model_fields:
            value = getattr(obj, name, None)
            if name in _NOT_DETAILS or value is None or value == [] or not self.public(cls, name):
                continue
            out.append((words(name), self.show(name, value)))
        return tuple(out)

    def text(self, obj, slot: str) -> str | None:
        """A slot's value when it may be shown."""
        value = getattr(obj, slot, None)
        return None if value is None or not self.public(type(obj).__name__, slot) else str(value)

    # citations ---------------------------------------------------------------------------------
    def source(self, record: Record, key: str) -> SourceInfo:
        s = (self.sources if record is self.record else {x.key: x for x in record.model.sources or []}).get(
            key
        )
        if s is None:
            return SourceInfo(key, defined=False)
        t = lambda slot: self.text(s, slot)  # noqa: E731 - a short local reader
        authors = tuple(s.authors or ()) if self.public("Source", "authors") else ()
        return SourceInfo(
            key,
            str(s.source_type),
            t("title"),
            t("outlet"),
            t("publisher"),
            authors,
            t("publication_date") or (str(s.year) if s.year and self.public("Source", "year") else None),
            t("url"),
            t("accessed_date"),
            t("note"),
        )

    def citations(self, claim, record: Record | None = None) -> tuple[CitationInfo, ...]:
        rec = record or self.record
        out = []
        for c in getattr(claim, "citations", None) or []:
            out.append(
                CitationInfo(
                    self.source(rec, c.source),
                    self.text(c, "locator"),
                    str(getattr(c, "support", None) or "text"),
                    self.text(c, "quote"),
                    self.text(c, "reference_text"),
                    self.text(c, "accessed_date"),
                )
            )
        return tuple(out)

    def claim(self, kind: str, what: str, obj, record: Record | None = None) -> ClaimInfo:
        return ClaimInfo(
            kind,
            what,
            getattr(obj, "key", None),
            self.details(obj),
            str(getattr(obj, "basis", None) or "reported"),
            self.text(obj, "assessment_note") if hasattr(obj, "assessment_note") else None,
            self.citations(obj, record),
        )

    # claims ------------------------------------------------------------------------------------
    def event(self, e, record: Record | None = None, owner: str | None = None) -> ClaimInfo:
        head = words(e.event_type).capitalize()
        if owner:
            head = f"{owner}: {head.lower()}"
        when = self.text(e, "event_date")
        where = ", ".join(x for x in (self.text(e, "place"),) if x)
        what = head + (f", {when}" if when else ", undated") + (f", {where}" if where else "")
        desc = self.text(e, "description")
        return self.claim("event", f"{what}: {desc}" if desc else what, e, record)

    def case_fields(self, case, subject) -> list[ClaimInfo]:
        by_field: dict[str, list] = {}
        for a in getattr(case, "attributions", None) or []:
            by_field.setdefault(str(a.field), []).append(a)
        out = []
        for name in ATTRIBUTED:
            holder = subject if name == "gender" else case
            cls = "Person" if name == "gender" else "ExileCase"
            value = getattr(holder, name, None) if holder is not None else None
            if value is None or value == [] or not self.public(cls, name):
                continue
            shown = ", ".join(map(str, value)) if name == "stages" else self.show(name, value)
            attrs = by_field.get(name, [])
            assessed = any(str(getattr(a, "basis", "")) == "assessed" for a in attrs)
            # a field set without an attribution is unattributed, not reported
            basis = "assessed" if assessed else "reported" if attrs else "unattributed"
            notes = "; ".join(a.assessment_note for a in attrs if getattr(a, "assessment_note", None))
            cits = tuple(c for a in attrs for c in self.citations(a))
            out.append(
                ClaimInfo(
                    "case field", f"{words(name).capitalize()}: {shown}", name, (), basis, notes or None, cits
                )
            )
        return out

    def build(self) -> Evidence:
        case = self.record.model.case
        subject = self.index.persons.get(case.subject, (None, None))[0]
        sections: list[Section] = [Section("Case fields", tuple(self.case_fields(case, subject)))]
        stage = _stage_of()
        events = sorted(
            case.events or [],
            key=lambda e: (stage.get(e.event_type) or 4, _date_key(e.event_date), e.event_type, e.key or ""),
        )
        for n in (1, 2, 3, None):
            chosen = [self.event(e) for e in events if stage.get(e.event_type) == n]
            if chosen:
                sections.append(Section(STAGE_TITLES[n], tuple(chosen)))
        statements = [
            self.claim("statement", (f"[{st.section}] " if self.text(st, "section") else "") + st.text, st)
            for st in case.statements or []
        ]
        sections.append(Section("Statements", tuple(statements)))
        if subject is not None:
            names = [
                self.claim(
                    "name", f'Also named "{n.name}"' + (f" ({n.note})" if self.text(n, "note") else ""), n
                )
                for n in subject.alternative_names or []
            ]
            sections.append(Section("Names of the subject", tuple(names)))
            affs = [self.claim("affiliation", self.affiliation(a), a) for a in subject.affiliations or []]
            sections.append(Section("Affiliations of the subject", tuple(affs)))
        res = [
            self.claim(
                "residence",
                f"{words(r.residence_role).capitalize()} in {self.country(r.country)}"
                + _period(r.start_date, r.end_date),
                r,
            )
            for r in case.residences or []
        ]
        sections.append(Section("Countries of transit, asylum and residence", tuple(res)))
        assoc = [
            self.claim(
                "association",
                f"{a.relation or 'linked person'}: {self.index.person_name(a.person)}"
                + (f". {a.description}" if self.text(a, "description") else ""),
                a,
            )
            for a in case.associates or []
        ]
        sections.append(Section("Associated persons", tuple(assoc)))
        sections.append(
            Section("Events of organisations the case relies on", tuple(self.organisation_events()))
        )
        sections = [s for s in sections if s.claims]
        n = 0
        for s in sections:
            for c in s.claims:
                n += 1
                c.number = n
        name = subject.preferred_name if subject is not None else case.subject
        return Evidence(
            case.id,
            name,
            self.record.path,
            self.internal,
            self.context(case),
            tuple(sections),
            self.conflicts(sections),
        )

    def affiliation(self, a) -> str:
        role = self.text(a, "role") or "member"
        return f"{role.capitalize()} of {self.index.organisation_name(a.organisation)}" + _period(
            a.start_date, a.end_date
        )

    def organisation_events(self) -> list[ClaimInfo]:
        m, case = self.record.model, self.record.model.case
        subject = self.index.persons.get(case.subject, (None, None))[0]
        wanted = {o.id for o in m.organisations or []}
        wanted |= {a for e in case.events or [] for a in e.actors or []}
        wanted |= {a.organisation for a in (subject.affiliations or [] if subject else [])}
        out = []
        for oid in sorted(wanted):
            org, rec = self.index.organisations.get(oid, (None, None))
            for e in sorted(
                org.events or [] if org else [], key=lambda e: (_date_key(e.event_date), e.key or "")
            ):
                out.append(self.event(e, rec, owner=org.name or oid))
        return out

    def context(self, case) -> tuple[tuple[str, str], ...]:
        return tuple(
            (words(n).capitalize(), self.show(n, getattr(case, n)))
            for n in CONTEXT
            if getattr(case, n, None) is not None and self.public("ExileCase", n)
        )

    def conflicts(self, sections: list[Section]) -> tuple[ConflictInfo, ...]:
        by_key = {c.key: c for s in sections for c in s.claims if c.key and c.kind != "case field"}
        out = []
        for cf in self.record.model.case.conflicts or []:
            found = tuple(by_key[k] for k in cf.claims if k in by_key)
            out.append(
                ConflictInfo(
                    cf.key, self.text(cf, "note"), found, tuple(k for k in cf.claims if k not in by_key)
                )
            )
        return tuple(out)


def _date_key(d: str | None) -> tuple:
    """Dated items first, by their text (EDTF sorts by its leading year), undated last."""
    return (0, d) if d else (1, "")


def _period(start: str | None, end: str | None) -> str:
    if start and end:
        return f", {start} to {end}"
    if start:
        return f", from {start}"
    return f", until {end}" if end else ""


def close_ids(case_id: str, known: Iterable[str]) -> list[str]:
    known = sorted(known)
    near = difflib.get_close_matches(case_id, known, n=3, cutoff=0.5)
    return near or [k for k in known if case_id.lower() in k][:3]


def build_evidence(case_id: str, records: list[Record], *, internal: bool = False) -> Evidence:
    """The evidence report of `case_id` among `records` (all of the dataset: organisations and persons
    may be defined in other records). Raises CaseNotFoundError, naming close ids, when no record has it."""
    index = _Index(records)
    record = index.cases.get(case_id)
    if record is None:
        near = close_ids(case_id, index.cases)
        hint = (
            f"; did you mean {', '.join(near)}?"
            if near
            else (
                f"; known cases: {', '.join(sorted(index.cases)[:5])}"
                if index.cases
                else "; the records hold no case"
            )
        )
        raise CaseNotFoundError(f"no case `{case_id}` in the records{hint}")
    return _Builder(index, record, internal).build()


def all_evidence(records: list[Record], *, internal: bool = False) -> list[Evidence]:
    """The report of every case of `records`, sorted by case id."""
    index = _Index(records)
    return [_Builder(index, index.cases[cid], internal).build() for cid in sorted(index.cases)]
