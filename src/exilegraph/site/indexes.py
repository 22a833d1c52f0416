"""Index pages: the home page, cases by state of concern, host state and category, entity lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..resources import schema_index
from .casepage import case_title
from .claims import EG
from .html import Linker, Page, esc, frame
from .model import Graph, term

GROUPINGS = (
    ("by-state-of-concern", "State of concern"),
    ("by-host-state", "Host state"),
    ("by-category", "Category"),
)
_FILE = re.compile(r"[^a-z0-9_-]+")


@dataclass
class CaseRow:
    iri: str
    title: str
    path: str
    groups: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # grouping -> [(slug, label)]


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """The code of every enum value by its IRI (countries by their Wikidata IRI, others eg:Enum-value)."""
    from ..vocab import enum_value_iri

    out = {}
    for enum, values in schema_index()["enums"].items():
        for code, v in values.items():
            out[v.get("meaning") or enum_value_iri(enum, code)] = code
    return out


def _slug(text: str) -> str:
    return _FILE.sub("-", text.casefold()).strip("-") or "unknown"


def case_row(graph: Graph, linker: Linker, iri: str) -> CaseRow:
    """A case with its title and the groups it belongs to (its state of concern, host states, categories)."""
    codes = _country_codes()

    def group(value: str) -> tuple[str, str]:
        if value.startswith("<"):
            iri = value[1:-1]
            slug = codes.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]
            return _slug(slug), linker.name(iri)
        text = term(value).value
        return _slug(text), text.replace("_", " ")

    node = graph.nodes[iri]
    hosts = set()
    for e in node.all(EG + "event"):
        enode = graph.nodes.get(e[1:-1])
        hosts.update(enode.all(EG + "host_state") if enode else ())
    for r in node.all(EG + "residence"):
        rnode = graph.nodes.get(r[1:-1])
        hosts.update(rnode.all(EG + "country") if rnode else ())
    row = CaseRow(iri, case_title(graph, node, linker), linker.path(iri) or "")
    row.groups["by-state-of-concern"] = sorted({group(v) for v in node.all(EG + "state_of_concern")})
    row.groups["by-host-state"] = sorted({group(v) for v in hosts})
    row.groups["by-category"] = sorted({group(v) for v in node.all(EG + "category")})
    return row


def sorted_rows(rows: list[CaseRow]) -> list[CaseRow]:
    """The cases' rows in the order of the index pages: by title, then IRI."""
    return sorted(rows, key=lambda r: (r.title.casefold(), r.iri))


def _case_table(page: Page, rows: list[CaseRow]) -> str:
    def cell(row: CaseRow, grouping: str) -> str:
        return ", ".join(
            f'<a href="{esc(page.href(f"{grouping}/{slug}.html"))}">{esc(label)}</a>'
            for slug, label in row.groups.get(grouping, ())
        )

    body = "".join(
        f'<tr><td><a href="{esc(page.href(r.path))}">{esc(r.title)}</a></td>'
        + "".join(f"<td>{cell(r, g)}</td>" for g, _ in GROUPINGS)
        + "</tr>"
        for r in rows
    )
    head = "<tr><th>Case</th>" + "".join(f"<th>{esc(t)}</th>" for _, t in GROUPINGS) + "</tr>"
    return f'<table class="cases"><thead>{head}</thead><tbody>{body}</tbody></table>'


def index_pages(graph: Graph, linker: Linker, rows: list[CaseRow], counts: dict[str, int]) -> dict[str, str]:
    """path -> HTML of the home page and every grouping page."""
    pages: dict[str, str] = {}
    home = Page("index.html")
    parts = [
        "<h1>exilegraph</h1>",
        (
            "<p>Case records of political exiles and transnational repression; every claim cites its sources."
            f' <a href="{esc(home.href("sparql.html"))}">Query the data with SPARQL</a>.</p>'
        ),
    ]
    lists = " · ".join(
        f'<a href="{esc(home.href(f"{k}/index.html"))}">{n} {esc(k)}s</a>'
        for k, n in sorted(counts.items())
        if k != "case"
    )
    parts.append(f'<p>{lists} · <a href="{esc(home.href("vocab/index.html"))}">vocabulary</a></p>')
    for grouping, title in GROUPINGS:
        seen: dict[str, tuple[str, list[CaseRow]]] = {}
        for r in rows:
            for slug, label in r.groups.get(grouping, ()):
                seen.setdefault(slug, (label, []))[1].append(r)
        links = ", ".join(
            f'<a href="{esc(home.href(f"{grouping}/{slug}.html"))}">{esc(label)}</a> ({len(rs)})'
            for slug, (label, rs) in sorted(seen.items(), key=lambda kv: (kv[1][0].casefold(), kv[0]))
        )
        parts.append(f'<h2 id="{grouping}">By {esc(title.lower())}</h2><p>{links or "none"}</p>')
        for slug, (label, rs) in seen.items():
            path = f"{grouping}/{slug}.html"
            page = Page(path)
            text = f"<h1>{esc(title)}: {esc(label)}</h1><p>{len(rs)} case{'' if len(rs) == 1 else 's'}.</p>"
            pages[path] = frame(page, f"{title}: {label}", text + _case_table(page, rs))
    parts.append(f'<h2 id="cases">All cases ({len(rows)})</h2>{_case_table(home, rows)}')
    pages["index.html"] = frame(
        home,
        "Cases",
        "\n".join(parts),
        ld={"@context": "https://schema.org", "@type": "Dataset", "name": "exilegraph", "url": "index.html"},
    )
    return pages


def entity_list(linker: Linker, kind: str, names: dict[str, str]) -> str:
    """The list of every entity of a kind, by name; `names` maps each IRI to its name (Linker.name)."""
    page = Page(f"{kind}/index.html")
    items = sorted((name.casefold(), i) for i, name in names.items())
    body = "".join(f"<li>{linker.link(page, i, names[i])}</li>" for _, i in items)
    return frame(
        page, f"{kind.capitalize()}s", f"<h1>{esc(kind.capitalize())}s ({len(items)})</h1><ul>{body}</ul>"
    )


def vocab_list(linker: Linker, terms: dict[str, list[str]]) -> str:
    page = Page("vocab/index.html")
    rows = "".join(
        f"<tr><td>{linker.link(page, t, t.rsplit('/', 1)[-1])}</td><td>{esc(linker.name(t))}</td>"
        f"<td>{esc(', '.join(u))}</td></tr>"
        for t, u in sorted(terms.items())
    )
    return frame(
        page,
        "Vocabulary",
        f"<h1>Vocabulary</h1><table><thead><tr><th>Term</th><th>Label</th>"
        f"<th>Used as</th></tr></thead><tbody>{rows}</tbody></table>",
    )
