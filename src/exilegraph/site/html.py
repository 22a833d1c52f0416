"""HTML building blocks shared by the pages: escaping, the page frame, links and values.

Every text that comes from the data goes through `esc`; every link is relative to the page, so the
site reads the same from a file:// folder, a web server or any base path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TypeVar
from urllib.parse import quote

from .formats import PREFIXES
from .model import ENTITY_KINDS, VOCAB, Graph, Term, term

T = TypeVar("T")
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.~-]+$")


def esc(text: object) -> str:
    found = _ESCAPED.get(text) if type(text) is str else None  # 1 and True would be one key
    if found is None:
        found = escape(str(text), quote=True)
        if type(text) is str and len(_ESCAPED) < 100_000:
            _ESCAPED[text] = found
    return found


_ESCAPED: dict[str, str] = {}  # labels, names and headings repeat across pages: each escaped once


def json_ld_script(data: dict) -> str:
    """A `<script type="application/ld+json">` block that no value can close early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'


@dataclass(frozen=True)
class Page:
    """Where a page lives in the site (`case/x.html`) and how far it is from the site root."""

    path: str

    @property
    def root(self) -> str:
        depth = self.path.count("/")
        return "../" * depth

    def href(self, target: str) -> str:
        """A relative link from this page to another path of the site."""
        return self.root + target


class Linker:
    """Turns IRIs into page paths and readable names, using the release's own labels."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.vocab = VOCAB
        self.reads = graph.reads
        # parts of pages that many pages share (predicate labels), and names, paths and links of IRIs and
        # literals as HTML: the same few thousand on every page. Each value is kept with what it was made
        # from, which a page that uses it has read too (reads.py).
        self.cache: dict = {}
        self._names: dict[str, tuple[str, frozenset[str]]] = {}
        self._paths: dict[str, tuple[str | None, frozenset[str]]] = {}
        self._values: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}

    def remember(self, cache: dict, key, make: Callable[[], T]) -> T:
        """`cache[key]`, made by `make()` the first time; the keys read to make it count as read again."""
        found = cache.get(key)
        if found is not None:
            self.reads.merge(found[1])
            return found[0]
        reads = self.reads
        outer = reads.begin()
        value = make()
        _remember(cache, key, (value, reads.end(outer)))
        return value

    def path(self, iri: str) -> str | None:
        """`case/x.html` for an IRI with a page in the site, None for anything else."""
        found = self._paths.get(iri)
        if found is not None:
            self.reads.merge(found[1])
            return found[0]
        return self.remember(self._paths, iri, lambda: self._path(iri))

    def _path(self, iri: str) -> str | None:
        kind = self.graph.kind(iri)
        if kind in ENTITY_KINDS and iri in self.graph.nodes:
            local = iri[len(self.graph.base) + len(kind) + 1 :]
            # ids are slugs and sources hashes; anything else would need one name on disk and another in links
            return f"{kind}/{local}.html" if _SAFE_NAME.match(local) else None
        if iri.startswith(self.vocab):
            local = iri[len(self.vocab) :]
            if _SAFE_NAME.match(local):
                return f"vocab/{local}.html"
        return None

    def name(self, iri: str) -> str:
        """The entity's label; for a case its subject's name, for an untitled source its outlet and year."""
        found = self._names.get(iri)
        if found is not None:
            self.reads.merge(found[1])
            return found[0]
        return self.remember(self._names, iri, lambda: self._name(iri))

    def _name(self, iri: str) -> str:
        label = self.graph.label(iri)
        if label:
            return label
        node = self.graph.nodes.get(iri)
        kind = self.graph.kind(iri)
        if node is not None and kind == "case":
            subject = node.first(VOCAB + "subject")
            label = self.graph.label(subject[1:-1]) if subject else None
            if label:
                return f"{label} (case)"
        if node is not None and kind == "source":
            who = node.first(VOCAB + "outlet") or node.first("http://purl.org/dc/terms/publisher")
            year = node.first(VOCAB + "year") or node.first("http://purl.org/dc/terms/issued")
            if who:
                return term(who).value + (f" ({term(year).value})" if year else "")
        return self.short(iri)

    def short(self, iri: str) -> str:
        if iri.startswith(self.vocab):
            return f"eg:{iri[len(self.vocab) :]}"
        if iri.startswith(self.graph.base):
            return iri[len(self.graph.base) :]
        for p, ns in _BY_LENGTH:
            if iri.startswith(ns) and iri != ns:
                return f"{p}:{iri[len(ns) :]}"
        return iri

    def link(self, page: Page, iri: str, text: str | None = None) -> str:
        shown = esc(text if text is not None else self.name(iri))
        path = self.path(iri)
        if path:
            return f'<a href="{esc(page.href(path))}">{shown}</a>'
        if iri.startswith(("http://", "https://")) and not iri.startswith(self.graph.base):
            return f'<a href="{esc(iri)}" rel="external">{shown}</a>'
        return shown

    def value(self, page: Page, obj: str) -> str:
        """One object (an N-Triples term) as HTML: a link for an IRI, the text of a literal."""
        key = (page.root, obj)
        found = self._values.get(key)
        if found is not None:
            self.reads.merge(found[1])
            return found[0]
        if obj.startswith("<"):
            return self.remember(self._values, key, lambda: self.link(page, obj[1:-1]))
        html = self.literal(term(obj))
        _remember(self._values, key, (html, frozenset()))
        return html

    @staticmethod
    def literal(t: Term) -> str:
        text = esc(t.value)
        if t.lang:
            return f'<span lang="{esc(t.lang)}">{text}</span>'
        return text


_REMEMBERED = 50_000  # entries per cache; a full cache starts again


def _remember(cache: dict, key, value):
    if len(cache) >= _REMEMBERED:
        cache.clear()
    cache[key] = value
    return value


CSS_PATH = "assets/site.css"


def frame(
    page: Page,
    title: str,
    body: str,
    *,
    ld: dict | None = None,
    alternates: str = "",
    scripts: tuple[str, ...] = (),
) -> str:
    """A whole HTML page: head (title, style, JSON-LD, alternate formats), navigation, body."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} · exilegraph</title>",
        '<link rel="icon" href="data:,">',  # no favicon request, which would fail on a plain folder
        f'<link rel="stylesheet" href="{esc(page.href(CSS_PATH))}">',
    ]
    if alternates:
        head.append(alternates)
    if ld:
        head.append(json_ld_script(ld))
    head += [f'<script src="{esc(page.href(s))}" defer></script>' for s in scripts]
    head.append("</head>")
    nav = (
        f'<nav><a href="{esc(page.href("index.html"))}">exilegraph</a> · '
        f'<a href="{esc(page.href("index.html#cases"))}">cases</a> · '
        f'<a href="{esc(page.href("vocab/index.html"))}">vocabulary</a> · '
        f'<a href="{esc(page.href("sparql.html"))}">query</a></nav>'
    )
    return "\n".join(head) + f"\n<body>\n{nav}\n<main>\n{body}\n</main>\n</body>\n</html>\n"


def alternates(page: Page, stem: str) -> str:
    """`<link rel="alternate">` to the entity's data files, and the same as visible links."""
    kinds = (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"))
    return "\n".join(
        f'<link rel="alternate" type="{media}" href="{esc(quote(f"{stem}.{ext}"))}">' for ext, media in kinds
    )


def data_links(page: Page, stem: str) -> str:
    links = " · ".join(
        f'<a href="{esc(quote(f"{stem}.{ext}"))}">{label}</a>'
        for ext, label in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
    )
    return f'<p class="formats">Data: {links}</p>'


def dl(rows: list[tuple[str, str]]) -> str:
    """A definition list of (label, HTML) rows; rows with empty HTML are left out."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
    return f"<dl>{items}</dl>" if items else ""
