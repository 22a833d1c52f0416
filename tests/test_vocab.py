"""The published vocabulary: every term of our namespace a release uses is defined, with label, comment,
domain and range, and linked to the standard vocabularies where one fits."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import RECORDS
from exilegraph.release import build_release
from exilegraph.resources import schema_index
from exilegraph.vocab import EG, VOCAB_PATH, published_lines, vocabulary_lines

SDO = rdflib.Namespace("http://schema.org/")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
EGN = rdflib.Namespace(EG)


@pytest.fixture(scope="module")
def vocab() -> rdflib.Graph:
    return rdflib.Graph().parse(VOCAB_PATH, format="turtle")


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release([RECORDS], tmp_path_factory.mktemp("vocab-release"), use_cache=False).path


def ours(term) -> bool:
    return isinstance(term, rdflib.URIRef) and str(term).startswith(EG)


def test_every_class_and_property_of_our_namespace_is_described(vocab):
    classes = {c for c in vocab.subjects(RDF.type, OWL.Class) if ours(c)}
    props = {
        p for t in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in vocab.subjects(RDF.type, t) if ours(p)
    }
    assert EGN.ExileCase in classes and EGN.Event in classes and EGN.Citation in classes
    assert {EGN.date, EGN.event_type, EGN.host_state, EGN.destination_country, EGN.citation} <= props
    for term in classes | props:
        assert vocab.value(term, RDFS.label), f"{term} has no label"
        assert vocab.value(term, RDFS.comment), f"{term} has no comment"
        assert vocab.value(term, RDFS.isDefinedBy) == rdflib.URIRef(EG)
    for p in props:
        assert vocab.value(p, RDFS.domain) or vocab.value(p, SDO.domainIncludes), f"{p} has no domain"
        assert vocab.value(p, RDFS.range) or vocab.value(p, SDO.rangeIncludes), f"{p} has no range"


def test_every_eg_slot_of_the_schema_is_a_property(vocab):
    uris = {
        s["uri"]
        for name, c in schema_index()["classes"].items()
        if name != "RecordFile"
        for s in c["slots"].values()
        if s["uri"].startswith(EG)
    }
    defined = {str(p) for p in vocab.subjects(RDF.type, None) if ours(p)}
    assert uris and uris <= defined, sorted(uris - defined)


def test_domain_range_and_links_to_standard_vocabularies(vocab):
    assert (EGN.date, RDFS.domain, EGN.Event) in vocab
    assert (EGN.date, RDFS.subPropertyOf, DCT.date) in vocab
    assert (EGN.date, SKOS.altLabel, rdflib.Literal("event_date")) in vocab  # the records' field name
    assert (EGN.host_state, RDFS.range, SKOS.Concept) in vocab
    assert (EGN.citation, RDFS.range, EGN.Citation) in vocab
    assert (EGN.Event, RDFS.subClassOf, SDO.Event) in vocab
    assert (EGN.Event, RDFS.subClassOf, EGN.Claim) in vocab
    assert (EGN.Source, RDFS.subClassOf, DCT.BibliographicResource) in vocab
    assert (EGN.source_type, RDFS.subPropertyOf, DCT.type) in vocab
    # a slot several classes declare names them all, not their intersection
    assert not vocab.value(EGN.country, RDFS.domain)
    assert {EGN.Event, EGN.Residence, SDO.Organization} <= set(vocab.objects(EGN.country, SDO.domainIncludes))


def test_enum_values_are_labelled_concepts_of_a_scheme(vocab):
    for ename, values in schema_index()["enums"].items():
        scheme = EGN[ename]
        assert (scheme, RDF.type, SKOS.ConceptScheme) in vocab
        for code, v in values.items():
            node = rdflib.URIRef(v["meaning"])
            assert (node, SKOS.inScheme, scheme) in vocab, f"{ename}.{code}"
            assert vocab.value(node, SKOS.prefLabel), f"{ename}.{code}"
            assert str(vocab.value(node, SKOS.notation)) == code
    kz = rdflib.URIRef("http://www.wikidata.org/entity/Q232")
    assert str(vocab.value(kz, SKOS.prefLabel)) == "Kazakhstan"  # countries stay Wikidata items
    assert str(vocab.value(EGN["LegalStatus-asylum-seeker"], SKOS.prefLabel)) == "asylum seeker"
    assert int(vocab.value(EGN.Arrest, EGN.stage)) == 2


def test_vocab_ttl_is_the_generated_vocabulary():
    assert sorted(published_lines()) == vocabulary_lines()


def test_every_term_of_our_namespace_in_the_release_is_defined(release, vocab):
    shipped = rdflib.Graph().parse(release / "vocab.ttl", format="turtle")
    assert len(shipped) == len(vocab) and all(t in vocab for t in shipped)
    defined = {s for s in vocab.subjects() if ours(s)}
    ds = rdflib.Dataset()
    ds.parse(release / "exilegraph.nq", format="nquads")
    used = {t for q in ds.quads((None, None, None, None)) for t in q[:3] if ours(t)}
    void = rdflib.Graph().parse(release / "void.ttl", format="turtle")
    used |= {t for triple in void for t in triple if ours(t)}
    assert EGN.ExileCase in used and EGN["LegalStatus-asylum-seeker"] in used
    assert not used - defined, f"used but not defined in vocab.ttl: {sorted(used - defined)[:10]}"


def test_the_vocabulary_is_its_own_named_graph(release, vocab):
    ds = rdflib.Dataset()
    ds.parse(release / "exilegraph.nq", format="nquads")
    graph = ds.graph(rdflib.URIRef("https://w3id.org/exilegraph/graph/vocabulary"))
    assert len(graph) == len(vocab)
    assert (EGN.date, RDFS.label, rdflib.Literal("date", lang="en")) in graph
