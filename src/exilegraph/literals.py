"""Values the mapper reads out of free text: the language a title is in, a day as the sources write it.

Both are cautious: a title keeps the document's language only when it is written in that language's
script; a day is read only when it is complete (a truncated year gives nothing, never a guess).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# the scripts of the languages the records use; a language not listed is trusted as given
SCRIPTS = {
    "CYRILLIC": {"ru", "uk", "be", "bg", "kk", "ky", "mk", "mn", "sr", "tg", "tt", "ba", "cv"},
    "LATIN": {
        "en",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "pl",
        "cs",
        "sk",
        "sl",
        "hr",
        "lt",
        "lv",
        "et",
        "fi",
        "sv",
        "no",
        "nb",
        "da",
        "ro",
        "hu",
        "tr",
        "az",
        "uz",
        "tk",
        "sq",
        "pt",
        "ca",
    },
    "GEORGIAN": {"ka"},
    "ARMENIAN": {"hy"},
    "ARABIC": {"ar", "fa", "ur", "ps", "ug"},
    "CJK": {"zh", "ja"},
}
_SCRIPT_OF = {lang: script for script, langs in SCRIPTS.items() for lang in langs}
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([a-z]{3,9})\.?,?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def script(text: str) -> str | None:
    """The script most letters of the text are written in (LATIN, CYRILLIC, ...), None without letters."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            key = "CJK" if name.startswith(("CJK", "HIRAGANA", "KATAKANA")) else name.split(" ", 1)[0]
            counts[key] = counts.get(key, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


def text_language(text: str, language: str | None, fallback: str) -> str:
    """The language tag for a text said to be in `language`: that language when the text is written in its
    script (or the language's script is not known), otherwise `fallback` (a curator's translation)."""
    if not language:
        return fallback
    expected = _SCRIPT_OF.get(language.split("-")[0].lower())
    found = script(text)
    return language if expected is None or found is None or found == expected else fallback


def parse_day(text: str) -> date | None:
    """A complete day written as 2018-05-23, 23 May 2018, 23 May, 2018, 3 Feb. 2019 or May 23, 2018.

    None for anything else, a truncated year included."""
    value = " ".join(str(text).split()).lower()
    parts = None
    if m := _ISO.match(value):
        parts = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _DAY_MONTH_YEAR.match(value):
        month = _month(m.group(2))
        parts = (int(m.group(3)), month, int(m.group(1))) if month else None
    elif m := _MONTH_DAY_YEAR.match(value):
        month = _month(m.group(1))
        parts = (int(m.group(3)), month, int(m.group(2))) if month else None
    if not parts:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def _month(word: str) -> int | None:
    """1-12 for an English month name or its abbreviation of three letters or more (Sept. too)."""
    return next((i + 1 for i, name in enumerate(_MONTHS) if name.startswith(word)), None)
