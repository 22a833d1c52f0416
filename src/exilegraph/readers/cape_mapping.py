"""Load mappings/cape.yaml once: the template's headings, empty markers, value phrases and citation patterns.

The mapping is data; this module only checks its shape, compiles its patterns and checks that every
value it maps to exists in the schema's enums, so a broken mapping fails at once with a clear message.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import ryaml

from ..errors import MappingError
from ..resources import MAPPINGS, schema_index
from .cape_text import phrase

MAPPING_FILE = MAPPINGS / "cape.yaml"
KINDS = ("field", "narrative", "bibliography")
CONVERTERS = (
    "text",
    "gender",
    "country",
    "categories",
    "stages",
    "date",
    "violence",
    "legal_status",
    "residences",
    "url",
)
_ISO = re.compile(r"^[A-Z]{2}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Heading:
    key: str
    kind: str
    pattern: re.Pattern
    field: str | None = None
    convert: str | None = None
    stage: int | None = None


@dataclass(frozen=True)
class Mapping:
    raw: dict
    headings: tuple[Heading, ...]
    name_line: re.Pattern
    preferred_name: str
    person_id: str
    case_id: str
    strip_markers: tuple[re.Pattern, ...]
    empty_values: frozenset
    strip_final_period: bool
    phrases: dict  # converter -> {phrase: enum value}
    category_separator: re.Pattern
    violence_separator: re.Pattern
    stage_token: re.Pattern
    residence_separator: re.Pattern
    residence_item: re.Pattern
    countries: dict  # lower-case name -> ISO code
    date_patterns: tuple[re.Pattern, ...]
    date_search: tuple[re.Pattern, ...]
    date_approximate: re.Pattern
    months: dict  # lower-case month name -> number
    bib: dict  # compiled bibliography patterns and settings
    references: dict  # compiled in-text reference patterns and settings
    sentences: dict  # how a paragraph is cut into claims
    profile: dict  # the profile as a source: key, source_type, title and locator templates


def _need(d: dict, key: str, where: str):
    if not isinstance(d, dict) or key not in d:
        raise MappingError(f"{MAPPING_FILE.name}: `{where}{key}` is missing")
    return d[key]


# the named groups the reader takes from each pattern
GROUPS = {
    "name_line.pattern": ("surname", "given"),
    "dates.patterns": ("y",),
    "dates.search": ("y",),
    "stages.token": ("n", "neg"),
    "residences.item": ("country", "role"),
    "violence.separator": ("answer", "rest"),
    "bibliography.year": ("year",),
    "bibliography.url": ("url",),
    "bibliography.accessed": ("accessed", "close"),
    "bibliography.accessed_open": ("accessed",),
    "bibliography.tracking_parameter": ("name",),
    "references.group": ("body",),
    "references.item": ("name", "year", "locator"),
}


def _rx(text, where: str, flags: int = re.IGNORECASE) -> re.Pattern:
    if not isinstance(text, str):
        raise MappingError(f"{MAPPING_FILE.name}: `{where}` must be a pattern (text)")
    try:
        pattern = re.compile(text, flags)
    except re.error as exc:
        raise MappingError(f"{MAPPING_FILE.name}: `{where}` is not a valid pattern: {exc}") from None
    missing = [g for g in GROUPS.get(where, ()) if g not in pattern.groupindex]
    if where.startswith("headings[") and where.endswith("label"):
        missing = [g for g in ("label", "value") if g not in pattern.groupindex]
    if missing:
        raise MappingError(f"{MAPPING_FILE.name}: `{where}` needs the named group(s) {', '.join(missing)}")
    return pattern


def _enum(name: str) -> set[str]:
    return {k for k in schema_index()["enums"][name]}


def _phrases(table: dict, enum: str, where: str) -> dict[str, str]:
    allowed = _enum(enum)
    out: dict[str, str] = {}
    for value, words in (table or {}).items():
        if value not in allowed:
            raise MappingError(
                f"{MAPPING_FILE.name}: `{where}.{value}` is not a value of the schema's {enum} enum"
            )
        for w in words or []:
            out[phrase(str(w))] = value
    return out


def countries(aliases: dict) -> dict[str, str]:
    """Country names (the enum's titles and the mapping's aliases) to ISO codes; only real ISO codes."""
    table = {}
    for code, meta in schema_index()["enums"]["Country"].items():
        if _ISO.match(code) and meta.get("title"):
            table[phrase(meta["title"])] = code
    for name, code in (aliases or {}).items():
        if code not in table.values():
            raise MappingError(
                f"{MAPPING_FILE.name}: country alias `{name}` names `{code}`, not a Country of the schema"
            )
        table[phrase(str(name))] = code
    return table


def _headings(raw: dict) -> tuple[Heading, ...]:
    line = _need(raw, "heading_line", "")
    out, keys = [], set()
    for i, h in enumerate(_need(raw, "headings", "")):
        where = f"headings[{i}]."
        key, kind = str(_need(h, "key", where)), _need(h, "kind", where)
        if not _SLUG.match(key) or key in keys:
            raise MappingError(f"{MAPPING_FILE.name}: `{where}key` must be a unique slug, found `{key}`")
        if kind not in KINDS:
            raise MappingError(f"{MAPPING_FILE.name}: `{where}kind` must be one of {', '.join(KINDS)}")
        convert = h.get("convert")
        if convert is not None and convert not in CONVERTERS:
            raise MappingError(
                f"{MAPPING_FILE.name}: `{where}convert` must be one of {', '.join(CONVERTERS)}"
            )
        if kind == "field" and (not h.get("field") or not convert):
            raise MappingError(f"{MAPPING_FILE.name}: `{where}` a field heading needs `field` and `convert`")
        stage = h.get("stage")
        if stage is not None and stage not in (1, 2, 3):
            raise MappingError(f"{MAPPING_FILE.name}: `{where}stage` must be 1, 2 or 3")
        label = str(_need(h, "label", where))
        pattern = _rx(line.replace("{label}", label), where + "label")
        keys.add(key)
        out.append(Heading(key, kind, pattern, h.get("field") or h.get("inline_field"), convert, stage))
    return tuple(out)


def _bibliography(b: dict) -> dict:
    w = "bibliography."
    source_type = str(_need(b, "source_type", w))
    if source_type not in _enum("SourceType"):
        raise MappingError(
            f"{MAPPING_FILE.name}: `{w}source_type` is not a value of the schema's SourceType enum"
        )
    quotes = []
    for q in _need(b, "title_quotes", w):
        if not isinstance(q, str) or len(q) != 2:
            raise MappingError(
                f"{MAPPING_FILE.name}: `{w}title_quotes` items are two characters: opening and closing"
            )
        quotes.append((q[0], q[1]))
    languages = []
    for i, rule in enumerate(b.get("languages") or []):
        marker = rule.get("marker")
        languages.append(
            (
                _rx(_need(rule, "letters", f"{w}languages[{i}]."), f"{w}languages[{i}].letters", 0),
                _rx(marker, f"{w}languages[{i}].marker", 0) if marker else None,
                str(_need(rule, "language", f"{w}languages[{i}].")),
            )
        )
    out = {
        k: _rx(_need(b, k, w), w + k)
        for k in (
            "year",
            "author",
            "author_separator",
            "online",
            "available",
            "url",
            "accessed",
            "accessed_open",
            "accessed_complete",
            "tracking_parameter",
        )
    }
    out.update(
        source_type=source_type,
        quotes=tuple(quotes),
        languages=tuple(languages),
        url_trailing=str(b.get("url_trailing") or ""),
        head_chars=int(_need(b, "entry_head_chars", w)),
    )
    return out


def _profile(p: dict) -> dict:
    w = "profile."
    source_type = str(_need(p, "source_type", w))
    if source_type not in _enum("SourceType"):
        raise MappingError(
            f"{MAPPING_FILE.name}: `{w}source_type` is not a value of the schema's SourceType enum"
        )
    loc = _need(p, "locators", w)
    templates = (
        (f"{w}title", _need(p, "title", w), {"surname": "x", "given": "y"}),
        (f"{w}locators.profile", _need(loc, "profile", w + "locators."), {"section": "x"}),
        (f"{w}locators.reference", _need(loc, "reference", w + "locators."), {"section": "x"}),
        (
            f"{w}locators.reference_with_page",
            _need(loc, "reference_with_page", w + "locators."),
            {"section": "x", "page": "p. 1"},
        ),
    )
    for where, template, fields in templates:
        try:
            str(template).format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            allowed = ", ".join("{" + f + "}" for f in fields)
            raise MappingError(f"{MAPPING_FILE.name}: `{where}` may only use {allowed} ({exc})") from None
    key = str(_need(p, "key", w))
    if not _SLUG.match(key):
        raise MappingError(f"{MAPPING_FILE.name}: `{w}key` must be a slug, found `{key}`")
    return {
        "key": key,
        "source_type": source_type,
        "title": str(p["title"]),
        "locators": {k: str(loc[k]) for k in ("profile", "reference", "reference_with_page")},
    }


@functools.cache
def load_mapping(path: Path = MAPPING_FILE) -> Mapping:
    """The profile template's mapping, checked.

    Raises MappingError naming the file and the entry when it cannot be read or is not usable."""
    try:
        return _load_mapping(path)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # an entry of the wrong shape
        raise MappingError(
            f"{path.name} is not a usable mapping: an entry has the wrong shape ({exc!r})"
        ) from None


def _load_mapping(path: Path) -> Mapping:
    try:
        raw = ryaml.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read {path}: {exc.strerror}") from None
    except Exception as exc:  # ryaml's InvalidYamlError; the message holds the line
        raise MappingError(f"{path.name} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path.name} must be a mapping")
    name = _need(raw, "name_line", "")
    ids = _need(raw, "ids", "")
    templates = (
        ("ids.person", ids.get("person"), {"slug": "x"}),
        ("ids.case", ids.get("case"), {"slug": "x"}),
        ("name_line.preferred_name", name.get("preferred_name"), {"given": "x", "surname": "y"}),
    )
    for where, template, fields in templates:
        try:
            str(template).format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            allowed = ", ".join("{" + f + "}" for f in fields)
            raise MappingError(f"{path.name}: `{where}` may only use {allowed} ({exc})") from None
    months = {}
    for number, names in _need(_need(raw, "dates", ""), "months", "dates.").items():
        for n in names:
            months[str(n).lower()] = int(number)
    dates = raw["dates"]
    vio = _need(raw, "violence", "")
    res = _need(raw, "residences", "")
    cat = _need(raw, "categories", "")
    refs = _need(raw, "references", "")
    phrases = {
        "gender": _phrases(_need(raw, "gender", ""), "Gender", "gender"),
        "categories": _phrases(_need(cat, "phrases", "categories."), "ExileCategory", "categories.phrases"),
        "legal_status": _phrases(_need(raw, "legal_status", ""), "LegalStatus", "legal_status"),
        "residence_roles": _phrases(_need(res, "roles", "residences."), "ResidenceRole", "residences.roles"),
        "violence": {
            **{phrase(str(w)): True for w in _need(vio, "yes", "violence.")},
            **{phrase(str(w)): False for w in _need(vio, "no", "violence.")},
        },
    }
    return Mapping(
        raw=raw,
        headings=_headings(raw),
        name_line=_rx(_need(name, "pattern", "name_line."), "name_line.pattern"),
        preferred_name=str(_need(name, "preferred_name", "name_line.")),
        person_id=str(_need(ids, "person", "ids.")),
        case_id=str(_need(ids, "case", "ids.")),
        strip_markers=tuple(_rx(p, "strip_markers") for p in raw.get("strip_markers") or []),
        empty_values=frozenset(str(v).strip().lower() for v in raw.get("empty_values") or []),
        strip_final_period=bool(raw.get("strip_final_period", True)),
        phrases=phrases,
        category_separator=_rx(_need(cat, "separator", "categories."), "categories.separator"),
        violence_separator=_rx(_need(vio, "separator", "violence."), "violence.separator"),
        stage_token=_rx(_need(_need(raw, "stages", ""), "token", "stages."), "stages.token"),
        residence_separator=_rx(_need(res, "separator", "residences."), "residences.separator"),
        residence_item=_rx(_need(res, "item", "residences."), "residences.item"),
        countries=countries((raw.get("countries") or {}).get("aliases")),
        date_patterns=tuple(_rx(p, "dates.patterns") for p in _need(dates, "patterns", "dates.")),
        date_search=tuple(_rx(p, "dates.search") for p in _need(dates, "search", "dates.")),
        date_approximate=_rx(_need(dates, "approximate", "dates."), "dates.approximate"),
        months=months,
        bib=_bibliography(_need(raw, "bibliography", "")),
        references={
            "group": _rx(_need(refs, "group", "references."), "references.group"),
            "separator": str(_need(refs, "separator", "references.")),
            "item": _rx(_need(refs, "item", "references."), "references.item"),
            "ignore": frozenset(phrase(str(w)) for w in refs.get("ignore_words") or []),
            "max_chars": int(refs.get("max_item_chars") or 200),
        },
        sentences={
            "abbreviations": frozenset(
                str(a).lower().rstrip(".")
                for a in _need(_need(raw, "sentences", ""), "abbreviations", "sentences.")
            )
        },
        profile=_profile(_need(raw, "profile", "")),
    )
