"""The page of one case: facts, timeline by stage, statements, conflicts side by side, provenance."""

from __future__ import annotations

from .claims import (
    CITATION,
    DCT,
    DERIVED_FROM,
    EG,
    PROV,
    SDO,
    STAGE,
    claim,
    literal_text,
    sort_key,
)
from .html import Linker, Page, alternates, data_links, dl, esc, frame
from .model import Graph, Node

PROVENANCE_PAGE = "provenance.html"

STAGES = {
    "1": "Stage 1: accusation, wanted lists and notices",
    "2": "Stage 2: arrest, detention and removal",
    "3": "Stage 3: rendition and violence",
    "": "Other actions and the legal path",
}
FACTS = (
    ("State of concern", EG + "state_of_concern"),
    ("Categories", EG + "category"),
    ("Alleged affiliation", EG + "alleged_affiliation"),
    ("Stages experienced", EG + "stage_experienced"),
    ("Most serious incident", EG + "most_serious_incident_date"),
    ("Legal status", EG + "legal_status"),
    ("Note on the legal status", EG + "legal_status_note"),
    ("Current status", EG + "current_status"),
)


def case_title(graph: Graph, node: Node, linker: Linker) -> str:
    subject = node.first(EG + "subject")
    name = graph.label(subject[1:-1]) if subject else None
    return name or linker.short(node.iri)


def values(page: Page, node: Node, pred: str, linker: Linker) -> str:
    return ", ".join(
        linker.value(page, v).replace("_", " ") if not v.startswith("<") else linker.value(page, v)
        for v in node.all(pred)
    )


def event_stage(graph: Graph, event: str) -> str:
    node = graph.nodes.get(event)
    kind = node.first(EG + "event_type") if node else None
    typ = graph.nodes.get(kind[1:-1]) if kind else None
    stage = typ.first(STAGE) if typ else None
    return literal_text(stage) if stage else ""


def render_case(graph: Graph, iri: str, linker: Linker, path: str) -> str:
    """The HTML page of a case. Raises nothing: what the release lacks is left out of the page."""
    page = Page(path)
    node = graph.nodes[iri]
    title = case_title(graph, node, linker)
    stem = path[: -len(".html")].rsplit("/", 1)[-1]
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="iri">Case <code>{esc(iri)}</code></p>',
        data_links(page, stem),
    ]
    subject = node.first(EG + "subject")
    if subject:
        body.append(f"<p>Subject: {linker.value(page, subject)}</p>")
    abstract = node.first(DCT + "abstract")
    if abstract:
        body.append(f'<p class="summary">{linker.value(page, abstract)}</p>')
    body.append(dl([(label, values(page, node, pred, linker)) for label, pred in FACTS]))
    body.append(_timeline(page, graph, node, linker))
    body.append(_group(page, graph, node, linker, EG + "statement", "Statements", "statements"))
    body.append(_group(page, graph, node, linker, EG + "residence", "Residences", "residences"))
    body.append(_group(page, graph, node, linker, EG + "associate", "Associates", "associates"))
    body.append(_conflicts(page, graph, node, linker))
    body.append(_provenance(page, graph, iri, linker))
    return frame(
        page,
        title,
        "\n".join(b for b in body if b),
        ld=case_ld(graph, node, linker, title),
        alternates=alternates(page, stem),
    )


def _timeline(page: Page, graph: Graph, node: Node, linker: Linker) -> str:
    events = [e[1:-1] for e in node.all(EG + "event")]
    if not events:
        return ""
    by_stage: dict[str, list[str]] = {}
    for e in events:
        by_stage.setdefault(event_stage(graph, e), []).append(e)
    out = ['<section id="timeline"><h2>Timeline</h2>']
    for stage in sorted(by_stage, key=lambda s: (s == "", s)):
        label = STAGES.get(stage, f"Stage {stage}")
        items = sorted(by_stage[stage], key=lambda e: sort_key(graph, e, linker))
        out.append(f'<section class="stage" id="stage-{esc(stage or "other")}"><h3>{esc(label)}</h3>')
        out.append("".join(claim(page, graph, e, linker) for e in items))
        out.append("</section>")
    out.append("</section>")
    return "".join(out)


def _group(page: Page, graph: Graph, node: Node, linker: Linker, pred: str, title: str, anchor: str) -> str:
    items = sorted((v[1:-1] for v in node.all(pred)), key=lambda x: sort_key(graph, x, linker))
    if not items:
        return ""
    return (
        f'<section id="{anchor}"><h2>{esc(title)}</h2>{"".join(claim(page, graph, i, linker) for i in items)}'
        "</section>"
    )


def _conflicts(page: Page, graph: Graph, node: Node, linker: Linker) -> str:
    conflicts = [c[1:-1] for c in node.all(EG + "conflict")]
    if not conflicts:
        return ""
    out = ['<section id="conflicts"><h2>Where the sources disagree</h2>']
    for c in sorted(
        conflicts,
        key=lambda c: (literal_text(graph.nodes[c].first(EG + "key")) if c in graph.nodes else "", c),
    ):
        cnode = graph.nodes.get(c)
        if cnode is None:
            continue
        key = literal_text(cnode.first(EG + "key"))
        note = cnode.first("http://www.w3.org/2004/02/skos/core#note")
        claims = sorted(
            (x[1:-1] for x in cnode.all(EG + "conflicting_claim")), key=lambda x: sort_key(graph, x, linker)
        )
        sides = "".join(claim(page, graph, x, linker, css="claim side") for x in claims)
        out.append(
            f'<div class="conflict" id="conflict-{esc(key or c.rsplit("/", 1)[-1])}">'
            f"<h3>{esc(key.replace('-', ' ') if key else 'Conflict')}</h3>"
            f"{f'<p>{linker.value(page, note)}</p>' if note else ''}"
            f'<div class="sides">{sides}</div></div>'
        )
    out.append("</section>")
    return "".join(out)


def _provenance(page: Page, graph: Graph, iri: str, linker: Linker) -> str:
    """The record file the case's graph was made from (the provenance graph says so of the record's named
    graph, not of each claim), and a link to the release's provenance page, which describes the build, the
    toolkit and the schema once: they change with every release, the case's page does not."""
    rows: list[tuple[str, str]] = []
    for f in graph.objects(f"{graph.base}graph/{iri.rsplit('/', 1)[-1]}", DERIVED_FROM):
        fnode = graph.nodes.get(f[1:-1])
        if fnode:
            name = esc(literal_text(fnode.first(SDO + "name")))
            digest = esc(literal_text(fnode.first(SDO + "sha256")))
            rows.append(("Record file", f"{name} (sha256 <code>{digest}</code>)"))
    if not rows:
        return ""
    link = f'<a href="{esc(page.href(PROVENANCE_PAGE))}">the build of this release</a>'
    rows.append(("Made by", link))
    return f'<section id="provenance"><h2>Provenance</h2>{dl(rows)}</section>'


def provenance_page(graph: Graph, builds: list[str], linker: Linker) -> str:
    """The release's provenance page: each build that made it, with the toolkit, schema and records commit."""
    page = Page(PROVENANCE_PAGE)
    parts = []
    for b in builds:
        rows = _build_rows(graph, (b,))
        if rows:
            parts.append(f'<section class="build">{dl(rows)}</section>')
    body = "".join(parts) or "<p>The release describes no build.</p>"
    return frame(page, "Provenance of this release", f"<h1>Provenance of this release</h1>{body}")


def _build_rows(graph: Graph, builds: tuple[str, ...]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for b in builds:
        bnode = graph.nodes.get(b)
        if bnode is None:
            continue
        rows.append(("Build", f"<code>{esc(b)}</code>"))
        rows.append(("Started", esc(literal_text(bnode.first(PROV + "startedAtTime")))))
        rows.append(("Ended", esc(literal_text(bnode.first(PROV + "endedAtTime")))))
        for agent in bnode.all(PROV + "wasAssociatedWith"):
            anode = graph.nodes.get(agent[1:-1])
            if anode:
                rows.append(
                    (
                        "Software",
                        esc(
                            f"{literal_text(anode.first(SDO + 'name'))} "
                            f"{literal_text(anode.first(SDO + 'softwareVersion'))}"
                        ),
                    )
                )
        for schema in bnode.all(DCT + "conformsTo"):
            snode = graph.nodes.get(schema[1:-1])
            version = literal_text(snode.first(SDO + "version")) if snode else ""
            rows.append(("Schema", f"<code>{esc(schema[1:-1])}</code> {esc(version)}"))
        for used in bnode.all(PROV + "used"):
            unode = graph.nodes.get(used[1:-1])
            if unode and unode.first(SDO + "identifier") and graph.kind(used[1:-1]) == "commit":
                rows.append(
                    ("Records commit", f"<code>{esc(literal_text(unode.first(SDO + 'identifier')))}</code>")
                )
    return rows


def case_ld(graph: Graph, node: Node, linker: Linker, title: str) -> dict:
    """schema.org description of the case page: about its subject, citing its sources."""
    sources = sorted(
        {
            s[1:-1]
            for n in graph.owned(node.iri)
            for c in graph.nodes[n].all(CITATION)
            for s in (graph.nodes[c[1:-1]].all(DERIVED_FROM) if c[1:-1] in graph.nodes else ())
        }
    )
    ld: dict = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": node.iri,
        "name": title,
        "additionalType": EG + "ExileCase",
        "identifier": literal_text(node.first(EG + "id")),
        "isPartOf": {"@type": "Dataset", "name": "exilegraph"},
    }
    abstract = node.first(DCT + "abstract")
    if abstract:
        ld["description"] = literal_text(abstract)
    subject = node.first(EG + "subject")
    if subject:
        ld["about"] = {"@type": "Person", "@id": subject[1:-1], "name": linker.name(subject[1:-1])}
    states = [s[1:-1] for s in node.all(EG + "state_of_concern") if s.startswith("<")]
    if states:
        ld["spatialCoverage"] = [{"@type": "Country", "sameAs": s, "name": linker.name(s)} for s in states]
    if sources:
        ld["citation"] = [source_ld_ref(graph, s, linker) for s in sources]
    return ld


def source_ld_ref(graph: Graph, iri: str, linker: Linker) -> dict:
    ref: dict = {"@type": "CreativeWork", "@id": iri, "name": linker.name(iri)}
    node = graph.nodes.get(iri)
    url = node.first(SDO + "url") if node else None
    if url:
        ref["url"] = url[1:-1]
    return ref
