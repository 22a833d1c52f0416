"""The N-Triples term builders and parsers (exilegraph.rdf.terms): whatever they write, pyoxigraph reads
back as the same term, and our own parsers agree with it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exilegraph.rdf.namespaces import RDF_LANG_STRING, XSD, XSD_STRING
from exilegraph.rdf.terms import (
    blank,
    hash_id,
    iri,
    iri_value,
    literal,
    parse_literal,
    split_line,
    subject_of,
    typed,
    unescape,
)

S, P = "<https://example.org/s>", "<https://example.org/p>"
# Unicode scalar values: a str holding a lone surrogate cannot be written as UTF-8 by anyone
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
TRICKY = st.sampled_from(
    ['"', "\\", "\n", "\r", "\t", "\u2028", "\u2029", "\x00", "\x0c", "\x7f", "\ufeff", "é", "𝄞"]
)
MIXED = st.lists(st.one_of(TRICKY, TEXT), max_size=12).map("".join)
LANGS = st.from_regex(r"\A[a-z]{2,3}(-[A-Z]{2})?\Z")


def parsed_object(term: str):
    [triple] = ox.parse(f"{S} {P} {term} .\n".encode(), format=ox.RdfFormat.N_TRIPLES)
    return triple.object


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_plain_literals_read_back_unchanged(text):
    term = literal(text)
    obj = parsed_object(term)
    assert isinstance(obj, ox.Literal) and obj.value == text and obj.datatype.value == XSD_STRING
    assert parse_literal(term) == (text, None, XSD_STRING)


@settings(max_examples=200, deadline=None)
@given(MIXED, LANGS)
def test_language_tagged_literals_read_back_unchanged(text, lang):
    term = literal(text, lang=lang)
    obj = parsed_object(term)
    assert obj.value == text and obj.language == lang.lower()
    value, language, datatype = parse_literal(term)
    assert (value, language.lower(), datatype) == (text, lang.lower(), RDF_LANG_STRING)


@settings(max_examples=200, deadline=None)
@given(MIXED, st.sampled_from(["date", "gYear", "integer", "boolean", "dateTime"]))
def test_typed_literals_keep_their_datatype(text, name):
    term = literal(text, XSD + name)
    obj = pyoxigraph_lenient(term)
    assert obj.value == text and obj.datatype.value == XSD + name
    assert parse_literal(term) == (text, None, XSD + name)


def pyoxigraph_lenient(term: str):
    """Typed literals with an invalid lexical form are still literals of that datatype in N-Triples."""
    [triple] = ox.parse(f"{S} {P} {term} .\n".encode(), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return triple.object


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_any_text_makes_an_iri_parsers_accept(text):
    term = iri("https://example.org/" + text)
    obj = parsed_object(term)  # strict parsing: the IRI is valid
    assert isinstance(obj, ox.NamedNode) and obj.value == iri_value(term)


@given(st.text(alphabet=st.sampled_from("abcXYZ019-._~/:?=&;+,()'!*$@"), max_size=60))
def test_valid_iris_are_kept_as_they_are(path):
    assert iri_value(iri("https://example.org/" + path)) == "https://example.org/" + path


def test_iri_encodes_what_an_iri_cannot_hold():
    assert iri("https://example.org/a b") == "<https://example.org/a%20b>"
    assert iri("https://example.org/a%2Fb") == "<https://example.org/a%2Fb>"  # a valid escape stays
    assert iri("https://example.org/100%") == "<https://example.org/100%25>"
    assert iri("https://example.org/x#a#b") == "<https://example.org/x#a%23b>"
    assert iri('https://example.org/<"{}|^`\\>') == "<https://example.org/%3C%22%7B%7D%7C%5E%60%5C%3E>"


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_blank_nodes_parse(label):
    obj = parsed_object(blank(label))
    assert isinstance(obj, ox.BlankNode)


@settings(max_examples=200, deadline=None)
@given(MIXED, MIXED)
def test_split_line_reads_the_builders_lines(path, text):
    s, o = iri("https://example.org/" + path), literal(text, lang="en")
    line = f"{s} {P} {o} ."
    triple = split_line(line)
    assert (triple.subject, triple.predicate, triple.object) == (iri_value(s), iri_value(P), o)
    assert subject_of(line) == iri_value(s)


def test_very_long_literals_round_trip():
    text = 'ab"\\\n' * 200_000  # 1 MB of characters that all need care
    assert parsed_object(literal(text)).value == text


def test_unescape_reads_every_escape_n_triples_allows():
    assert unescape(r"a\tb\u00e9\U0001D11E\"\\\n") == 'a\tbé𝄞"\\\n'


def test_typed_and_hash_id():
    assert typed(True, "boolean") == f'"true"^^<{XSD}boolean>'
    assert typed("7", "integer") == f'"7"^^<{XSD}integer>'
    assert hash_id("a", "b") != hash_id("ab") and len(hash_id("x")) == 20


def test_parsers_refuse_what_is_not_a_term():
    for bad in ("not a line", "<a> <b>"):
        with pytest.raises(ValueError):
            split_line(bad)
    with pytest.raises(ValueError):
        parse_literal("<https://example.org/>")
    with pytest.raises(ValueError):
        iri_value('"text"')
    with pytest.raises(ValueError):
        literal("x", lang="not a tag")
