"""The evidence report as typed values: claims with their citations and sources, sections, conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..errors import ExilegraphError


def words(value) -> str:
    """An enum value as words: `database_entry` -> `database entry`."""
    return str(value).replace("_", " ")


class CaseNotFoundError(ExilegraphError):
    """The case id names no case of the records."""


@dataclass(frozen=True)
class SourceInfo:
    """A cited source as a reviewer needs it to find the document."""

    key: str
    source_type: str = "unknown"
    title: str | None = None
    outlet: str | None = None
    publisher: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None
    url: str | None = None
    accessed_date: str | None = None
    note: str | None = None
    defined: bool = True  # False when the record names a source it does not define

    def label(self) -> str:
        """Title, then who published it and when: one line."""
        who = ", ".join(self.authors) or self.outlet or self.publisher or ""
        parts = [f'"{self.title}"' if self.title else f"[untitled source `{self.key}`]"]
        parts += [p for p in (who, self.date, words(self.source_type)) if p]
        return ", ".join(parts)


@dataclass(frozen=True)
class CitationInfo:
    source: SourceInfo
    locator: str | None = None
    support: str = "text"  # text: the source's text says it; title: only its title does
    quote: str | None = None
    reference_text: str | None = None
    accessed_date: str | None = None


@dataclass
class ClaimInfo:
    """One claim of the case as the report lists it; `number` is its place in the checklist."""

    kind: str
    what: str
    key: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    basis: str = "reported"
    assessment_note: str | None = None
    citations: tuple[CitationInfo, ...] = ()
    number: int = 0

    @cached_property  # the citations are fixed once the claim is built
    def flags(self) -> tuple[str, ...]:
        """What a reviewer should look at first."""
        out = []
        if not self.citations:
            out.append("no citation")
        else:
            titles = [c.support == "title" for c in self.citations]
            if all(titles):
                out.append("title-only support")
            elif any(titles):
                out.append("some title-only support")
            if len({c.source.key for c in self.citations}) == 1:
                out.append("single source")
            if all(c.source.source_type == "database_entry" for c in self.citations):
                out.append("supported only by a database entry")
        if self.basis == "assessed":
            out.append("assessed")
        return tuple(out)


@dataclass(frozen=True)
class Section:
    title: str
    claims: tuple[ClaimInfo, ...]


@dataclass(frozen=True)
class ConflictInfo:
    key: str | None
    note: str | None
    claims: tuple[ClaimInfo, ...]
    missing: tuple[str, ...] = ()  # keys the conflict names that match no claim


@dataclass(frozen=True)
class Evidence:
    case_id: str
    subject: str
    record_path: str
    internal: bool
    context: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    conflicts: tuple[ConflictInfo, ...]

    @property
    def claims(self) -> list[ClaimInfo]:
        return [c for s in self.sections for c in s.claims]

    def counts(self) -> dict[str, int]:
        """Claims in total and per flag, for the report's head."""
        out = {"claims": len(self.claims)}
        for c in self.claims:
            for f in c.flags:
                out[f] = out.get(f, 0) + 1
        return out
