"""Reader for case profiles in the database's text template ("cape"), driven by mappings/cape.yaml.

A profile is a name line ("Surname, Given"), then headings ("Gender: .", "Stage 2 details (...):") with an
inline value or paragraphs below them, and a "Press sources" list. One-line values become fields of the
person and the case; every paragraph becomes a statement of the case whose in-text references
("(Radio Free Europe, 2017)") are resolved to the sources of the list. Damaged parts are kept as given and
reported as warnings in `raw.findings`; only input that cannot be read at all raises RecordError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordError
from ..findings import ERROR, WARNING, Finding
from ..records import RawRecord, dotted
from ..resources import dataset_folder
from .cape_bibliography import Entry, parse_bibliography
from .cape_citations import Reference, Resolver, find_references
from .cape_fields import CONVERT, Problem, clean
from .cape_mapping import MAPPING_FILE, Heading, Mapping, load_mapping
from .cape_sentences import Span, split_sentences
from .cape_text import Block, slug, squeeze, title_language
from .text import decode_utf8

CASE_ORDER = (
    "id",
    "subject",
    "state_of_concern",
    "categories",
    "alleged_affiliation",
    "stages",
    "most_serious_incident_date",
    "violence_reported",
    "violence_description",
    "residences",
    "legal_status",
    "legal_status_note",
    "current_status",
    "attributions",
    "statements",
)
PERSON_FIELDS = ("gender",)
CLAIM_FIELDS = ("residences",)  # fields whose items are claims, each needing a citation
PROFILE_ONLY = (
    "supported only by the profile: no in-text reference of the source list supports this claim, "
    "so it cites the profile itself"
)
PROFILE_ONLY_FIX = "end the sentence with the reference of a source that says it, e.g. (Outlet, 2017)"
ATTRIBUTABLE = ("state_of_concern", "categories", "gender", "stages", "most_serious_incident_date")


@dataclass
class Section:
    heading: Heading
    label: str  # the heading as the profile writes it, without description and colon
    line: int
    value: str  # what follows the colon on the heading's line
    value_col: int
    blocks: list[Block] = field(default_factory=list)  # paragraphs below the heading
    lines: list[tuple[int, str]] = field(default_factory=list)  # raw lines below a bibliography heading


class Positions:
    """`raw.locate`: the line and column recorded for a field path, else for its nearest parent, else (1, 1)."""

    def __init__(self, table: dict[tuple, tuple[int, int]]):
        self.table = table

    def __call__(self, path) -> tuple[int, int]:
        p = tuple(path)
        while p:
            if p in self.table:
                return self.table[p]
            p = p[:-1]
        return self.table.get((), (1, 1))


def _fail(
    path: str, line: int, col: int, rule: str, message: str, fix: str | None, fld: str = ""
) -> RecordError:
    return RecordError([Finding(path, line, col, ERROR, rule, fld, message, fix)])


def decode(path: str, data: bytes) -> list[str]:
    """The file's lines, without BOM and line ends (CRLF, CR or LF)."""
    text = decode_utf8(path, data, "save the profile as UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _heading(text: str, m: Mapping):
    for h in m.headings:
        found = h.pattern.match(text)
        if found:
            return h, found
    return None, None


def split_sections(path: str, lines: list[str], m: Mapping) -> tuple[tuple[int, str, str], list[Section]]:
    """((line, surname, given), sections) of the profile; RecordError when its shape is not the template's."""
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise _fail(
            path,
            1,
            1,
            "empty-profile",
            "the profile is empty",
            "start it with the name line `Surname, Given`",
        )
    name_text = lines[first].strip()
    name = m.name_line.match(name_text)
    if name is None or _heading(name_text, m)[0] is not None:
        raise _fail(
            path,
            first + 1,
            1,
            "missing-name",
            "the profile must start with the name line `Surname, Given`",
            "put the person's name, surname first, on the first line",
        )
    surname, given = squeeze(name.group("surname")), squeeze(name.group("given"))
    sections: list[Section] = []
    seen: dict[str, int] = {}
    current: Section | None = None
    block: Block | None = None
    for i in range(first + 1, len(lines)):
        raw, lineno = lines[i], i + 1
        stripped = raw.strip()
        h, found = _heading(stripped, m) if stripped else (None, None)
        if h is not None:
            label = squeeze(found.group("label"))
            if h.key in seen:
                raise _fail(
                    path,
                    lineno,
                    1,
                    "duplicate-heading",
                    f"the heading `{label}` appears twice (first on line {seen[h.key]})",
                    "merge the two sections into one",
                    label,
                )
            seen[h.key] = lineno
            lead = len(raw) - len(raw.lstrip())
            current = Section(h, label, lineno, found.group("value"), lead + found.start("value") + 1)
            sections.append(current)
            block = None
            if h.kind == "bibliography" and current.value.strip():  # the first entry on the heading's line
                current.lines.append((lineno, " " * (current.value_col - 1) + current.value))
            continue
        if current is not None and current.heading.kind == "bibliography":
            current.lines.append((lineno, raw))
            continue
        if not stripped:
            block = None
            continue
        if current is None:
            raise _fail(
                path,
                lineno,
                1,
                "unexpected-text",
                "text between the name line and the first heading",
                "put it under a heading of the template (e.g. `Who, Why and How exiled:`)",
            )
        if block is None:
            block = Block()
            current.blocks.append(block)
        block.add(lineno, raw)
    return (first + 1, surname, given), sections


class _Builder:
    """Turns the sections into the RecordFile-shaped data, its positions and the warnings."""

    def __init__(self, path: str, m: Mapping):
        self.path, self.m = path, m
        self.case: dict = {}
        self.person: dict = {}
        self.statements: list[dict] = []
        self.positions: dict[tuple, tuple[int, int]] = {}
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}
        self.resolver: Resolver | None = None
        self.profile_key = m.profile["key"]
        self.profile: dict = {}  # fields of the profile's own source the profile gives (its URL)
        self.profile_used = False
        self.attributions: list[dict] = []

    def warn(
        self, line: int, col: int, rule: str, fpath: tuple, message: str, fix: str | None = None
    ) -> None:
        self.findings.append(Finding(self.path, line, col, WARNING, rule, dotted(fpath), message, fix))

    def field_value(self, sec: Section, value: str) -> None:
        where = (sec.line, sec.value_col + _lead(sec.value))
        got = CONVERT[sec.heading.convert](value, self.m, sec.heading.field)
        if isinstance(got, Problem):
            n = len(self.statements)
            self.warn(
                *where, got.rule, ("case", "statements", n, "text"), f"{sec.label}: {got.message}", got.fix
            )
            self.statement(sec, Block([(sec.line, sec.value_col + _lead(sec.value), sec.value.strip())]))
            return
        for name, v in got.items():
            if name.startswith("profile."):
                self.profile[name.split(".", 1)[1]] = v
                self.positions[("profile", name.split(".", 1)[1])] = where
                continue
            if name in ATTRIBUTABLE:  # a case-level field the profile gives: attributed to the profile
                self.positions[("case", "attributions", len(self.attributions))] = where
                self.attributions.append({"field": name, "citations": [self.cite_profile(sec)]})
            if name in CLAIM_FIELDS:  # claims read from a one-line value: the profile is their only source
                for j, item in enumerate(v):
                    item["citations"] = [self.cite_profile(sec)]
                    self.warn(
                        *where, "profile-only", ("case", name, j, "citations"), PROFILE_ONLY, PROFILE_ONLY_FIX
                    )
            target = ("persons", 0, name) if name in PERSON_FIELDS else ("case", name)
            (self.person if name in PERSON_FIELDS else self.case)[name] = v
            self.positions[target] = where
            if isinstance(v, list):
                for j in range(len(v)):
                    self.positions[target + (j,)] = where
        if got.get("violence_reported") is True:
            # the answer as written is the statement that says what is known of the violence (the profile
            # has no stage-3 event to show it), so the case releases; it rests on the profile alone
            self.statement(sec, Block([(sec.line, sec.value_col + _lead(sec.value), sec.value.strip())]))

    def statement(self, sec: Section, block: Block) -> None:
        """One statement per sentence of the paragraph, each citing the references that close it."""
        text = block.text
        refs = find_references(text, self.m)
        groups = [
            (g.start(), g.end())
            for g in self.m.references["group"].finditer(text)
            if any(g.start() <= r.start < g.end() for r in refs)
        ]
        for span in split_sentences(text, self.m, groups):
            self.claim(sec, block, span, [r for r in refs if span.start <= r.start < span.end])

    def claim(self, sec: Section, block: Block, span: Span, refs: list[Reference]) -> None:
        n = self.counts[sec.heading.key] = self.counts.get(sec.heading.key, 0) + 1
        i = len(self.statements)
        spath = ("case", "statements", i)
        st: dict = {"key": f"{sec.heading.key}-{n}", "text": span.text, "section": sec.label}
        if sec.heading.stage:
            st["stage"] = sec.heading.stage
        language = title_language(span.text, self.m.bib["languages"])
        if language:
            st["language"] = language
        self.positions[spath] = self.positions[spath + ("text",)] = block.where(span.start)
        self.positions[spath + ("section",)] = (sec.line, 1)
        locators = self.m.profile["locators"]
        citations: list[dict] = []
        for ref in refs:
            line, col = block.where(ref.start)
            entry, rule, message = self.resolver.resolve(ref)
            if entry is None:
                self.warn(
                    line,
                    col,
                    rule,
                    spath + ("text",),
                    message,
                    "add the source to the Press sources list, or correct the reference's name and year",
                )
                continue
            locator = (
                locators["reference_with_page"].format(page=ref.locator, section=sec.label)
                if ref.locator
                else locators["reference"].format(section=sec.label)
            )
            cit = {"source": entry.source["key"], "locator": locator, "reference_text": ref.text}
            if any(c["source"] == cit["source"] and c["locator"] == locator for c in citations):
                continue
            self.positions[spath + ("citations", len(citations))] = (line, col)
            citations.append(cit)
        if not citations:
            citations.append(self.cite_profile(sec))
            self.positions[spath + ("citations", 0)] = block.where(span.start)
            self.warn(
                *block.where(span.start),
                "profile-only",
                spath + ("citations",),
                PROFILE_ONLY,
                PROFILE_ONLY_FIX,
            )
        st["citations"] = citations
        self.statements.append(st)

    def cite_profile(self, sec: Section) -> dict:
        self.profile_used = True
        return {
            "source": self.profile_key,
            "locator": self.m.profile["locators"]["profile"].format(section=sec.label),
        }

    def section(self, sec: Section) -> None:
        h = sec.heading
        if h.kind == "field":
            value = clean(sec.value, self.m)
            if value is not None:
                self.field_value(sec, value)
        elif clean(sec.value, self.m) is not None:  # a narrative heading with its text on the same line
            if h.field and h.convert:
                self.field_value(sec, clean(sec.value, self.m))
            else:
                self.statement(sec, Block([(sec.line, sec.value_col + _lead(sec.value), sec.value.strip())]))
        for block in sec.blocks:
            if clean(block.text, self.m, final_period=False) is not None:
                self.statement(sec, block)

    def sources(self, entries: list[Entry]) -> list[dict]:
        for i, e in enumerate(entries):
            self.positions[("sources", i)] = self.positions[("sources", i, "key")] = (
                e.block.line,
                e.block.lines[0][1],
            )
            for fld in e.source:
                self.positions[("sources", i, fld)] = e.where(fld)
            for j in range(len(e.source.get("authors") or [])):
                self.positions[("sources", i, "authors", j)] = e.where("authors")
            for fld, off, rule, message, fix in e.warnings:
                line, col = e.block.where(off)
                self.warn(line, col, rule, ("sources", i, fld), message, fix)
        return [e.source for e in entries]


def _lead(text: str) -> int:
    return len(text) - len(text.lstrip())


def _profile_source(b: _Builder, m: Mapping, surname: str, given: str, name_line: int, i: int) -> dict:
    """The profile as a database entry of the record, placed at its name line (its URL at its heading)."""
    src = {
        "key": b.profile_key,
        "source_type": m.profile["source_type"],
        "title": m.profile["title"].format(surname=surname, given=given),
    }
    b.positions[("sources", i)] = b.positions[("sources", i, "key")] = (name_line, 1)
    if "url" in b.profile:
        src["url"] = b.profile["url"]
        b.positions[("sources", i, "url")] = b.positions[("profile", "url")]
    return src


def build(path: str, lines: list[str], m: Mapping) -> tuple[dict, dict, list[Finding]]:
    """(data, positions, warnings) of one profile."""
    (name_line, surname, given), sections = split_sections(path, lines, m)
    base = slug(f"{surname} {given}")
    if not base:
        raise _fail(
            path,
            name_line,
            1,
            "unusable-name",
            "the name line gives no letters or digits to make an id from",
            "write the name in Latin or Cyrillic letters",
        )
    b = _Builder(path, m)
    entries: list[Entry] = []
    for sec in sections:
        if sec.heading.kind == "bibliography":
            entries = parse_bibliography(sec.lines, m)
    b.resolver = Resolver(entries, m)
    taken = {e.source["key"] for e in entries}
    b.profile_key = next(
        k for k in (m.profile["key"], *(f"{m.profile['key']}-{i}" for i in range(2, 99))) if k not in taken
    )
    person_id = m.person_id.format(slug=base)
    b.person = {"id": person_id, "preferred_name": m.preferred_name.format(given=given, surname=surname)}
    b.case = {"id": m.case_id.format(slug=base), "subject": person_id}
    for key in (
        ("persons",),
        ("persons", 0),
        ("persons", 0, "id"),
        ("persons", 0, "preferred_name"),
        ("case",),
        ("case", "id"),
        ("case", "subject"),
    ):
        b.positions[key] = (name_line, 1)
    for sec in sections:
        if sec.heading.kind != "bibliography":
            b.section(sec)
    sources = b.sources(entries)
    if b.profile_used:
        sources.append(_profile_source(b, m, surname, given, name_line, len(sources)))
    if b.statements:
        b.case["statements"] = b.statements
    if b.attributions:
        b.case["attributions"] = b.attributions
    case = {k: b.case[k] for k in CASE_ORDER if k in b.case}
    person = {k: b.person[k] for k in ("id", "preferred_name", "gender") if k in b.person}
    data: dict = {"persons": [person], "case": case}
    if sources:
        data["sources"] = sources
    bib = next((s for s in sections if s.heading.kind == "bibliography"), None)
    if bib is not None:
        b.positions[("sources",)] = (bib.line, 1)
    return data, b.positions, b.findings


class CapeReader:
    """The registered reader; `mapping` names another mapping file (a variant of the template)."""

    name = "cape"
    suffixes = (".txt",)

    def __init__(self, mapping: Path | None = None):
        self._mapping = Path(mapping) if mapping else None

    @property
    def mapping(self) -> Path:
        """The mapping given, else the working dataset's own mappings/cape.yaml, else the toolkit's."""
        if self._mapping is not None:
            return self._mapping
        own = dataset_folder("mappings")
        return own / MAPPING_FILE.name if own and (own / MAPPING_FILE.name).is_file() else MAPPING_FILE

    def read(self, path: str, data: bytes, sha256: str) -> RawRecord:
        m = load_mapping(self.mapping)
        lines = decode(path, data)
        synthetic = False
        for i, line in enumerate(lines):  # a leading block of `#` comments is a header, not the name line
            if not line.startswith("#"):
                break
            synthetic = synthetic or line[1:].strip().lower().replace(" ", "") == "synthetic:true"
            lines[i] = ""  # blank, so that line numbers stay those of the file
        record, positions, warnings = build(path, lines, m)
        if synthetic:
            record = {"synthetic": True, **record}
        raw = RawRecord(path, sha256, self.name, record, Positions(positions))
        raw.findings.extend(warnings)
        return raw
