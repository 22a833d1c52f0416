"""The dataset description: VoID and DCAT, with counts, dumps, endpoint, schema and licence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .. import __version__
from ..errors import ReleaseError
from ..provenance import iso
from ..rdf.namespaces import DCAT, DCT, EG, EU_AUTHORITY, FOAF, IANA, RDF_TYPE, RDFS, VOID, XSD
from ..rdf.terms import iri, iri_value, literal, typed
from ..resources import schema_index

LICENCE = "https://creativecommons.org/licenses/by/4.0/"
PREFIXES = {
    "void": VOID,
    "dcat": DCAT,
    "dcterms": DCT,
    "foaf": FOAF,
    "xsd": XSD,
    "eg": EG,
    "rdfs": RDFS,
    "schema": "http://schema.org/",
}
ABOUT = (
    "Exile cases, typed events by stage, statements, sources and citations; every claim cites its "
    "sources, with PROV-O provenance of the build."
)


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


def count(triples: Iterable[str]) -> Counts:
    """Triples, and subjects of each of the main classes, in N-Triples lines (read once)."""
    idx = schema_index()["classes"]
    names = {
        f"<{idx[cls]['uri']}>": name
        for name, cls in (
            ("cases", "ExileCase"),
            ("persons", "Person"),
            ("organisations", "Organisation"),
            ("events", "Event"),
            ("statements", "Statement"),
            ("sources", "Source"),
            ("citations", "Citation"),
        )
    }
    found = dict.fromkeys(names.values(), 0)
    marker = f" {RDF_TYPE} "
    total = 0
    for line in triples:
        total += 1
        if marker in line:
            name = names.get(line[line.index(marker) + len(marker) : -2])
            if name:
                found[name] += 1
    return Counts(triples=total, **found)


EU = EU_AUTHORITY
FILE_TYPES = {
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/n-quads": "RDF_N_QUADS",
    "application/ld+json": "JSON_LD",
}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
PARTITIONS = {
    "cases": "ExileCase",
    "persons": "Person",
    "organisations": "Organisation",
    "events": "Event",
    "statements": "Statement",
    "sources": "Source",
    "citations": "Citation",
}
_LOCAL = re.compile(r"^(localhost|127(\.\d+){3}|\[?::1\]?|0\.0\.0\.0)$", re.I)


@dataclass(frozen=True)
class Publication:
    """Where a release is published: its files (`download`, a folder URL) and its SPARQL endpoint."""

    download: str | None = None
    endpoint: str | None = None

    def checked(self, internal: bool) -> Publication:
        """The same, once each URL is an absolute http(s) URL; a public release may not name this machine.

        Raises ReleaseError otherwise.
        """
        for name, url in (("--public-url", self.download), ("--endpoint-url", self.endpoint)):
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ReleaseError(f"{name} '{url}' is not an http(s) URL")
            if not internal and _LOCAL.match(parts.hostname):
                raise ReleaseError(
                    f"{name} '{url}' names this machine; a public release needs the address "
                    "partners use (or leave it out)"
                )
        download = self.download if not self.download or self.download.endswith("/") else self.download + "/"
        return Publication(download, self.endpoint)


def description(
    base: str,
    *,
    counts: Counts,
    files: list[tuple[str, str, int]],
    issued: datetime,
    internal: bool,
    publication: Publication | None = None,
) -> list[str]:
    """N-Triples lines describing the release (VoID and DCAT-AP 3). `files` holds (name, media type, size).

    Each file is a distribution: its download URL is under `publication.download` when given; otherwise
    it is reached through the dataset's page. The SPARQL endpoint is described only when given.
    """
    publication = publication or Publication()
    ds = iri(f"{base}dataset" + ("/internal" if internal else ""))
    title = "exilegraph: case records of political exiles and transnational repression"
    if internal:
        title += " (INTERNAL: contains restricted values, not for publication)"
    stamp = literal(iso(issued), XSD + "dateTime")
    publisher = iri(base + "publisher")
    schema = iri(schema_index()["id"])
    rights = iri(EU + "access-right/" + ("NON_PUBLIC" if internal else "PUBLIC"))
    english = iri(EU + "language/ENG")
    out = [
        f"{ds} {RDF_TYPE} <{VOID}Dataset> .",
        f"{ds} {RDF_TYPE} <{DCAT}Dataset> .",
        f"{ds} <{DCT}title> {literal(title, lang='en')} .",
        f"{ds} <{DCT}description> {literal(ABOUT, lang='en')} .",
        f"{ds} <{DCT}license> <{LICENCE}> .",
        f"<{LICENCE}> {RDF_TYPE} <{DCT}LicenseDocument> .",
        f"{ds} <{DCT}publisher> {publisher} .",
        f"{publisher} {RDF_TYPE} <{FOAF}Agent> .",
        f"{publisher} <{FOAF}name> {literal('The exilegraph curators', lang='en')} .",
        f"{ds} <{DCT}issued> {stamp} .",
        f"{ds} <{DCT}modified> {stamp} .",
        f"{ds} <{DCAT}version> {literal(__version__)} .",
        f"{ds} <{DCT}conformsTo> {schema} .",
        f"{schema} {RDF_TYPE} <{DCT}Standard> .",
        f"{ds} <{DCT}language> {english} .",
        f"{english} {RDF_TYPE} <{DCT}LinguisticSystem> .",
        f"{ds} <{VOID}vocabulary> <{EG}> .",
        f"{ds} <{VOID}uriSpace> {literal(base)} .",
        f"{ds} <{VOID}triples> {literal(str(counts.triples), XSD + 'integer')} .",
        f"{ds} <{VOID}entities> {typed(counts.cases + counts.persons + counts.organisations, 'integer')} .",
        f"{ds} <{DCT}accessRights> {rights} .",
        f"{rights} {RDF_TYPE} <{DCT}RightsStatement> .",
    ]
    classes = schema_index()["classes"]
    for name, value in sorted(counts.as_dict().items()):
        if name in PARTITIONS:
            part = iri(f"{iri_value(ds)}/class/{name}")
            out += [
                f"{ds} <{VOID}classPartition> {part} .",
                f"{part} <{VOID}class> {iri(classes[PARTITIONS[name]]['uri'])} .",
                f"{part} <{DCT}title> {literal(name, lang='en')} .",
                f"{part} <{VOID}entities> {literal(str(value), XSD + 'integer')} .",
            ]
    for name, media, size in files:
        dist = iri(f"{iri_value(ds)}/dump/{name}")
        media_iri = iri(IANA + media)
        out += [
            f"{ds} <{DCAT}distribution> {dist} .",
            f"{dist} {RDF_TYPE} <{DCAT}Distribution> .",
            f"{dist} <{DCAT}mediaType> {media_iri} .",
            f"{media_iri} {RDF_TYPE} <{DCT}MediaType> .",
            f"{dist} <{DCT}title> {literal(name, lang='en')} .",
            f"{dist} <{DCT}license> <{LICENCE}> .",
            f"{dist} <{DCAT}byteSize> {literal(str(size), XSD + 'nonNegativeInteger')} .",
        ]
        if media in FILE_TYPES:
            fmt = iri(EU + "file-type/" + FILE_TYPES[media])
            out += [f"{dist} <{DCT}format> {fmt} .", f"{fmt} {RDF_TYPE} <{DCT}MediaTypeOrExtent> ."]
        if publication.download:
            url = iri(publication.download + name)
            out += [
                f"{dist} <{DCAT}accessURL> {url} .",
                f"{dist} <{DCAT}downloadURL> {url} .",
                f"{ds} <{VOID}dataDump> {url} .",
                f"{url} {RDF_TYPE} <{RDFS}Resource> .",
            ]
        else:  # not yet published anywhere: the dataset's own page is the way to it
            out += [f"{dist} <{DCAT}accessURL> {ds} .", f"{ds} {RDF_TYPE} <{RDFS}Resource> ."]
    if publication.endpoint:
        sparql = iri(publication.endpoint)
        protocol = iri(SPARQL_PROTOCOL)
        out += [
            f"{ds} <{VOID}sparqlEndpoint> {sparql} .",
            f"{sparql} {RDF_TYPE} <{DCAT}DataService> .",
            f"{sparql} <{DCT}title> {literal('exilegraph SPARQL endpoint', lang='en')} .",
            f"{sparql} <{DCAT}endpointURL> {sparql} .",
            f"{sparql} {RDF_TYPE} <{RDFS}Resource> .",  # DCAT-AP's shapes ask for the class of a URL
            f"{sparql} <{DCAT}servesDataset> {ds} .",
            f"{sparql} <{DCT}conformsTo> {protocol} .",
            f"{protocol} {RDF_TYPE} <{DCT}Standard> .",
            f"{sparql} <{DCT}license> <{LICENCE}> .",
            f"{sparql} <{DCT}accessRights> {rights} .",
        ]
        service = iri(f"{ds[1:-1]}/sparql")  # the same data, reached through the endpoint
        out += [
            f"{ds} <{DCAT}distribution> {service} .",
            f"{service} {RDF_TYPE} <{DCAT}Distribution> .",
            f"{service} <{DCT}title> {literal('SPARQL endpoint', lang='en')} .",
            f"{service} <{DCAT}accessURL> {sparql} .",
            f"{service} <{DCAT}accessService> {sparql} .",
            f"{service} <{DCT}license> <{LICENCE}> .",
        ]
    return sorted(set(out))
