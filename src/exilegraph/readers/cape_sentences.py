"""Split a profile's paragraph into claims: one per sentence, with the in-text references inside it.

In the template a reference closes the sentence it supports ("… in Vyshhorod (Mapping Media Freedom,
2017)."), so a sentence cites only the references written in it or right after its full stop
(".(24Kanal, 2018)"). A sentence without one is its own claim too, supported only by the profile:
attributing it to the next sentence's reference would make that source say what it may not.

Where splitting is unsure (an abbreviation the mapping does not list) it splits: a claim cut in two
cites less than it could, never more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cape_mapping import Mapping

_TERMINATOR = re.compile(r"[.!?]+[\"'”’»)]*")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w.]*)$")
_OPENING = "\"'“‘«("
ABBREVIATION_WINDOW = 24


@dataclass(frozen=True)
class Span:
    start: int  # offset of the first character in the paragraph's text
    end: int
    text: str


def _depths(text: str) -> list[int]:
    """Bracket depth before each character: a full stop inside brackets ends no sentence."""
    out, depth = [], 0
    for ch in text:
        out.append(depth)
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
    return out


def _starts_sentence(text: str, i: int) -> bool:
    """Whether the text from `i` (after spaces) reads as the start of a sentence: a capital letter,
    possibly after an opening quote."""
    j = i
    while j < len(text) and text[j] in _OPENING:
        j += 1
    return j < len(text) and text[j].isupper()


def _abbreviation(text: str, at: int, m: Mapping) -> bool:
    """Whether the full stop at `at` ends an abbreviation or an initial ("Dr.", "p.", "T.")."""
    # a short window: searching the whole text before every full stop was quadratic (or worse) on a long
    # run of letters and dots, and an abbreviation is a few characters long
    word = _WORD_BEFORE.search(text[max(0, at - ABBREVIATION_WINDOW) : at])
    if not word:
        return False
    w = word.group(1).lower()
    return (len(w) == 1 and text[at - 1].isupper()) or w in m.sentences["abbreviations"]


def split_sentences(text: str, m: Mapping, reference_groups: list[tuple[int, int]]) -> list[Span]:
    """The sentences of `text`, each with the reference group that directly follows its full stop.
    `reference_groups` are the (start, end) offsets of the bracketed groups holding references."""
    depth = _depths(text)
    groups = sorted(reference_groups)
    cuts: list[int] = []
    i = 0
    while i < len(text):
        if text[i] == ")" and any(e == i + 1 for _, e in groups) and depth[i] == 1:
            # a reference group with no full stop after it, followed by a new sentence
            j = i + 1
            while j < len(text) and text[j].isspace():
                j += 1
            if j > i + 1 and _starts_sentence(text, j):
                cuts.append(i + 1)
            i += 1
            continue
        found = _TERMINATOR.match(text, i) if text[i] in ".!?" and depth[i] == 0 else None
        if not found:
            i += 1
            continue
        end = found.end()
        if text[i] == "." and found.group() == "." and _abbreviation(text, i, m):
            i = end
            continue
        j = end
        while j < len(text) and text[j].isspace():
            j += 1
        group = next(((s, e) for s, e in groups if s == j), None)
        if group is not None:  # ".(24Kanal, 2018)": the reference closes the sentence before it
            end = group[1]
            trail = _TERMINATOR.match(text, end)
            if trail:
                end = trail.end()
            j = end
            while j < len(text) and text[j].isspace():
                j += 1
        if j >= len(text) or _starts_sentence(text, j):
            cuts.append(end)
        i = max(end, i + 1)
    spans, start = [], 0
    for cut in cuts + [len(text)]:
        piece = text[start:cut]
        lead = len(piece) - len(piece.lstrip())
        body = piece.strip()
        if body and any(ch.isalnum() for ch in body):
            spans.append(Span(start + lead, start + lead + len(body), body))
        elif body and spans:  # stray punctuation after the last sentence stays with it
            last = spans[-1]
            spans[-1] = Span(last.start, cut, text[last.start : cut].rstrip())
        start = cut
    return spans
