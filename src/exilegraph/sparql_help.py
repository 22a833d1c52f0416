"""Help for people who do not know the vocabulary: standard prefixes declared for them, a parse error as one
line with the line and column of their own text, and a warning with the nearest terms when a query names
a term of our namespace that the vocabulary does not define.

The query page can show and reuse the same prefixes (`standard_prefixes`, `prologue`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import QueryError
from .vocab import EG, defined_terms

_STANDARD = {
    "eg": EG,
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "http://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "wd": "http://www.wikidata.org/entity/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "edtf": "http://id.loc.gov/datatypes/edtf/",
}
_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")
_ERROR = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.S)
# strings, IRIs and comments are skipped so that a prefixed name inside them is not taken for one
_TOKENS = re.compile(
    r'''
    (?P<skip>\#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"
            |'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?<![\w.-])[A-Za-z][\w.-]*:[\w.%-]*|(?<![\w.-]):[\w.%-]*)
''',
    re.X | re.S,
)


@dataclass(frozen=True)
class Declared:
    """A query with the standard prefixes it lacks declared on one line of its own above it."""

    text: str
    shift: int  # lines added above the user's first line (0 or 1)


def standard_prefixes() -> dict[str, str]:
    """The prefixes every query may use without declaring them, by name."""
    return dict(_STANDARD)


def prologue(names: list[str] | None = None) -> str:
    """`PREFIX name: <namespace>` declarations, one line each, for a query page or a query's head."""
    return "".join(f"PREFIX {p}: <{_STANDARD[p]}>\n" for p in (names or _STANDARD))


def declare(text: str) -> Declared:
    """The query with every standard prefix it does not declare itself added on one first line."""
    own = {m.group(1) or "" for m in _DECLARED.finditer(_strip(text))}
    missing = [p for p in _STANDARD if p not in own]
    if not missing:
        return Declared(text, 0)
    return Declared(" ".join(f"PREFIX {p}: <{_STANDARD[p]}>" for p in missing) + "\n" + text, 1)


def check(declared: Declared, label: str = "the query") -> None:
    """Parse the query; raises QueryError, one line, with the line and column of the user's own text."""
    try:  # trailing blank lines would move the parser's position to the end of the text
        ox.Store().query(declared.text.rstrip())
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error in {label} at {_where(str(exc), declared, label)}") from None


def _where(message: str, declared: Declared, label: str) -> str:
    m = _ERROR.match(message)
    if not m:
        return _one_line(message)
    line, column, what = int(m.group(1)) - declared.shift, int(m.group(2)), _one_line(m.group(3))
    unknown = _undeclared(declared.text)
    if unknown:
        what += (
            f" (prefix {', '.join(p + ':' for p in unknown)} is not declared; add "
            f"PREFIX {unknown[0]}: <...> or use one of {', '.join(p + ':' for p in _STANDARD)})"
        )
    return f"line {max(line, 1)}, column {column}: {what}"


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 240 else text[:239] + "…"


def _undeclared(text: str) -> list[str]:
    own = {m.group(1) or "" for m in _DECLARED.finditer(_strip(text))}
    used = {m.group("pname").split(":", 1)[0] for m in _TOKENS.finditer(text) if m.lastgroup == "pname"}
    return sorted(used - own)


def _strip(text: str) -> str:
    """The text with strings, comments and IRIs blanked out."""
    return _TOKENS.sub(lambda m: " " if m.lastgroup in ("skip", "iri") else m.group(), text)


def vocabulary_warnings(text: str) -> list[str]:
    """One warning per term of our namespace the query names that vocab.ttl does not define, with the
    nearest defined terms (a misspelled predicate would otherwise silently match nothing)."""
    namespaces = dict(_STANDARD)
    for m in re.finditer(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:\s*<([^>]*)>", text):
        namespaces[m.group(1) or ""] = m.group(2)
    ours = [p for p, ns in namespaces.items() if ns == EG]
    named: dict[str, str] = {}  # IRI -> as written
    for m in _TOKENS.finditer(text):
        if m.lastgroup == "pname":
            written = m.group().rstrip(".")  # a triple's final dot may follow the name without a space
            prefix, _, local = written.partition(":")
            if prefix in ours and local:
                named.setdefault(EG + local, written)
        elif m.lastgroup == "iri" and m.group()[1:-1].startswith(EG) and len(m.group()) > len(EG) + 2:
            named.setdefault(m.group()[1:-1], m.group())
    defined = defined_terms()
    locals_ = sorted(t[len(EG) :] for t in defined)
    fields = _record_fields()
    out = []
    for term, written in sorted(named.items(), key=lambda x: x[1]):
        if term in defined:
            continue
        field = fields.get(term[len(EG) :])
        if field:  # a record's field name, written to RDF under another IRI (event_date is eg:date)
            out.append(
                f"{written} is not a term of the exilegraph vocabulary; the record field "
                f"{term[len(EG) :]} is written as {_short(field)}"
            )
            continue
        close = difflib.get_close_matches(term[len(EG) :], locals_, n=3, cutoff=0.6)
        hint = (
            f"; nearest: {', '.join('eg:' + c for c in close)}" if close else "; see vocab.ttl in the release"
        )
        out.append(f"{written} is not a term of the exilegraph vocabulary, so it matches nothing{hint}")
    return out


def _record_fields() -> dict[str, str]:
    """Field names of the records whose RDF predicate is not eg:<the same name>, with that predicate."""
    from .resources import schema_index

    out = {}
    for cls in schema_index()["classes"].values():
        for name, slot in cls["slots"].items():
            if slot["uri"] != EG + name:
                out.setdefault(name, slot["uri"])
    return out


def _short(uri: str) -> str:
    for prefix, ns in _STANDARD.items():
        if uri.startswith(ns) and re.match(r"^[\w-]*$", uri[len(ns) :]):
            return f"{prefix}:{uri[len(ns) :]}"
    return f"<{uri}>"
