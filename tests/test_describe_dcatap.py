"""The dataset description (void.ttl): DCAT-AP 3 without a violation, VoID class partitions, typed sizes,
and public addresses only, from the options of `release`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyshacl
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from conftest import RECORDS
from exilegraph.cli import main
from exilegraph.errors import ReleaseError
from exilegraph.release import build_release
from exilegraph.release.describe import Counts, Publication, description

ROOT = Path(__file__).resolve().parents[1]
DCAT_AP = ROOT.parent / "shared" / "standards" / "dcat-ap" / "dcat-ap_3_shacl_shapes.ttl"
BASE = "https://w3id.org/exilegraph/"
FILES = [
    ("exilegraph.jsonld", "application/ld+json", 120),
    ("exilegraph.nq", "application/n-quads", 300),
    ("exilegraph.nt", "application/n-triples", 200),
    ("exilegraph.ttl", "text/turtle", 90),
]
COUNTS = Counts(
    triples=1000, cases=7, persons=13, organisations=9, events=39, statements=8, sources=13, citations=98
)
PUBLISHED = Publication(
    "https://data.example.org/exilegraph/0.1.0", "https://sparql.example.org/exilegraph/query"
)


def graph(lines: list[str]) -> rdflib.Graph:
    return rdflib.Graph().parse(data="\n".join(lines), format="nt")


def describe(publication: Publication | None = None, internal: bool = False) -> rdflib.Graph:
    publication = publication or Publication()
    issued = datetime(2026, 1, 2, tzinfo=UTC)
    return graph(
        description(
            BASE,
            counts=COUNTS,
            files=FILES,
            issued=issued,
            internal=internal,
            publication=publication.checked(internal),
        )
    )


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    if not DCAT_AP.is_file():
        pytest.skip(f"the DCAT-AP 3 shapes are not at {DCAT_AP} (../shared/standards is absent)")
    return rdflib.Graph().parse(DCAT_AP, format="turtle")


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> str:
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes)
    return "" if conforms else text


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release(
        [RECORDS], tmp_path_factory.mktemp("describe-release"), use_cache=False, publication=PUBLISHED
    ).path


# ---- DCAT-AP 3 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("publication", [Publication(), PUBLISHED], ids=["unpublished", "published"])
@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
def test_description_passes_the_dcat_ap_3_shapes(shapes, publication, internal):
    assert violations(describe(publication, internal), shapes) == ""


def test_the_release_void_ttl_passes_the_dcat_ap_3_shapes(shapes, release):
    assert violations(rdflib.Graph().parse(release / "void.ttl", format="turtle"), shapes) == ""


def test_the_shapes_can_fail(shapes):
    """The check is real: the description as it was (media types as strings, no access URL) fails it."""
    g = describe()
    dist = rdflib.URIRef(BASE + "dataset/dump/exilegraph.ttl")
    g.remove((dist, DCAT.accessURL, None))
    g.set((dist, DCAT.mediaType, rdflib.Literal("text/turtle")))
    report = violations(g, shapes)
    assert "accessURL" in report and "mediaType" in report


# ---- what the description says ------------------------------------------------------------------------
def test_distributions_media_types_formats_and_sizes():
    g = describe(PUBLISHED)
    dist = rdflib.URIRef(BASE + "dataset/dump/exilegraph.ttl")
    iana = "http://www.iana.org/assignments/media-types/"
    assert g.value(dist, DCAT.mediaType) == rdflib.URIRef(iana + "text/turtle")
    assert g.value(dist, DCTERMS.format) == rdflib.URIRef(
        "http://publications.europa.eu/resource/authority/file-type/RDF_TURTLE"
    )
    size = g.value(dist, DCAT.byteSize)
    assert size.datatype == XSD.nonNegativeInteger and int(size) == 90
    url = rdflib.URIRef("https://data.example.org/exilegraph/0.1.0/exilegraph.ttl")
    assert g.value(dist, DCAT.downloadURL) == url and g.value(dist, DCAT.accessURL) == url
    ds = rdflib.URIRef(BASE + "dataset")
    assert url in set(g.objects(ds, VOID.dataDump))
    assert g.value(ds, DCTERMS.accessRights) == rdflib.URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    )


def test_the_endpoint_is_a_data_service_with_title_and_endpoint_url():
    g = describe(PUBLISHED)
    endpoint = rdflib.URIRef(PUBLISHED.endpoint)
    assert (endpoint, RDF.type, DCAT.DataService) in g
    assert g.value(endpoint, DCAT.endpointURL) == endpoint and g.value(endpoint, DCTERMS.title)
    assert g.value(rdflib.URIRef(BASE + "dataset"), VOID.sparqlEndpoint) == endpoint


def test_without_addresses_nothing_is_invented():
    g = describe()
    assert not list(g.subjects(RDF.type, DCAT.DataService))
    assert not list(g.objects(None, VOID.sparqlEndpoint)) and not list(g.objects(None, DCAT.downloadURL))
    ds = rdflib.URIRef(BASE + "dataset")
    assert set(g.objects(None, DCAT.accessURL)) == {ds}  # the dataset's page


def test_class_partitions_name_their_class():
    g = describe()
    parts = {
        g.value(p, DCTERMS.title).value: g.value(p, VOID["class"])
        for p in g.objects(rdflib.URIRef(BASE + "dataset"), VOID.classPartition)
    }
    assert parts["cases"] == rdflib.URIRef("https://w3id.org/exilegraph/vocab/ExileCase")
    assert parts["persons"] == rdflib.URIRef("http://schema.org/Person")
    assert len(parts) == 7 and all(parts.values())


def test_publisher_is_a_named_agent():
    g = describe()
    publisher = g.value(rdflib.URIRef(BASE + "dataset"), DCTERMS.publisher)
    assert (publisher, RDF.type, rdflib.URIRef("http://xmlns.com/foaf/0.1/Agent")) in g
    assert g.value(publisher, rdflib.URIRef("http://xmlns.com/foaf/0.1/name"))


# ---- no local address in a public release ----------------------------------------------------------------
def test_a_default_release_names_no_local_address(release):
    text = (release / "void.ttl").read_text(encoding="utf-8")
    assert "127.0.0.1" not in text and "localhost" not in text
    assert PUBLISHED.endpoint in text


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:7878/query", "http://localhost/sparql", "http://[::1]:7878/q"]
)
def test_a_public_release_refuses_a_local_endpoint(url):
    with pytest.raises(ReleaseError, match="names this machine"):
        Publication(endpoint=url).checked(internal=False)
    assert Publication(endpoint=url).checked(internal=True).endpoint == url  # an internal release may


def test_cli_refuses_a_local_endpoint_in_one_line(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "release",
            str(RECORDS),
            "--out",
            str(tmp_path),
            "--quiet",
            "--endpoint-url",
            "http://127.0.0.1:7878/query",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "Error: --endpoint-url" in result.output
    assert not (tmp_path / "exilegraph").exists()


def test_cli_refuses_a_url_that_is_not_http(tmp_path):
    result = CliRunner().invoke(
        main,
        ["release", str(RECORDS), "--out", str(tmp_path), "--quiet", "--public-url", "ftp://example.org/x"],
    )
    assert result.exit_code == 1 and "is not an http(s) URL" in result.output
