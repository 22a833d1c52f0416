"""In-text references of a profile ("(Radio Free Europe, 2017; Ferghana news, 2017)") resolved to its source list.

A reference matches an entry when both the name (outlet, or the authors' surnames) and the year agree,
ignoring case, punctuation and spacing. Nothing is guessed: a reference with no entry, or with more
than one, is reported and left without a citation.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cape_bibliography import Entry, remove_ignored
from .cape_mapping import Mapping
from .cape_text import compact, squeeze


@dataclass(frozen=True)
class Reference:
    start: int  # offset of the item in the paragraph
    name: str
    year: str  # "2017", "2017a" or "nd"
    locator: str | None
    text: str  # "(Radio Free Europe, 2017)"


def find_references(text: str, m: Mapping) -> list[Reference]:
    """The items of every bracketed group of `text` that read as "Name, Year[, p. N]"."""
    refs = m.references
    out: list[Reference] = []
    for group in refs["group"].finditer(text):
        body_start = group.start("body")
        pos = 0
        for part in group.group("body").split(refs["separator"]):
            item_start = body_start + pos + (len(part) - len(part.lstrip()))
            pos += len(part) + len(refs["separator"])
            item = squeeze(part)
            if not item or len(item) > refs["max_chars"]:
                continue
            found = refs["item"].match(item)
            if not found:
                continue
            year = found.group("year").lower()
            locator = found.group("locator")
            out.append(
                Reference(
                    item_start,
                    found.group("name"),
                    "nd" if year.startswith("n") else year,
                    squeeze(locator) if locator else None,
                    f"({item})",
                )
            )
    return out


class Resolver:
    """Looks references up among the entries by (compact name, year)."""

    def __init__(self, entries: list[Entry], m: Mapping):
        self.m = m
        self.by_key: dict[tuple[str, str], list[Entry]] = {}
        self.by_name: dict[str, list[Entry]] = {}
        for e in entries:
            if not e.year:
                continue
            for name in e.names:
                if name:
                    self.by_key.setdefault((name, e.year), []).append(e)
                    self.by_name.setdefault(name, []).append(e)

    def resolve(self, ref: Reference) -> tuple[Entry | None, str | None, str | None]:
        """(entry, None, None) when resolved, else (None, rule, message)."""
        name = compact(remove_ignored(ref.name, self.m))
        found = self.by_key.get((name, ref.year), [])
        if len(found) == 1:
            return found[0], None, None
        shown = ref.text
        if len(found) > 1:
            keys = ", ".join(f"`{e.source['key']}`" for e in found)
            return (
                None,
                "ambiguous-reference",
                f"{shown} fits more than one entry of the source list ({keys}); not linked",
            )
        same_name = self.by_name.get(name, [])
        if same_name:
            years = ", ".join(sorted({e.year for e in same_name}))
            return (
                None,
                "unresolved-reference",
                (f"{shown}: the source list has this name only for {years}; no citation was made"),
            )
        return (
            None,
            "unresolved-reference",
            f"{shown} names no entry of the source list; no citation was made",
        )
