"""Figures exilegraph computes from one case's record as it maps it, for the catalogue's questions.

A question about the whole release that counts something per case (the sources of every case, the host
states a case unfolded in) would count it again for every case on every run; at 10,000 cases that took
seconds. The mapper computes these figures once per record, from the record's own triples, and writes them
on nodes of their own under `<base>computed/`:

- an eg:ComputedSummary per case: how many citations its reported claims have, from how many sources, how
  many rest on a title only, the sole source when there is one, and its single-source events and
  statements;
- an eg:ComputedPresence per host state, way (events, or residences of one role) and case, with the first
  and last dates recorded there.

Their classes and properties say in the vocabulary that exilegraph computed them: they are not a claim of
any source nor of the curators. Made from the record alone, they are cached with its mapped lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .rdf.namespaces import RDF_TYPE
from .rdf.terms import hash_id, iri, literal, parse_literal, split_line, typed
from .resources import schema_index

CASE_CLAIMS = ("events", "statements", "residences", "associates")  # the slots of a case that hold claims
SUBJECT_CLAIMS = ("alternative_names", "affiliations")  # and of its subject
SINGLE_SOURCE_KINDS = ("events", "statements")  # the claims single_source_claim lists


@lru_cache(maxsize=1)
def _terms() -> dict[str, str]:
    """IRI terms of the slots, classes and values this module reads and writes, from the schema."""
    idx = schema_index()
    slots: dict[str, str] = {}
    for c in idx["classes"].values():
        for name, s in c["slots"].items():
            slots.setdefault(name, iri(s["uri"]))
    out = dict(slots)
    out |= {f"class:{c}": iri(v["uri"]) for c, v in idx["classes"].items()}
    out["Assessed"] = iri(idx["enums"]["ClaimBasis"]["assessed"]["meaning"])
    out["TitleSupport"] = iri(idx["enums"]["CitationSupport"]["title"]["meaning"])
    return out


def _eg(name: str) -> str:
    return _terms()[name]


@dataclass
class _Index:
    """The record's triples by subject: {subject term: {predicate term: [object terms]}}."""

    by_subject: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, lines: Iterable[str]) -> _Index:
        out = cls()
        for line in lines:
            s, p, o = split_line(line)
            subject = f"<{s}>" if not s.startswith("_:") else s
            out.by_subject.setdefault(subject, {}).setdefault(f"<{p}>", []).append(o)
        return out

    def objects(self, subject: str, predicate: str) -> list[str]:
        return self.by_subject.get(subject, {}).get(predicate, [])


def computed_lines(lines: Iterable[str], case: str, case_id: str, base: str) -> list[str]:
    """The computed nodes of the case `case` (an IRI term, id `case_id`) as N-Triples lines, from the lines
    of its record; `base` ends in `/` or `#`.

    The subject's other names and affiliations count where the record describes the subject (a subject
    described in another record file brings none)."""
    index = _Index.of(lines)
    return _summary(index, case, iri(f"{base}computed/{case_id}")) + _presences(index, case, base, case_id)


def _summary(index: _Index, case: str, node: str) -> list[str]:
    claims = [(k, x) for k in CASE_CLAIMS for x in index.objects(case, _eg(k))]
    for subject in index.objects(case, _eg("subject")):
        claims += [(k, x) for k in SUBJECT_CLAIMS for x in index.objects(subject, _eg(k))]
    citations: set[str] = set()
    sources: set[str] = set()
    title_only: set[str] = set()
    single: set[str] = set()
    for kind, claim in claims:
        if _eg("Assessed") in index.objects(claim, _eg("basis")):
            continue  # the curators' assessment rests on a note, not on a source
        claim_sources: set[str] = set()
        for citation in index.objects(claim, _eg("citations")):
            derived = index.objects(citation, _eg("source"))
            if not derived:
                continue
            citations.add(citation)
            claim_sources.update(derived)
            if _eg("TitleSupport") in index.objects(citation, _eg("support")):
                title_only.add(citation)
        sources |= claim_sources
        if kind in SINGLE_SOURCE_KINDS and len(claim_sources) == 1:
            single.add(claim)
    lines = [
        f"{node} {RDF_TYPE} {_eg('class:ComputedSummary')} .",
        f"{node} {_eg('computed_for')} {case} .",
        f"{node} {_eg('reported_citation_count')} {typed(len(citations), 'integer')} .",
        f"{node} {_eg('cited_source_count')} {typed(len(sources), 'integer')} .",
        f"{node} {_eg('title_only_citation_count')} {typed(len(title_only), 'integer')} .",
    ]
    if len(sources) == 1:
        lines.append(f"{node} {_eg('sole_source')} {next(iter(sources))} .")
    lines += [f"{node} {_eg('single_source_claim')} {x} ." for x in sorted(single)]
    return lines


def _presences(index: _Index, case: str, base: str, case_id: str) -> list[str]:
    """One node per host state, way and role, with the smallest eg:earliest and largest eg:latest as text."""
    groups: dict[tuple[str, str, str | None], list[str]] = {}
    for event in index.objects(case, _eg("events")):
        for host in index.objects(event, _eg("host_state")):
            groups.setdefault((host, "events", None), []).append(event)
    for residence in index.objects(case, _eg("residences")):
        roles = index.objects(residence, _eg("residence_role")) or [None]
        for host in index.objects(residence, _eg("country")):
            for role in roles:
                groups.setdefault((host, "residence", role), []).append(residence)
    lines: list[str] = []
    for (host, through, role), members in groups.items():
        node = iri(f"{base}computed/{case_id}/{hash_id(host, through, role or '')}")
        firsts = [parse_literal(t).value for x in members for t in index.objects(x, _eg("earliest"))]
        lasts = [parse_literal(t).value for x in members for t in index.objects(x, _eg("latest"))]
        lines += [
            f"{node} {RDF_TYPE} {_eg('class:ComputedPresence')} .",
            f"{node} {_eg('computed_for')} {case} .",
            f"{node} {_eg('presence_state')} {host} .",
            f"{node} {_eg('presence_through')} {literal(through)} .",
        ]
        if role:
            lines.append(f"{node} {_eg('presence_role')} {role} .")
        if firsts:
            lines.append(f"{node} {_eg('presence_first')} {literal(min(firsts))} .")
        if lasts:
            lines.append(f"{node} {_eg('presence_last')} {literal(max(lasts))} .")
    return lines
