"""The query catalogue (queries/*.rq) and parameters bound into any query as one RDF term each.

A catalogue query opens with a comment block:

    # title: Timeline of one case
    # answers: What happened in a case, in date order ...?
    # param: case — case id (example: akhmetova-zhanara)
    # param: since — ... (example: 2015) (optional)
    # page: 500 cases
    # note: anything else readers should know

A parameter is bound by adding `VALUES ?name { term }` at the top of the query's WHERE group. The name
says how a value is read: country parameters (state, host, country, citizenship, *_state) take an ISO
3166 code and become the country's Wikidata IRI; case, person and organisation take an id and become
the node's IRI; since and until take YYYY[-MM[-DD]]; anything else is an IRI (<...>, http(s)://...,
prefix:local) or a literal (integer or string). pyoxigraph writes the term, so a value can never change
the rest of the query. A sub-select that projects a parameter's variable gets the same VALUES at the top
of its own WHERE group: Oxigraph evaluates a sub-select on its own, before the parameter could narrow it.

A query with `# page: N UNIT` comes in pages: it opens with a sub-select, the page's keys, that ends in
`LIMIT N`; page k adds `OFFSET (k-1)*N` there, and `page_count_query` counts the keys (see
queries/README.md, "Pages").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import QueryError
from .querytext import page_limit, sub_selects, tokens, where_group
from .rdf.terms import iri
from .resources import DEFAULT_BASE_IRI, QUERIES, dataset_folder, schema_index
from .sparqlguard import check_query

COUNTRY_PARAMS = {"state", "host", "country", "citizenship"}  # and every name ending in _state
NODE_PARAMS = {
    "case": "case",
    "person": "person",
    "organisation": "organisation",
    "organization": "organisation",
}
DATE_PARAMS = {"since", "until"}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADER = re.compile(r"^#\s*(title|answers|param|page|note)\s*:\s*(.*)$")
_PAGE = re.compile(r"^(?P<size>[1-9]\d*)\s+(?P<unit>\w+)\b")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?:—|–|-|:)\s*(?P<text>.*)$")
_EXAMPLE = re.compile(r"\(example:\s*([^)]*)\)")
_SYNTAX = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.S)


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    example: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class Page:
    """How a catalogue query's listing is cut into pages: `size` keys (`unit`: cases, sources) a page."""

    size: int
    unit: str


@dataclass(frozen=True)
class CatalogueQuery:
    name: str
    path: Path
    title: str
    answers: str
    params: tuple[Param, ...]
    text: str
    page: Page | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_header(text: str, path: Path) -> CatalogueQuery:
    """Read the comment block that opens a catalogue query: title, answers, params (notes are for readers)."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key != "param":
            fields.setdefault(key, value)
            continue
        p = _PARAM.match(value)
        if not p:
            raise QueryError(
                f"{path}: cannot read the parameter line '{line}' "
                "(expected `# param: name — description (example: ...)`)"
            )
        desc = p.group("text").strip()
        example = _EXAMPLE.search(desc)
        optional = "(optional)" in desc
        desc = _EXAMPLE.sub("", desc).replace("(optional)", "").strip().rstrip(";,")
        params.append(
            Param(
                p.group("name"),
                " ".join(desc.split()),
                example.group(1).strip() if example else None,
                optional,
            )
        )
    if "title" not in fields:
        raise QueryError(f"{path}: a catalogue query opens with `# title: ...` (and `# answers: ...`)")
    page = None
    if "page" in fields:
        m = _PAGE.match(fields["page"])
        if not m:
            raise QueryError(f"{path}: cannot read `# page: {fields['page']}` (expected `# page: 500 cases`)")
        page = Page(int(m.group("size")), m.group("unit"))
        _page_limit(text, page.size, str(path))
    return CatalogueQuery(
        path.stem, path, fields["title"], fields.get("answers", ""), tuple(params), text, page
    )


def query_folders() -> list[Path]:
    """The shipped catalogue, then the working dataset's own `queries/` folder (which extends it and may
    replace a shipped query of the same name)."""
    own = dataset_folder("queries")
    return [QUERIES, own] if own else [QUERIES]


def catalogue(folder: Path | None = None) -> dict[str, CatalogueQuery]:
    """The catalogue queries by name (file stem), sorted: those of `folder`, or of `query_folders()`.

    Raises QueryError for a query file whose header is malformed."""
    found: dict[str, CatalogueQuery] = {}
    for f in [folder] if folder is not None else query_folders():
        if f.is_dir():
            found.update(
                {p.stem: parse_header(p.read_text(encoding="utf-8"), p) for p in sorted(f.glob("*.rq"))}
            )
    return dict(sorted(found.items()))


def listing(folder: Path | None = None) -> str:
    """Name, parameters and title of each catalogue query, for `exilegraph query --list`."""
    entries = list(catalogue(folder).values())
    if not entries:
        return f"no catalogue queries in {folder or QUERIES}\n"
    usage = {
        e.name: " ".join(f"[{p.name}=]" if p.optional else f"{p.name}=" for p in e.params) for e in entries
    }
    wn = max(len(e.name) for e in entries)
    wp = max(len(u) for u in usage.values())
    lines = [f"{e.name.ljust(wn)}  {usage[e.name].ljust(wp)}  {e.title}".rstrip() for e in entries]
    lines.append("")
    lines.append("Run one with: exilegraph query NAME --param NAME=VALUE ... (parameters in [] are optional)")
    return "\n".join(lines) + "\n"


def resolve(query_or_file: str, folder: Path | None = None) -> tuple[str, CatalogueQuery | None, str]:
    """(SPARQL text, catalogue entry or None, a label for messages) of a query string, .rq file or name."""
    candidate = query_or_file.strip()
    if "\n" not in candidate and len(candidate) < 1024:
        path = Path(candidate).expanduser()
        if path.suffix in (".rq", ".sparql") or (_is_file(path) and not _NAME.match(candidate)):
            if not path.is_file():
                raise QueryError(f"no query file at {path}")
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise QueryError(f"cannot read {path}: {exc}") from None
            return text, None, str(path)
        if _NAME.match(candidate):
            entries = catalogue(folder)
            if candidate in entries:
                return entries[candidate].text, entries[candidate], candidate
            close = difflib.get_close_matches(candidate, list(entries), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see `exilegraph query --list`"
            raise QueryError(f"no catalogue query named '{candidate}'{hint}")
    return query_or_file, None, "the query"


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a query string too long or odd to be a file name
        return False


# ---- parameters ------------------------------------------------------------------------------------
def param_term(name: str, value: str, base: str = DEFAULT_BASE_IRI) -> ox.NamedNode | ox.Literal:
    """The RDF term a parameter value stands for; the name says how to read it (see queries/README.md)."""
    value = value.strip()
    if not value:
        raise QueryError(f"parameter {name} is empty")
    if value.startswith("<") and value.endswith(">"):
        return _named(name, value[1:-1])
    if re.match(r"^https?://", value):
        return _named(name, value)
    if name in COUNTRY_PARAMS or name.endswith("_state"):
        return _country(name, value)
    if name in NODE_PARAMS:
        return _named(name, iri(f"{base}{NODE_PARAMS[name]}/{value}")[1:-1])
    if name in DATE_PARAMS:
        if not _DATE.match(value):
            raise QueryError(f"parameter {name}: '{value}' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
        return ox.Literal(value)
    prefix, sep, local = value.partition(":")
    prefixes = schema_index()["prefixes"]
    if sep and prefix in prefixes and " " not in value:
        return _named(name, prefixes[prefix] + local)
    if re.match(r"^-?\d+$", value):
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(value)


def _named(name: str, value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise QueryError(f"parameter {name}: '{value}' is not a valid IRI ({exc})") from None


def _country(name: str, value: str) -> ox.NamedNode:
    countries = schema_index()["enums"]["Country"]
    prefixes = schema_index()["prefixes"]
    if value.startswith("wd:"):
        return _named(name, prefixes["wd"] + value[3:])
    entry = countries.get(value.upper())
    if entry and entry.get("meaning"):
        return ox.NamedNode(entry["meaning"])
    by_title = {(v.get("title") or "").casefold(): v for v in countries.values()}
    if value.casefold() in by_title and by_title[value.casefold()].get("meaning"):
        return ox.NamedNode(by_title[value.casefold()]["meaning"])
    close = difflib.get_close_matches(value.upper(), list(countries), n=3, cutoff=0.5)
    hint = f" (close: {', '.join(close)})" if close else ""
    raise QueryError(
        f"parameter {name}: unknown country '{value}'{hint}; give an ISO 3166 code the schema "
        f"knows, such as {', '.join(sorted(countries)[:6])}, ..."
    )


def parse_params(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`name=value` strings (from --param) into a dict; a clear error for anything else."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not re.match(r"^[A-Za-z_]\w*$", name):
            raise QueryError(f"--param takes NAME=VALUE, got '{pair}'")
        out[name] = value
    return out


def bind_params(
    text: str,
    params: dict[str, str],
    entry: CatalogueQuery | None = None,
    base: str = DEFAULT_BASE_IRI,
    label: str = "the query",
) -> str:
    """The query text with one `VALUES ?name { term }` per parameter at the top of its WHERE group.

    A catalogue query's required parameters must all be given and only declared ones are accepted;
    any query must use each parameter as a variable. The values never become SPARQL syntax: each is one
    term, serialised by pyoxigraph.
    """
    if entry is not None:
        declared = {p.name for p in entry.params}
        unknown = sorted(set(params) - declared)
        if unknown:
            takes = ", ".join(sorted(declared)) or "no parameters"
            raise QueryError(f"{entry.name} has no parameter {', '.join(unknown)}; it takes: {takes}")
        missing = [p for p in entry.params if not p.optional and p.name not in params]
        if missing:
            p = missing[0]
            example = f" (example: --param {p.name}={p.example})" if p.example else ""
            raise QueryError(f"{entry.name} needs --param {p.name}=...: {p.description}{example}")
    if not params:
        return text
    used = {t.text[1:] for t in tokens(text) if t.kind == "var"}
    for name in params:
        if name not in used:
            raise QueryError(f"{label} has no variable ?{name} for --param {name}")
    terms = {n: str(param_term(n, v, base)) for n, v in params.items()}
    text = _bind_sub_selects(text, terms)
    values = "".join(f"VALUES ?{n} {{ {terms[n]} }} " for n in sorted(terms))
    open_at, close_at, where_at = _where_group(text, label)
    inner = text[open_at + 1 : close_at]
    if where_at is not None:  # CONSTRUCT WHERE { triples }: spell the template out, then bind in the group
        head = f"{text[:where_at]}{{{inner}}} WHERE "
        text, open_at, close_at = head + text[open_at:], len(head), len(head) + 1 + len(inner)
    inline = f"{text[: open_at + 1]} {values}{inner}{text[close_at:]}"
    # a sub-select, or a BIND of the same variable, cannot follow VALUES in one group: nest the group
    wrapped = f"{text[: open_at + 1]} {values}{{{inner}}} {text[close_at:]}"
    for candidate in (inline, wrapped):
        if _parse_error(candidate) is None:
            return candidate
    raise QueryError(f"{label}: cannot bind {', '.join(sorted(params))}: {_parse_error(wrapped)}")


def _where_group(text: str, label: str) -> tuple[int, int, int | None]:
    return where_group(text, label)


def _bind_sub_selects(text: str, terms: dict[str, str]) -> str:
    """VALUES for each parameter at the top of every sub-select that projects its variable as it is (see
    querytext.SubSelect): the same restriction as at the top of the query, applied where Oxigraph
    evaluates the sub-select."""
    edits = []
    for sub in sub_selects(text):
        names = sorted(n for n in terms if n in sub.bindable)
        if names:
            edits.append((sub.open_at + 1, "".join(f" VALUES ?{n} {{ {terms[n]} }}" for n in names)))
    for at, insert in sorted(edits, reverse=True):
        text = text[:at] + insert + text[at:]
    return text


# ---- pages -----------------------------------------------------------------------------------------
def _page_limit(text: str, size: int, label: str):
    try:
        return page_limit(text, size)
    except QueryError as exc:
        raise QueryError(f"{label}: {exc}") from None


def with_page(text: str, entry: CatalogueQuery, page: int) -> str:
    """The query text of page `page` (1 is the first) of a paged catalogue query: OFFSET after its keys'
    LIMIT. Raises QueryError for a query without pages or a page below 1."""
    if entry.page is None:
        raise QueryError(f"{entry.name} does not come in pages; leave out the page")
    if page < 1:
        raise QueryError(f"pages are numbered from 1, not {page}")
    if page == 1:
        return text
    limit = _page_limit(text, entry.page.size, entry.name)
    return f"{text[: limit.end]} OFFSET {(page - 1) * entry.page.size}{text[limit.end :]}"


def page_count_query(text: str, entry: CatalogueQuery) -> str:
    """A query counting the keys of a paged catalogue query (as ?keys), from its text with the parameters
    bound: the pages are ceil(keys / size). Raises QueryError for a query without pages."""
    if entry.page is None:
        raise QueryError(f"{entry.name} does not come in pages")
    limit = _page_limit(text, entry.page.size, entry.name)
    sub = next((s for s in sub_selects(text) if s.start < limit.start < s.end), None)
    if sub is None:
        raise QueryError(f"{entry.name}: its LIMIT {entry.page.size} does not end a sub-select")
    head = text[: where_group(text, entry.name)[0]]
    prologue = head[: _form_start(head)]
    keys = text[sub.start : sub.close_at + 1]
    return f"{prologue}SELECT (COUNT(*) AS ?keys) WHERE {{ {{ {keys} }} }}\n"


def _form_start(head: str) -> int:
    """Where the query form (SELECT, CONSTRUCT, ...) starts in the text before the WHERE group."""
    for t in tokens(head):
        if t.kind == "word" and t.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return t.start
    return len(head)


def check_syntax(text: str, label: str = "the query") -> None:
    check_query(text)  # a query nested thousands deep would crash the parser below
    error = _parse_error(text)
    if error:
        raise QueryError(f"SPARQL syntax error in {label} at {error}")


def _parse_error(text: str) -> str | None:
    """None for a valid query, else the parser's message as `line L, column C: ...`."""
    try:  # trailing blank lines would move the parser's position to the end of the text
        ox.Store().query(text.rstrip())  # parses; there is nothing to evaluate in an empty store
    except SyntaxError as exc:
        msg = str(exc)
        m = _SYNTAX.match(msg)
        msg = f"line {m.group(1)}, column {m.group(2)}: {m.group(3)}" if m else msg
        return msg if len(msg) <= 240 else msg[:239] + "…"
    return None
