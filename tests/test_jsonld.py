"""The JSON-LD writer (exilegraph.writers.jsonld): compacted with the generated context, one node object
per line, and any JSON-LD processor expands it back to exactly the triples it was written from."""

from __future__ import annotations

import json

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld
from rdflib.compare import isomorphic

from exilegraph.rdf.dataset import Dataset
from exilegraph.rdf.namespaces import DCT, EG, RDF_TYPE, SDO, WD, XSD
from exilegraph.rdf.terms import iri, literal, split_line, typed
from exilegraph.writers import jsonld
from exilegraph.writers.jsonld import _compact, _namespaces, node_objects, write

BASE = "https://w3id.org/exilegraph/"
CASE, PERSON = iri(BASE + "case/c1"), iri(BASE + "person/p1")
TRICKY = 'say "no"\nthen\\leave\u2028next\u2029\ttab\r\x0c end'


def t(s: str, p: str, o: str) -> str:
    return f"{s} {p} {o} ."


def sample_lines() -> list[str]:
    """Terms with and without coercion, literals of every kind, IRIs inside and outside the prefixes."""
    return [
        t(CASE, RDF_TYPE, iri(EG + "ExileCase")),
        t(CASE, RDF_TYPE, iri("http://example.org/types/Extra")),
        t(CASE, iri(EG + "person"), PERSON),  # term `person`, coerced to @id
        t(CASE, iri(EG + "person"), iri("http://example.org/other/x")),  # @id term, IRI no prefix covers
        t(CASE, iri(DCT + "title"), literal("Fall", lang="de")),  # term `title`, coerced to rdf:langString
        t(CASE, iri(DCT + "title"), literal("plain under a langString term")),
        t(CASE, iri(DCT + "title"), literal(TRICKY, lang="en-GB")),
        t(CASE, iri(EG + "violence_reported"), typed(True, "boolean")),
        t(CASE, iri(DCT + "created"), literal("2020-01-02", XSD + "date")),  # no term: prefixed key
        t(CASE, iri("http://example.org/p"), literal(TRICKY)),  # no term, no prefix: full IRI key
        t(CASE, iri(EG + "a/b"), literal("slash in the local part")),
        t(CASE, iri(SDO + "sameAs"), literal("x", "http://example.org/dt/custom")),
        t(PERSON, RDF_TYPE, iri(SDO + "Person")),
        t(PERSON, iri(SDO + "name"), literal(TRICKY)),  # term `name`, no coercion
        t(PERSON, iri(SDO + "name"), iri(WD + "Q42")),  # IRI object under a term not coerced to @id
        t(PERSON, iri(EG + "birth_year"), typed(1970, "integer")),  # term coerced to xsd:integer
        t(PERSON, iri(EG + "birth_year"), literal("about 1970")),  # plain text must not become an integer
        t(PERSON, iri(EG + "relative"), iri(WD + "")),  # namespace itself: no empty local name
        t(PERSON, iri(EG + "relative"), iri(WD + "Q1")),
    ]


def dataset(lines: list[str]) -> Dataset:
    ds = Dataset()
    ds.add(BASE + "graph/a", lines[::2])
    ds.add(BASE + "graph/b", lines[1::2])
    return ds


def graph(ntriples: str) -> rdflib.Graph:
    """An rdflib graph, with xsd:string literals made plain and language tags lower-case (as RDF 1.1 does)."""
    g = rdflib.Graph()
    for s, p, o in rdflib.Graph().parse(data=ntriples, format="nt"):
        if isinstance(o, rdflib.Literal):
            if o.datatype == rdflib.XSD.string:
                o = rdflib.Literal(str(o))
            elif o.language:
                o = rdflib.Literal(str(o), lang=o.language.lower())
        g.add((s, p, o))
    return g


def written(tmp_path, lines: list[str]) -> str:
    path = tmp_path / "out.jsonld"
    write(dataset(lines), path)
    return path.read_text(encoding="utf-8")


def test_pyld_expands_the_file_to_the_same_graph(tmp_path):
    lines = sample_lines()
    doc = json.loads(written(tmp_path, lines))
    nquads = pyld.to_rdf(doc, {"format": "application/n-quads"})
    assert isomorphic(graph(nquads), graph("\n".join(lines) + "\n"))


def test_rdflib_reads_the_file_as_the_same_graph(tmp_path):
    lines = sample_lines()
    g = rdflib.Graph().parse(data=written(tmp_path, lines), format="json-ld")
    assert isomorphic(graph(g.serialize(format="nt")), graph("\n".join(lines) + "\n"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=40), min_size=1, max_size=4),
    st.sampled_from([None, "en", "ru", "de-CH"]),
)
def test_any_text_survives_the_round_trip(texts, lang):
    """Whatever a literal holds, expanding the node objects gives it back unchanged."""
    lines = [t(PERSON, iri(SDO + "name"), literal(x, lang=lang)) for x in texts]
    lines += [t(PERSON, iri(EG + "quote"), literal(x)) for x in texts]
    doc = {"@context": jsonld.context(), "@graph": node_objects(dataset(lines))}
    nquads = pyld.to_rdf(doc, {"format": "application/n-quads"})
    assert isomorphic(graph(nquads), graph("\n".join(lines) + "\n"))


def test_one_node_object_per_line_in_the_dump_order(tmp_path):
    lines = sample_lines()
    text = written(tmp_path, lines)
    body = text.split("\n")
    start = body.index('"@graph": [')
    assert body[-2:] == ["]}", ""]
    nodes = [json.loads(line.rstrip(",")) for line in body[start + 1 : -2]]
    subjects = [split_line(x).subject for x in sorted(set(lines))]
    assert [n["@id"] for n in nodes] == list(dict.fromkeys(subjects))
    assert all(line.endswith(",") for line in body[start + 1 : -3]) and not body[-3].endswith(",")
    assert "\u2028" in text  # written as the character, and no JSON line was split at it


def test_rdf_type_is_written_as_type_with_compact_names():
    nodes = {n["@id"]: n for n in node_objects(dataset(sample_lines()))}
    case, person = nodes[BASE + "case/c1"], nodes[BASE + "person/p1"]
    assert sorted(case["@type"]) == ["eg:ExileCase", "http://example.org/types/Extra"]
    assert person["@type"] == "schema:Person"
    assert all(RDF_TYPE[1:-1] not in n and "rdf:type" not in n for n in nodes.values())


def test_terms_and_values_are_explicit_where_the_context_would_change_them():
    person = {n["@id"]: n for n in node_objects(dataset(sample_lines()))}[BASE + "person/p1"]
    # under a term coerced to xsd:integer a plain literal carries its type, an integer does not need to
    assert {"@value": "about 1970", "@type": "xsd:string"} in person["birth_year"]
    assert {"@value": "1970", "@type": "xsd:integer"} in person["birth_year"]
    assert {"@id": WD + "Q1"} not in person["relatives"] and "wd:Q1" in person["relatives"]
    assert WD in person["relatives"]  # the bare namespace stays a full IRI
    assert {"@id": WD + "Q42"} in person["name"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (WD + "Q1", "wd:Q1"),
        (EG + "ExileCase", "eg:ExileCase"),
        (EG + "a/b", EG + "a/b"),  # the local part may not hold a /
        (EG + "a#b", EG + "a#b"),
        (WD, WD),
        ("http://example.org/x", "http://example.org/x"),
        ("urn:isbn:123", "urn:isbn:123"),
    ],
)
def test_compact_uses_a_prefix_only_for_a_plain_local_name(value, expected):
    assert _compact(value, _namespaces({"wd": WD, "eg": EG})) == expected


def test_the_first_prefix_of_a_namespace_wins():
    spaces = _namespaces({"first": "http://example.org/ns/", "second": "http://example.org/ns/"})
    assert _compact("http://example.org/ns/a", spaces) == "first:a"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http://example.org/ns/", "http://example.org/h#", "http://example.org/"]),
    st.text(st.sampled_from("ab/#:_-."), max_size=8),
)
def test_compact_names_expand_back_to_the_iri(ns, local):
    prefixes = {"ns": "http://example.org/ns/", "h": "http://example.org/h#", "ex": "http://example.org/"}
    out = _compact(ns + local, _namespaces(prefixes))
    pre, _, rest = out.partition(":")
    if pre in prefixes:
        assert prefixes[pre] + rest == ns + local and rest and "/" not in rest and "#" not in rest
    else:
        assert out == ns + local


def test_compact_names_from_a_namespace_without_delimiter_expand_back():
    prefixes = {"ex": "http://example.org/item_"}
    value = _compact("http://example.org/item_1", _namespaces(prefixes))
    doc = {
        "@context": {**prefixes, "p": {"@id": "http://example.org/p", "@type": "@id"}},
        "@id": "http://example.org/s",
        "p": value,
    }
    assert "<http://example.org/item_1>" in pyld.to_rdf(doc, {"format": "application/n-quads"})


def test_blank_node_objects_are_node_references():
    from exilegraph.rdf.dataset import Dataset

    ds = Dataset()
    ds.add("https://example.org/g", ["<https://example.org/s> <https://example.org/p> _:b1 ."])
    [node] = node_objects(ds)
    assert {"@id": "_:b1"} in node.values()


def test_subjects_that_extend_one_another_are_one_node_each(tmp_path):
    """`case/c1/event/1` sorts before `case/c1` in the dump (`/` < `>`): the writer streams subjects in
    that order, each exactly once, with all its values."""
    name = iri("http://schema.org/name")
    lines = [
        f"{iri(BASE + 'case/c1')} {name} {literal('case')} .",
        f"{iri(BASE + 'case/c1/event/1')} {name} {literal('event')} .",
        f"{iri(BASE + 'case/c1')} {iri(EG + 'summary')} {literal('text')} .",
        f"{iri(BASE + 'case/c10')} {name} {literal('other')} .",
    ]
    nodes = node_objects(dataset(lines))
    ids = [n["@id"] for n in nodes]
    assert sorted(ids) == sorted({BASE + "case/c1", BASE + "case/c1/event/1", BASE + "case/c10"})
    assert len(ids) == len(set(ids))
    doc = json.loads(written(tmp_path, lines))
    nquads = pyld.to_rdf(doc, {"format": "application/n-quads"})
    assert isomorphic(graph(nquads), graph("\n".join(lines) + "\n"))


@pytest.mark.parametrize("same", [True, False], ids=["same-description", "different-descriptions"])
def test_node_runs_of_the_workers_merge_into_the_same_file(tmp_path, same):
    """Two chunks that both describe a source: the merged runs give the file the whole dump gives, whether
    the chunks made the same node object of it or not (then the file is made from the dump)."""
    from exilegraph.rdf.dataset import NODE_RUN_SUFFIX, RUN_SUFFIX, SpilledDataset
    from exilegraph.writers.jsonld import RecordNodes

    name = iri("http://schema.org/name")
    source = iri(BASE + "source/s1")
    one = sorted([f"{iri(BASE + 'case/a')} {name} {literal('a')} .", f"{source} {name} {literal('S')} ."])
    other = [f"{iri(BASE + 'case/b')} {name} {literal('b')} .", f"{source} {name} {literal('S')} ."]
    if not same:
        other.append(f"{source} {iri(EG + 'outlet')} {literal('Outlet')} .")
    other.sort()
    spill = tmp_path / "spill"
    spill.mkdir()
    for i, lines in enumerate((one, other)):
        (spill / f"chunk-{i}{RUN_SUFFIX}").write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        pairs = sorted(RecordNodes().nodes(lines))
        (spill / f"chunk-{i}{NODE_RUN_SUFFIX}").write_text(
            "".join(f"{k}\n{t}\n" for k, t in pairs), encoding="utf-8"
        )
    extra = Dataset()
    extra.add(BASE + "graph/provenance", [f"{iri(BASE + 'build/x')} {name} {literal('build')} ."])
    write(SpilledDataset(spill, [], extra), tmp_path / "merged.jsonld")
    whole = dataset(one + other + list(extra.triples))
    write(whole, tmp_path / "whole.jsonld")
    assert (tmp_path / "merged.jsonld").read_text(encoding="utf-8") == (tmp_path / "whole.jsonld").read_text(
        encoding="utf-8"
    )
    ids = [n["@id"] for n in node_objects(whole)]
    assert ids.count(BASE + "source/s1") == 1
