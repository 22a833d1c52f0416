"""The dataset description (exilegraph.release.describe): class counts from the triples, and N-Triples
lines that give the triple count, every distribution with its size, the licence and the issue date."""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
import pytest

from exilegraph.rdf.namespaces import DCAT, DCT, EG, RDF_TYPE, SDO, VOID
from exilegraph.rdf.terms import iri, literal
from exilegraph.release.describe import Counts, count, description

BASE = "https://w3id.org/exilegraph/"
NAME = iri(SDO + "name")
TYPE_IN_TEXT = f"named like {RDF_TYPE} {iri(EG + 'Event')}"
ISSUED = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
FILES = [
    ("exilegraph.jsonld", "application/ld+json", 2048),
    ("exilegraph.nt", "application/n-triples", 1234567),
    ("exilegraph.ttl", "text/turtle", 0),
]


def typed_node(path: str, cls: str) -> str:
    return f"{iri(BASE + path)} {RDF_TYPE} {iri(cls)} ."


def sample() -> list[str]:
    return [
        typed_node("case/c1", EG + "ExileCase"),
        typed_node("case/c2", EG + "ExileCase"),
        typed_node("person/p1", SDO + "Person"),
        typed_node("org/o1", SDO + "Organization"),
        typed_node("event/e1", EG + "Event"),
        typed_node("event/e2", EG + "Event"),
        typed_node("event/e3", EG + "Event"),
        typed_node("statement/s1", EG + "Statement"),
        typed_node("source/s1", EG + "Source"),
        typed_node("citation/c1", EG + "Citation"),
        typed_node("citation/c2", EG + "Citation"),
        typed_node("other/x", "http://example.org/Other"),  # a class the description does not count
        f"{iri(BASE + 'person/p1')} {NAME} {literal(TYPE_IN_TEXT)} .",  # the marker inside a literal
        f"{iri(BASE + 'case/c1')} {NAME} {literal('Case one')} .",
    ]


def test_count_counts_each_class_and_every_triple():
    c = count(sample())
    assert c == Counts(
        triples=14, cases=2, persons=1, organisations=1, events=3, statements=1, sources=1, citations=2
    )
    assert count([]) == Counts(0, 0, 0, 0, 0, 0, 0, 0)


def parsed(lines: list[str]) -> list[ox.Triple]:
    return list(ox.parse(("\n".join(lines) + "\n").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def describe(internal: bool = False) -> tuple[list[str], list[ox.Triple], ox.NamedNode]:
    lines = description(BASE, counts=count(sample()), files=FILES, issued=ISSUED, internal=internal)
    triples = parsed(lines)
    [ds] = {
        t.subject
        for t in triples
        if t.predicate.value == RDF_TYPE[1:-1] and t.object.value == VOID + "Dataset"
    }
    return lines, triples, ds


def objects(triples, subject, predicate: str) -> list:
    return [t.object for t in triples if t.subject == subject and t.predicate.value == predicate]


def test_every_line_is_one_ntriples_triple():
    lines, triples, _ = describe()
    assert len(triples) == len(lines) == len(set(lines))
    assert lines == sorted(lines)


def test_the_description_states_the_triple_count():
    _, triples, ds = describe()
    [n] = objects(triples, ds, VOID + "triples")
    assert int(n.value) == 14


def values(triples, subject) -> set[str]:
    """The IRI and every object of a node, as text."""
    return {subject.value} | {t.object.value for t in triples if t.subject == subject}


def test_every_file_is_a_distribution_with_its_byte_size():
    _, triples, ds = describe()
    dists = objects(triples, ds, DCAT + "distribution")
    assert len(dists) == len(FILES)
    for name, media, size in FILES:
        [dist] = [d for d in dists if any(v.endswith(name) for v in values(triples, d))]
        [byte_size] = objects(triples, dist, DCAT + "byteSize")
        assert int(byte_size.value) == size
        assert any(media in v for v in values(triples, dist))


def test_the_licence_and_issue_date_are_given():
    _, triples, ds = describe()
    [licence] = objects(triples, ds, DCT + "license")
    assert isinstance(licence, ox.NamedNode) and licence.value.startswith("http")
    [issued] = objects(triples, ds, DCT + "issued")
    assert issued.value.startswith("2024-03-05")


@pytest.mark.parametrize("internal", [False, True])
def test_internal_releases_are_marked_in_the_title(internal):
    _, triples, ds = describe(internal)
    titles = [t.value for t in objects(triples, ds, DCT + "title")]
    assert titles and any("INTERNAL" in title for title in titles) == internal


def test_public_and_internal_descriptions_name_different_datasets():
    assert describe(False)[2] != describe(True)[2]
