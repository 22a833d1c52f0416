"""Claims as HTML: an event, statement, residence or association with its citations and sources.

A claim shows what it says first (type, date, text), then its other statements, then each citation:
the source (linked to its page), the locator or reference text, a quote, and the attribution
(`eg:support`, `eg:basis`, `eg:assessmentNote`) when the release holds them.
"""

from __future__ import annotations

import re

from .html import Linker, Page, esc
from .model import RDF_TYPE, VOCAB, Graph, Node, term

EG = VOCAB
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SDO = "http://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CITATION = EG + "citation"
BASIS = EG + "basis"
STAGE = EG + "stage"
DERIVED_FROM = PROV + "wasDerivedFrom"
GENERATED_BY = PROV + "wasGeneratedBy"
# shown in a claim's heading or text, or derived from the date: left out of its detail list
HEADLINE = {
    BASIS,
    RDF_TYPE,
    EG + "event_type",
    EG + "date",
    EG + "earliest",
    EG + "latest",
    EG + "approximate",
    DCT + "description",
    SDO + "text",
    CITATION,
    EG + "key",
    SDO + "startDate",
    SDO + "endDate",
}
CITATION_SHOWN = {RDF_TYPE, DERIVED_FROM, EG + "locator", EG + "reference_text", EG + "quote"}


def literal_text(obj: str | None) -> str:
    return term(obj).value if obj else ""


def sort_key(graph: Graph, iri: str, linker: Linker) -> tuple:
    """Dated claims by earliest then latest date, undated last; ties by type and text."""
    node = graph.nodes.get(iri)
    if node is None:
        return (True, "", "", "", iri)
    earliest = literal_text(node.first(EG + "earliest"))
    latest = literal_text(node.first(EG + "latest"))
    kind = node.first(EG + "event_type")
    text = literal_text(node.first(DCT + "description") or node.first(SDO + "text"))
    return (not earliest, earliest, latest, linker.name(kind[1:-1]) if kind else "", text, iri)


def predicate_label(linker: Linker, pred: str) -> str:
    def make() -> str:
        found = linker.graph.label(pred)
        if not found:
            local = pred.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            found = local.replace("_", " ")
        return found

    return linker.remember(linker.cache, ("predicate", pred), make)


def heading(graph: Graph, node: Node, linker: Linker) -> str:
    """The claim's kind (event type or class) and its date as written in the record."""
    kind = node.first(EG + "event_type")
    if kind:
        name = linker.name(kind[1:-1])
    else:
        types = node.types()
        name = (linker.graph.label(types[0]) or _words(types[0])) if types else "claim"
    when = literal_text(node.first(EG + "date"))
    if not when:
        start = literal_text(node.first(SDO + "startDate"))
        end = literal_text(node.first(SDO + "endDate"))
        when = (
            f"{start} – {end}"
            if start and end
            else (f"from {start}" if start else (f"until {end}" if end else ""))
        )
    date = f'<span class="date">{esc(when)}</span> ' if when else '<span class="date undated">undated</span> '
    basis = node.first(BASIS)  # reported by a source, or assessed by the curators (see the claim's note)
    badge = ""
    if basis:
        shown = linker.name(basis[1:-1]) if basis.startswith("<") else term(basis).value
        shown = shown.removeprefix("eg:")
        badge = f' <span class="basis">{esc(shown.lower())}</span>'
    return f"{date}<strong>{esc(name)}</strong>{badge}"


def details(page: Page, node: Node, linker: Linker, skip: set[str]) -> str:
    rows = []
    for pred in sorted(node.props, key=lambda p: (predicate_label(linker, p), p)):
        if pred in skip:
            continue
        values = ", ".join(linker.value(page, v) for v in node.props[pred])
        rows.append(f"<dt>{esc(predicate_label(linker, pred))}</dt><dd>{values}</dd>")
    return f'<dl class="details">{"".join(rows)}</dl>' if rows else ""


def citation(page: Page, graph: Graph, iri: str, linker: Linker) -> str:
    node = graph.nodes.get(iri)
    if node is None:
        return ""
    parts = []
    for src in node.all(DERIVED_FROM):
        parts.append(f'<span class="source">{linker.value(page, src)}</span>')
    locator = literal_text(node.first(EG + "locator"))
    if locator:
        parts.append(f'<span class="locator">{esc(locator)}</span>')
    ref = literal_text(node.first(EG + "reference_text"))
    if ref:
        parts.append(f'<span class="reference">cited as {esc(ref)}</span>')
    quote = node.first(EG + "quote")
    out = " · ".join(parts)
    if quote:
        out += f"<blockquote>{linker.value(page, quote)}</blockquote>"
    out += details(page, node, linker, CITATION_SHOWN)
    return f"<li>{out}</li>"


def claim(page: Page, graph: Graph, iri: str, linker: Linker, css: str = "claim") -> str:
    """One claim as an `<article>`; its citations sorted by source name and locator."""
    node = graph.nodes.get(iri)
    if node is None:
        return ""
    text_obj = node.first(DCT + "description") or node.first(SDO + "text")
    text = f"<p>{linker.value(page, text_obj)}</p>" if text_obj else ""
    cites = node.all(CITATION)
    items = sorted(
        (_citation_key(graph, c[1:-1], linker), citation(page, graph, c[1:-1], linker)) for c in cites
    )
    n = len(cites)
    count = f"{n} citation{'' if n == 1 else 's'}" if n else "no citation"
    cite_html = (
        f'<h5>{count}</h5><ul class="citations">{"".join(h for _, h in items)}</ul>'
        if n
        else '<p class="warning">No citation supports this claim.</p>'
    )
    return (
        f'<article class="{css}" id="{esc(_anchor(iri))}"><h4>{heading(graph, node, linker)}</h4>'
        f"{text}{details(page, node, linker, HEADLINE)}{cite_html}</article>"
    )


def _citation_key(graph: Graph, iri: str, linker: Linker) -> tuple:
    node = graph.nodes.get(iri)
    if node is None:
        return ("", "", iri)
    src = node.first(DERIVED_FROM)
    return (linker.name(src[1:-1]) if src else "", literal_text(node.first(EG + "locator")), iri)


def _words(iri: str) -> str:
    """`.../vocab/NameVariant` -> `name variant`, for a class without a label in the release."""
    local = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).replace("_", " ").lower()


def _anchor(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]
