"""Small text helpers of the profile reader: slugs, phrase comparison, dates, script, positions."""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import unicodedata

# Cyrillic to Latin for ids and keys only (names keep their script everywhere else).
_CYRILLIC = dict(
    zip(
        "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюяәғқңөұүһў",
        [
            "a",
            "b",
            "v",
            "g",
            "g",
            "d",
            "e",
            "e",
            "ye",
            "zh",
            "z",
            "i",
            "i",
            "yi",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "a",
            "g",
            "q",
            "n",
            "o",
            "u",
            "u",
            "h",
            "u",
        ],
    )
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def slug(text: str, limit: int = 60) -> str:
    """Lower-case letters, digits and hyphens: `Hromadske.ua.` -> `hromadske-ua`; '' when nothing is left."""
    low = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower())
    ascii_ = unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode("ascii")
    out = _NOT_SLUG.sub("-", ascii_).strip("-")
    return out[:limit].rstrip("-")


def squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def phrase(text: str) -> str:
    """How mapping phrases and values are compared: lower case, squeezed, no punctuation at the ends."""
    return squeeze(text).lower().strip(" .,;:!?\"'()[]")


def compact(text: str) -> str:
    """How in-text names and bibliography names are compared: lower case letters and digits only."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


# --- dates -----------------------------------------------------------------------------------------


def edtf_from_match(m: re.Match, months: dict[str, int]) -> str | None:
    """The EDTF date of a date pattern's match (groups y, m or mon, d), or None when it is no real date."""
    groups = m.groupdict()
    year = int(groups["y"])
    month = groups.get("m")
    if groups.get("mon"):
        month = months.get(groups["mon"].lower().rstrip("."))
        if month is None:
            return None
    day = groups.get("d")
    if month is None:
        return f"{year:04d}" if day is None else None
    month = int(month)
    try:
        if day is None:
            _dt.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        _dt.date(year, month, int(day))
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{int(day):02d}"


# --- script ----------------------------------------------------------------------------------------


def title_language(title: str, rules: list[tuple[re.Pattern, re.Pattern | None, str]]) -> str | None:
    """The language of a title written mostly in another script, by the mapping's simple rules."""
    letters = [ch for ch in title if ch.isalpha()]
    if not letters:
        return None
    for script, marker, language in rules:
        share = sum(1 for ch in letters if script.match(ch)) / len(letters)
        if share > 0.5 and (marker is None or marker.search(title)):
            return language
    return None


# --- positions -------------------------------------------------------------------------------------


class Block:
    """Consecutive non-blank lines joined by one space, remembering where each character came from."""

    def __init__(self, lines: list[tuple[int, int, str]] | None = None):
        self.lines: list[tuple[int, int, str]] = []  # (line number, column of first char, text)
        self._text: str | None = None
        self._starts: list[int] = []
        for lineno, col, text in lines or []:
            self.lines.append((lineno, col, text))

    def add(self, lineno: int, raw: str) -> None:
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        self.lines.append((lineno, lead + 1, stripped))
        self._text = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = " ".join(t for _, _, t in self.lines)
            self._starts, start = [], 0
            for _, _, t in self.lines:
                self._starts.append(start)
                start += len(t) + 1
        return self._text

    @property
    def line(self) -> int:
        return self.lines[0][0]

    def where(self, offset: int) -> tuple[int, int]:
        """(line, column) of the character at `offset` of `text`."""
        if not self.lines:
            return 1, 1
        self.text  # noqa: B018 - computes the line starts
        i = max(0, bisect.bisect_right(self._starts, offset) - 1)
        lineno, col, t = self.lines[i]
        return lineno, col + min(max(0, offset - self._starts[i]), len(t))

    def is_empty(self) -> bool:
        return not self.lines
