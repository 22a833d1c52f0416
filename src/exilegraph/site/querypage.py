"""The query page: a SPARQL editor with the catalogue's queries and their parameters, run on `../query`.

The catalogue travels inside the page as JSON, with what the script needs to bind parameters exactly as
`exilegraph query` does (see catalogue.py): the base IRI, the prefixes, the countries' IRIs, and for
each query and set of parameters whether the VALUES go inline or around the group (found here by
parsing, since the browser has no SPARQL parser).
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

from ..catalogue import CatalogueQuery, _parse_error, _where_group
from ..errors import QueryError
from ..resources import schema_index
from .formats import PREFIXES
from .html import Page, esc, frame
from .model import ENTITY_KINDS

ASSETS = Path(__file__).parent / "assets"
SCRIPT = "assets/sparql.js"
QUERY_PREFIXES = ("eg", "prov", "schema", "dcterms", "skos", "rdfs", "rdf", "xsd", "wd", "owl")


def binding_modes(entry: CatalogueQuery) -> dict[str, str]:
    """For each non-empty set of the query's parameters: `inline` or `wrapped` (see catalogue.bind_params)."""
    names = sorted(p.name for p in entry.params)
    out: dict[str, str] = {}
    if not names:
        return out
    try:
        open_at, close_at, where_at = _where_group(entry.text, entry.name)
    except QueryError:
        return out
    text = entry.text
    inner = text[open_at + 1 : close_at]
    if where_at is not None:
        head = f"{text[:where_at]}{{{inner}}} WHERE "
        text, open_at, close_at = head + text[open_at:], len(head), len(head) + 1 + len(inner)
    for size in range(1, len(names) + 1):
        for subset in combinations(names, size):
            values = "".join(f"VALUES ?{n} {{ <urn:x:{n}> }} " for n in subset)
            inline = f"{text[: open_at + 1]} {values}{inner}{text[close_at:]}"
            out[",".join(subset)] = "inline" if _parse_error(inline) is None else "wrapped"
    return out


def page_config(catalogue: dict[str, CatalogueQuery], base: str) -> dict:
    idx = schema_index()
    countries = idx["enums"]["Country"]
    return {
        "base": base,
        "pageKinds": list(ENTITY_KINDS),
        "prefixes": {p: PREFIXES[p] for p in QUERY_PREFIXES},
        "countries": {
            "codes": {code: v["meaning"] for code, v in sorted(countries.items()) if v.get("meaning")},
            "titles": {
                (v.get("title") or "").casefold(): v["meaning"]
                for _, v in sorted(countries.items())
                if v.get("meaning") and v.get("title")
            },
        },
        "queries": [
            {
                "name": e.name,
                "title": e.title,
                "answers": e.answers,
                "text": e.text,
                "modes": binding_modes(e),
                "page": {"size": e.page.size, "unit": e.page.unit} if e.page else None,
                "params": [
                    {
                        "name": p.name,
                        "description": p.description,
                        "example": p.example,
                        "optional": p.optional,
                    }
                    for p in e.params
                ],
            }
            for e in sorted(catalogue.values(), key=lambda e: e.name)
        ],
    }


def query_page(catalogue: dict[str, CatalogueQuery], base: str) -> str:
    """The HTML of sparql.html."""
    page = Page("sparql.html")
    data = json.dumps(page_config(catalogue, base), ensure_ascii=False, sort_keys=True, indent=1)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    prefixes = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in QUERY_PREFIXES)
    starter = (
        f"{prefixes}\nSELECT ?case ?name WHERE {{\n"
        "  ?case a eg:ExileCase ; eg:subject/skos:prefLabel ?name .\n}\n"
        "ORDER BY ?name\nLIMIT 100\n"
    )
    body = f"""<h1>Query the data</h1>
<noscript><p class="warning">This page needs JavaScript to send queries. Without it, send SPARQL to the
endpoint <code>/query</code> with any client, or use <code>exilegraph query</code>.</p></noscript>
<form id="query-form">
<div class="controls">
<label>Catalogue query
<select id="catalogue-select"><option value="">(your own query)</option></select></label>
<label>Endpoint <input id="endpoint" size="40"></label>
</div>
<p id="description"></p>
<div class="controls" id="params"></div>
<textarea id="query" spellcheck="false" aria-label="SPARQL query">{esc(starter)}</textarea>
<p>The prefixes {esc(", ".join(QUERY_PREFIXES))} are declared for you.</p>
<div class="controls">
<button type="submit" id="run">Run</button>
<button type="button" id="download-csv" disabled>Download CSV</button>
<button type="button" id="download-json" disabled>Download JSON</button>
<button type="button" id="page-prev" hidden>‹ previous page</button>
<button type="button" id="page-next" hidden>next page ›</button>
<span id="status"></span>
</div>
</form>
<div id="results"></div>
<script type="application/json" id="catalogue">
{data}
</script>"""
    return frame(page, "Query", body, scripts=(SCRIPT,))


def asset_files() -> dict[str, bytes]:
    """site path -> bytes of each static asset (stylesheet, the query page's script)."""
    return {f"assets/{p.name}": p.read_bytes() for p in sorted(ASSETS.iterdir()) if p.is_file()}
