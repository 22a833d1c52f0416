"""The "Press sources" list of a profile: one source per entry, whatever of the usual citation styles it uses.

Handled: "Outlet. 2017. 'Title'. Date. [Online]. Available at: URL [Accessed ...]", "Outlet, 2017. ...",
"Outlet (2018) Title. [online] Site. Available at: URL[Accessed ...]", "Author, A. and Author, B. 2018. ...",
"(n.d.)". Damaged parts (an accessed date cut short, tracking parameters in a URL) are kept as given
and reported as warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cape_mapping import Mapping
from .cape_text import Block, compact, edtf_from_match, slug, squeeze, title_language

SOURCE_ORDER = (
    "key",
    "source_type",
    "title",
    "outlet",
    "publisher",
    "authors",
    "publication_date",
    "year",
    "language",
    "url",
    "accessed_date",
    "note",
)
_INITIAL_END = re.compile(r"(?:^|[\s.\-])[^\W\d_]\.$")
_PUNCT_ONLY = re.compile(r"^[\W_]*$")


@dataclass
class Entry:
    """One parsed bibliography entry: its source data, where each field is, and what to warn about."""

    block: Block
    source: dict
    offsets: dict = field(default_factory=dict)  # source field -> offset in block.text
    names: set = field(default_factory=set)  # compact names an in-text reference may use
    year: str = ""  # "2017", "2017a", "nd"; "" when unreadable
    warnings: list = field(default_factory=list)  # (field, offset, rule, message, fix)

    def where(self, fld: str) -> tuple[int, int]:
        return self.block.where(self.offsets.get(fld, 0))


def split_entries(lines: list[tuple[int, str]], m: Mapping) -> list[Block]:
    """Entries are separated by blank lines when the list has any between entries; otherwise each line with
    a year near its beginning starts an entry and other lines continue the one above."""
    filled = [bool(raw.strip()) for _, raw in lines]
    first = filled.index(True) if True in filled else 0
    last = len(filled) - filled[::-1].index(True) if True in filled else 0
    blank_separated = not all(filled[first:last])
    blocks: list[Block] = []
    current: Block | None = None
    for lineno, raw in lines:
        text = raw.strip()
        if not text:
            current = None
            continue
        starts = not blank_separated and m.bib["year"].search(text[: m.bib["head_chars"]]) is not None
        if current is None or starts:
            current = Block()
            blocks.append(current)
        current.add(lineno, raw)
    return blocks


def remove_ignored(text: str, m: Mapping) -> str:
    words = [w for w in re.split(r"\s+", text) if w.lower().strip(".,") not in m.references["ignore"]]
    return " ".join(words)


def _who(text: str) -> str:
    """The name part before the year, without the separators around it (keeps an initial's full stop)."""
    who = text.rstrip().rstrip("(,;:").rstrip()
    if who.endswith(".") and not _INITIAL_END.search(who):
        who = who[:-1].rstrip()
    return squeeze(who)


def _authors(who: str, m: Mapping) -> list[str] | None:
    parts = [p for p in m.bib["author_separator"].split(who) if p and p.strip()]
    if not parts or not all(m.bib["author"].match(squeeze(p)) for p in parts):
        return None
    return [squeeze(p) for p in parts]


def _title(rest: str, m: Mapping) -> tuple[str | None, int, int]:
    """(title, start, end) in `rest`; end is where the text after the title begins."""
    if rest and any(rest[0] == o for o, _ in m.bib["quotes"]):
        close = next(c for o, c in m.bib["quotes"] if o == rest[0])
        for i in range(1, len(rest)):
            if rest[i] == close and (i + 1 == len(rest) or rest[i + 1] in " \t.,;:[("):
                title = rest[1:i].strip()
                return (title or None), 1, i + 1
    stops = [
        x.start()
        for x in (
            m.bib["online"].search(rest),
            m.bib["available"].search(rest),
            m.bib["url"].search(rest),
            m.bib["accessed_open"].search(rest),
        )
        if x
    ]
    seg = rest[: min(stops)] if stops else rest
    cut = re.search(r"\.(?:\s|$)", seg)
    end = cut.start() if cut else len(seg.rstrip())
    title = seg[:end].strip()
    if not title or _PUNCT_ONLY.match(title) or m.bib["year"].fullmatch(title):
        return None, 0, 0
    return title, 0, end


def _date(seg: str, m: Mapping) -> tuple[str | None, int, int]:
    """(EDTF date, start, end) of the first date the mapping's search patterns find in `seg`."""
    for pattern in m.date_search:
        for found in pattern.finditer(seg):
            value = edtf_from_match(found, m.months)
            if value:
                return value, found.start(), found.end()
    return None, 0, 0


def _leftover(seg: str) -> str | None:
    """What is left of a segment once its date is taken out, when it holds any words."""
    text = squeeze(seg).strip(" .,;:")
    return text if any(ch.isalpha() for ch in text) else None


def parse_entry(block: Block, m: Mapping, index: int) -> Entry:
    t = block.text
    b = m.bib
    source: dict = {"key": "", "source_type": b["source_type"]}
    entry = Entry(block, source)
    year_m = b["year"].search(t[: b["head_chars"]])
    who = _who(t[: year_m.start()]) if year_m else ""
    if not year_m or not who:
        source["key"] = f"source-{index + 1}"
        source["note"] = t
        entry.warnings.append(
            (
                "note",
                0,
                "unreadable-source",
                "this entry of the source list has no outlet or author followed by a year; kept as a note",
                "write it as `Outlet, YEAR. 'Title'. Date. Available at: URL`",
            )
        )
        _url(entry, t, 0, m)
        entry.source = {k: source[k] for k in SOURCE_ORDER if k in source}
        return entry
    token = year_m.group("year").lower()
    entry.year = "nd" if token.startswith("n") else token
    authors = _authors(who, m)
    if authors:
        surnames = [a.split(",")[0].strip() for a in authors]
        source["authors"] = authors
        base = "-".join(surnames[:2]) + ("-et-al" if len(surnames) > 2 else "")
        entry.names.add(compact(remove_ignored(" ".join(surnames), m)))
        if len(surnames) > 1:
            entry.names.add(compact(surnames[0] + " et al"))
        entry.offsets["authors"] = 0
    else:
        source["outlet"] = who
        base = who
        entry.names.add(compact(remove_ignored(who, m)))
        entry.offsets["outlet"] = 0
    source["key"] = f"{slug(base) or 'source'}-{slug(entry.year) or 'nd'}"
    if entry.year.isdigit() or entry.year[:4].isdigit():
        source["year"] = int(entry.year[:4])
    entry.offsets["year"] = year_m.start()

    start = year_m.end()
    while start < len(t) and t[start] in " \t).,;:":
        start += 1
    rest = t[start:]
    title, t_start, t_end = _title(rest, m)
    if title:
        source["title"] = title
        entry.offsets["title"] = start + t_start
        language = title_language(title, b["languages"])
        if language:
            source["language"] = language
            entry.offsets["language"] = start + t_start
    after = rest[t_end:]
    base_off = start + t_end
    online, avail = b["online"].search(after), b["available"].search(after)
    url_m, acc_m = b["url"].search(after), b["accessed_open"].search(after) or b["accessed"].search(after)
    first = min([x.start() for x in (online, avail, url_m, acc_m) if x] or [len(after)])
    pre = after[:first]
    date, d_off, d_end = _date(pre, m)
    rest_words = _leftover(pre[:d_off] + " " + pre[d_end:]) if date else _leftover(pre)
    if rest_words:  # e.g. a journal's name and issue: kept, as a note
        source["note"] = rest_words
        entry.offsets["note"] = base_off
    if date is None and online:
        between_end = min(
            [x.start() for x in (avail, url_m, acc_m) if x and x.start() >= online.end()] or [len(after)]
        )
        between = after[online.end() : between_end]
        date, d_off, _ = _date(between, m)
        d_off += online.end()
        site = _leftover(between)
        if date is None and site:
            source["publisher"] = site
            entry.offsets["publisher"] = base_off + online.end() + (len(between) - len(between.lstrip()))
    if date:
        source["publication_date"] = date
        entry.offsets["publication_date"] = base_off + d_off
    _url(entry, after, base_off, m)
    _accessed(entry, after, base_off, m)
    entry.source = {k: source[k] for k in SOURCE_ORDER if k in source}
    return entry


def _url(entry: Entry, text: str, base: int, m: Mapping) -> None:
    avail = m.bib["available"].search(text)
    url_m = m.bib["url"].search(text, avail.end() if avail else 0) or m.bib["url"].search(text)
    if not url_m:
        return
    url = url_m.group("url").rstrip(m.bib["url_trailing"])
    off = base + url_m.start("url")
    if not url.lower().startswith(("http://", "https://")):
        note = entry.source.get("note")
        entry.source["note"] = (
            f"{note}; address given without a scheme: {url}"
            if note
            else f"Address given without a scheme: {url}"
        )
        entry.warnings.append(
            (
                "note",
                off,
                "url-without-scheme",
                f"the address `{url}` has no http:// or https://; kept in the note, not as the source's url",
                "write the address in full, with https://",
            )
        )
        return
    entry.source["url"] = url
    entry.offsets["url"] = off
    tracking = sorted({p.group("name") for p in m.bib["tracking_parameter"].finditer(url)})
    if tracking:
        entry.warnings.append(
            (
                "url",
                off,
                "tracking-parameters",
                f"the address carries tracking parameters ({', '.join(tracking)}); kept as given",
                "remove the tracking parameters from the address in the profile",
            )
        )


def _accessed(entry: Entry, text: str, base: int, m: Mapping) -> None:
    closed = m.bib["accessed"].search(text)
    found = closed or m.bib["accessed_open"].search(text)
    if not found:
        return
    value = squeeze(found.group("accessed"))
    off = base + found.start("accessed")
    if not value:
        return
    entry.source["accessed_date"] = value
    entry.offsets["accessed_date"] = off
    problems = []
    if not closed:
        problems.append("its closing bracket is missing")
    if not m.bib["accessed_complete"].search(value):
        problems.append("it has no four-digit year")
    if problems:
        entry.warnings.append(
            (
                "accessed_date",
                off,
                "damaged-accessed-date",
                f"the accessed date `{value}` looks cut short ({'; '.join(problems)}); kept as given",
                "complete the accessed date in the profile, e.g. [Accessed 23 May 2018]",
            )
        )


def parse_bibliography(lines: list[tuple[int, str]], m: Mapping) -> list[Entry]:
    entries = [parse_entry(block, m, i) for i, block in enumerate(split_entries(lines, m))]
    seen: dict[str, int] = {}
    for e in entries:  # keys stay unique: a second "outlet-2017" becomes "outlet-2017-2"
        key = e.source["key"]
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            while f"{key}-{seen[key]}" in seen:
                seen[key] += 1
            e.source["key"] = f"{key}-{seen[key]}"
            seen[e.source["key"]] = 1
    return entries
