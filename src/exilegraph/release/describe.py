"""The dataset description: VoID and DCAT, with counts, dumps, endpoint, schema and licence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import __version__
from ..provenance import iso
from ..rdf.namespaces import DCAT, DCT, FOAF, RDF_TYPE, VOID, XSD
from ..rdf.terms import iri, iri_value, literal
from ..resources import schema_index
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCT, "foaf": FOAF, "xsd": XSD}


@dataclass(frozen=True)
class Counts:
    triples: int
    cases: int
    persons: int
    organisations: int
    events: int
    statements: int
    sources: int
    citations: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def count(triples: list[str]) -> Counts:
    idx = schema_index()["classes"]
    names = {f"<{idx[cls]['uri']}>": name for name, cls in (
        ("cases", "ExileCase"), ("persons", "Person"), ("organisations", "Organisation"), ("events", "Event"),
        ("statements", "Statement"), ("sources", "Source"), ("citations", "Citation"))}
    found = dict.fromkeys(names.values(), 0)
    marker = f" {RDF_TYPE} "
    for line in triples:
        if marker in line:
            name = names.get(line[line.index(marker) + len(marker):-2])
            if name:
                found[name] += 1
    return Counts(triples=len(triples), **found)


def description(base: str, *, counts: Counts, files: list[tuple[str, str, int]], issued: datetime,
                internal: bool, endpoint: str | None = None) -> list[str]:
    """N-Triples lines describing the release. `files` holds (file name, media type, size in bytes)."""
    ds = iri(f"{base}dataset" + ("/internal" if internal else ""))
    title = "exilegraph: case records of political exiles and transnational repression"
    if internal:
        title += " (INTERNAL: contains restricted values, not for publication)"
    stamp = literal(iso(issued), XSD + "dateTime")
    out = [
        f"{ds} {RDF_TYPE} <{VOID}Dataset> .",
        f"{ds} {RDF_TYPE} <{DCAT}Dataset> .",
        f"{ds} <{DCT}title> {literal(title, lang='en')} .",
        f"{ds} <{DCT}description> {literal('Exile cases, typed events by stage, statements, sources and citations; every claim cites its sources, with PROV-O provenance of the build.', lang='en')} .",
        f"{ds} <{DCT}license> <{LICENCE}> .",
        f"{ds} <{DCT}publisher> {iri(base + 'publisher')} .",
        f"{iri(base + 'publisher')} {RDF_TYPE} <{FOAF}Agent> .",
        f"{iri(base + 'publisher')} <{FOAF}name> {literal('The exilegraph curators')} .",
        f"{ds} <{DCT}issued> {stamp} .",
        f"{ds} <{DCT}modified> {stamp} .",
        f"{ds} <{DCAT}version> {literal(__version__)} .",
        f"{ds} <{DCT}conformsTo> {iri(schema_index()['id'])} .",
        f"{ds} <{VOID}vocabulary> <https://w3id.org/exilegraph/vocab/> .",
        f"{ds} <{VOID}uriSpace> {literal(base)} .",
        f"{ds} <{VOID}triples> {literal(str(counts.triples), XSD + 'integer')} .",
        f"{ds} <{VOID}entities> {literal(str(counts.cases + counts.persons + counts.organisations), XSD + 'integer')} .",
        f"{ds} <{DCT}accessRights> {literal('internal' if internal else 'public')} .",
    ]
    for name, value in sorted(counts.as_dict().items()):
        if name != "triples":
            cls = iri(f"{iri_value(ds)}/class/{name}")
            out += [f"{ds} <{VOID}classPartition> {cls} .",
                    f"{cls} <{DCT}title> {literal(name)} .",
                    f"{cls} <{VOID}entities> {literal(str(value), XSD + 'integer')} ."]
    for name, media, size in files:
        dist = iri(f"{iri_value(ds)}/dump/{name}")
        out += [f"{ds} <{VOID}dataDump> {dist} .",
                f"{ds} <{DCAT}distribution> {dist} .",
                f"{dist} {RDF_TYPE} <{DCAT}Distribution> .",
                f"{dist} <{DCAT}mediaType> {literal(media)} .",
                f"{dist} <{DCT}title> {literal(name)} .",
                f"{dist} <{DCAT}byteSize> {literal(str(size), XSD + 'integer')} ."]
    sparql = endpoint or "http://127.0.0.1:7878/query"
    out += [f"{ds} <{VOID}sparqlEndpoint> {iri(sparql)} .",
            f"{iri(sparql)} {RDF_TYPE} <{DCAT}DataService> .",
            f"{ds} <{DCAT}accessService> {iri(sparql)} ."]
    return sorted(out)
