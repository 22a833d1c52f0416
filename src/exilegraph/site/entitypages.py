"""Pages of persons, organisations, sources and vocabulary terms.

Each shows the entity's own statements, the nodes it owns (a person's name variants, affiliations),
and where the release points at it: the cases about a person, the claims a source supports.
"""

from __future__ import annotations

from .claims import (
    CITATION,
    DCT,
    DERIVED_FROM,
    EG,
    SDO,
    claim,
    details,
    heading,
    literal_text,
    predicate_label,
)
from .html import Linker, Page, alternates, data_links, esc, frame
from .model import RDF_TYPE, Graph, Node

SCHEMA_TYPES = {"person": "Person", "organisation": "Organization", "source": "CreativeWork"}


def render_entity(graph: Graph, iri: str, kind: str, linker: Linker, path: str, owner: dict[str, str]) -> str:
    """The page of a person, organisation or source."""
    page = Page(path)
    node = graph.nodes[iri]
    title = linker.name(iri)
    stem = path[: -len(".html")].rsplit("/", 1)[-1]
    inline = {p for p, vs in node.props.items() if any(_owned_by(v, iri, owner) for v in vs)}
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="iri">{esc(kind.capitalize())} <code>{esc(iri)}</code></p>',
        data_links(page, stem),
        details(page, node, linker, {RDF_TYPE} | inline),
    ]
    for pred in sorted(inline, key=lambda p: predicate_label(linker, p)):
        items = sorted(v[1:-1] for v in node.all(pred) if _owned_by(v, iri, owner))
        body.append(
            f"<section><h2>{esc(predicate_label(linker, pred).capitalize())}</h2>"
            + "".join(claim(page, graph, x, linker) for x in items)
            + "</section>"
        )
    if kind == "source":
        body.append(_cited_in(page, graph, iri, linker, owner))
    else:
        body.append(_referenced_by(page, graph, iri, linker, owner))
    return frame(
        page,
        title,
        "\n".join(b for b in body if b),
        ld=entity_ld(graph, node, kind, linker, title),
        alternates=alternates(page, stem),
    )


def _owned_by(value: str, entity: str, owner: dict[str, str]) -> bool:
    return value.startswith("<") and owner.get(value[1:-1]) == entity


def _cited_in(page: Page, graph: Graph, iri: str, linker: Linker, owner: dict[str, str]) -> str:
    """Every claim that cites this source: the case, the claim, and where in the source."""
    rows = []
    for cit, pred in graph.inverse.get(iri, ()):
        if pred != DERIVED_FROM or graph.kind(cit) != "citation":
            continue
        cnode = graph.nodes[cit]
        locator = literal_text(cnode.first(EG + "locator")) or literal_text(
            cnode.first(EG + "reference_text")
        )
        for claim_iri, p2 in graph.inverse.get(cit, ()):
            if p2 != CITATION or claim_iri not in graph.nodes:
                continue
            entity = owner.get(claim_iri, claim_iri)
            where = linker.link(page, entity)
            claim_html = heading(graph, graph.nodes[claim_iri], linker)
            anchor = claim_iri.rstrip("/").rsplit("/", 1)[-1]
            target = linker.path(entity)
            if target:
                claim_html = f'<a href="{esc(page.href(target))}#{esc(anchor)}">{claim_html}</a>'
            rows.append(
                (
                    (linker.name(entity), entity, claim_iri, locator),
                    f"<tr><td>{where}</td><td>{claim_html}</td><td>{esc(locator)}</td></tr>",
                )
            )
    if not rows:
        return ""
    rows.sort()
    return (
        '<section id="cited-in"><h2>Claims citing this source</h2><table><thead><tr><th>Entity</th>'
        f"<th>Claim</th><th>Locator</th></tr></thead><tbody>{''.join(r for _, r in rows)}</tbody>"
        "</table></section>"
    )


def _referenced_by(page: Page, graph: Graph, iri: str, linker: Linker, owner: dict[str, str]) -> str:
    found = set()
    for subj, pred in graph.inverse.get(iri, ()):
        entity = owner.get(subj, subj)
        if entity != iri and linker.path(entity):
            found.add((linker.name(entity), entity, predicate_label(linker, pred)))
    if not found:
        return ""
    items = "".join(f"<li>{linker.link(page, e)} ({esc(p)})</li>" for _, e, p in sorted(found))
    return f'<section id="referenced-by"><h2>Referred to by</h2><ul>{items}</ul></section>'


def entity_ld(graph: Graph, node: Node, kind: str, linker: Linker, title: str) -> dict:
    ld: dict = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(kind, "Thing"),
        "@id": node.iri,
        "name": title,
    }
    same = sorted(v[1:-1] for v in node.all(SDO + "sameAs") if v.startswith("<"))
    if same:
        ld["sameAs"] = same
    url = node.first(SDO + "url")
    if url and url.startswith("<"):
        ld["url"] = url[1:-1]
    desc = node.first(DCT + "description")
    if desc:
        ld["description"] = literal_text(desc)
    if kind == "source":
        authors = [literal_text(a) for a in node.all(SDO + "author")]
        if authors:
            ld["author"] = authors
        issued = node.first(DCT + "issued")
        if issued:
            ld["datePublished"] = literal_text(issued)
        publisher = node.first(DCT + "publisher") or node.first(EG + "outlet")
        if publisher:
            ld["publisher"] = {"@type": "Organization", "name": literal_text(publisher)}
    return ld


def render_term(graph: Graph, iri: str, linker: Linker, path: str, used_as: list[str]) -> str:
    """The page of a vocabulary term: its label and comment where the release has them, and how it is used."""
    page = Page(path)
    node = graph.nodes.get(iri)
    local = iri.rsplit("/", 1)[-1]
    title = linker.name(iri) if node else local
    stem = path[: -len(".html")].rsplit("/", 1)[-1]
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="iri">Term <code>{esc(iri)}</code> (eg:{esc(local)})</p>',
        data_links(page, stem),
    ]
    if node:
        body.append(details(page, node, linker, set()))
    if used_as:
        body.append(f"<p>Used in this release as {esc(', '.join(used_as))}.</p>")
    ld = {
        "@context": "https://schema.org",
        "@type": "DefinedTerm",
        "@id": iri,
        "name": title,
        "termCode": local,
        "inDefinedTermSet": linker.vocab,
    }
    comment = node.first("http://www.w3.org/2000/01/rdf-schema#comment") if node else None
    if comment:
        ld["description"] = literal_text(comment)
    return frame(page, title, "\n".join(b for b in body if b), ld=ld, alternates=alternates(page, stem))
