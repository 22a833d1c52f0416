"""The fast SHACL engine (shapes compiled to SPARQL on pyoxigraph) gives exactly pySHACL's verdicts.

Every data graph below is validated by both engines and the two lists of Violations must be equal,
field for field. The hand-written graphs in tests/fixtures/shacl/ say in `# expect:` comments which
results they were written to produce (so the comparison cannot pass on two empty reports) and in
`# absent:` comments which results must not appear.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from exilegraph.check import load_record
from exilegraph.errors import RecordError
from exilegraph.mapper import Mapper
from exilegraph.provenance import vocabulary_lines
from exilegraph.resources import RECORDS, ROOT, SHAPES
from exilegraph.shacl import Violation
from exilegraph.shacl.fast import FastEngine, UnsupportedShape
from exilegraph.shacl.reference import validate_reference

FIXTURES = ROOT / "tests" / "fixtures"

SHACL_FIXTURES = sorted((FIXTURES / "shacl").glob("*.nt"))
RECORD_FILES = sorted(RECORDS.glob("*.yaml")) if RECORDS.is_dir() else []


def _typed(path: Path) -> bool:
    try:
        load_record(path)
    except RecordError:
        return False  # rejected by layer 1: there is no graph to validate
    return True


YAML_FIXTURES = [p for p in sorted(FIXTURES.rglob("*.yaml")) if _typed(p)]
PREFIXES = {
    "fx": "https://example.org/fx/",
    "eg": "https://w3id.org/exilegraph/vocab/",
    "rule": "https://w3id.org/exilegraph/shapes/",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
}
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def engine() -> FastEngine:
    return FastEngine()


def same_verdicts(engine: FastEngine, lines: list[str]) -> list[Violation]:
    fast = engine.validate_lines(lines)
    reference = validate_reference(lines)
    assert fast == reference, _diff(fast, reference)
    return fast


def _diff(fast, reference) -> str:
    only_fast = [v for v in fast if v not in reference]
    only_ref = [v for v in reference if v not in fast]
    return (
        "engines disagree\nonly fast: "
        + "\n  ".join(map(repr, only_fast))
        + "\nonly reference: "
        + "\n  ".join(map(repr, only_ref))
    )


def _expand(name: str) -> str | None:
    if name == "-":
        return None
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local


def _expectations(path: Path, kind: str) -> set[tuple]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(rf"# {kind}: (\S+) (\S+) (\w+) (\S+)$", line)
        if m:
            focus, pred, component, shape = m.groups()
            out.add((_expand(focus), _expand(pred), component + "ConstraintComponent", _expand(shape)))
    return out


def _mapped(path: Path) -> list[str]:
    record = load_record(path)
    return Mapper().map(record).lines + vocabulary_lines()


# ---- hand-written graphs: every constraint component and every rule ------------------------------


@pytest.mark.parametrize("path", SHACL_FIXTURES, ids=lambda p: p.stem)
def test_fixture_same_verdicts_and_intended_violations(engine, path):
    lines = path.read_text(encoding="utf-8").splitlines() + vocabulary_lines()
    found = same_verdicts(engine, lines)
    got = {(v.focus, v.path, v.component, v.shape) for v in found}
    expected = _expectations(path, "expect")
    if "# expect: nothing" in path.read_text(encoding="utf-8"):
        assert found == []
    else:
        assert expected, f"{path.name} declares no `# expect:` line"
        assert expected <= got, f"missing: {sorted(expected - got, key=str)}"
    present = _expectations(path, "absent") & got
    assert not present, f"results that should not appear: {sorted(present, key=str)}"


def test_fixtures_cover_every_component_and_rule():
    expected = set().union(*(_expectations(p, "expect") for p in SHACL_FIXTURES))
    components = {e[2] for e in expected}
    for name in (
        "Closed",
        "Datatype",
        "NodeKind",
        "In",
        "Pattern",
        "MinInclusive",
        "Or",
        "Class",
        "MinCount",
        "MaxCount",
        "SPARQL",
    ):
        assert name + "ConstraintComponent" in components, name
    rules = set(
        re.findall(r"^rule:([\w-]+) a sh:NodeShape", (SHAPES / "rules.ttl").read_text(encoding="utf-8"), re.M)
    )
    assert len(rules) >= 9
    assert {f"{PREFIXES['rule']}{r}" for r in rules} <= {e[3] for e in expected}


def test_messages_and_severities_come_from_the_shapes(engine):
    lines = (FIXTURES / "shacl" / "sources.nt").read_text(encoding="utf-8").splitlines() + vocabulary_lines()
    found = {
        (v.focus.rsplit("/", 1)[-1], v.shape.rsplit("/", 1)[-1]): v for v in engine.validate_lines(lines)
    }
    url = found[("src-news", "online-source-url")]
    assert (url.severity, url.value, url.path) == ("warning", "<https://example.org/fx/src-news>", None)
    assert url.message == "this online source (news article, blog post or database entry) has no URL"
    untyped = found[("src-untyped", "Source")]
    assert (untyped.severity, untyped.message, untyped.value) == ("error", None, None)


# ---- mapped records -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", YAML_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_yaml_fixture_same_verdicts(engine, path):
    same_verdicts(engine, _mapped(path))


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.stem)
def test_record_same_verdicts(engine, path):
    same_verdicts(engine, _mapped(path))


def test_all_records_together_same_verdicts(engine):
    lines = [line for path in RECORD_FILES for line in Mapper().map(load_record(path)).lines]
    same_verdicts(engine, sorted(set(lines)) + vocabulary_lines())


def test_synthetic_records_same_verdicts(engine, tmp_path):
    from exilegraph import synth

    paths = synth.generate_corpus(4, tmp_path / "corpus", seed=7)
    lines = sorted({line for p in paths for line in Mapper().map(load_record(p)).lines})
    assert len(lines) > 500
    same_verdicts(engine, lines + vocabulary_lines())


# ---- the engine itself ---------------------------------------------------------------------------


def test_validate_reads_the_default_graph_only_and_threads_agree(engine):
    text = (FIXTURES / "shacl" / "event-components.nt").read_text(encoding="utf-8")
    store = ox.Store()
    store.load(input=text, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("https://example.org/g"))
    assert engine.validate(store) == []
    store.load(input=text, format=ox.RdfFormat.N_TRIPLES)
    one = engine.validate(store, workers=1)
    assert len(one) == 11
    assert engine.validate(store, workers=3) == one


def test_compiles_once_into_few_queries(engine):
    assert engine.compile_seconds > 0
    assert len(engine.queries) < 70  # about three per node shape, not one per constraint


UNSUPPORTED = {
    "sh:node": "sh:property [ sh:path eg:x ; sh:node eg:Other ]",
    "sh:flags": 'sh:property [ sh:path eg:x ; sh:pattern "^a" ; sh:flags "i" ]',
    "a complex path": "sh:property [ sh:path ( eg:x eg:y ) ; sh:minCount 1 ]",
    "a datatype rdflib checks differently": "sh:property [ sh:path eg:x ; sh:datatype xsd:dateTime ]",
    "OPTIONAL in a SPARQL rule": 'sh:sparql [ sh:select "SELECT $this WHERE { OPTIONAL { $this <urn:x> ?v } }" ]',
    "$this unbound by a triple": 'sh:sparql [ sh:select "SELECT $this WHERE { FILTER (isIRI($this)) }" ]',
    "a pre-bound variable": 'sh:sparql [ sh:select "SELECT $this WHERE { $this <urn:x> $currentShape }" ]',
    "two datatypes": "sh:property [ sh:path eg:x ; sh:datatype xsd:string , xsd:integer ]",
    "sh:deactivated": "sh:deactivated true",
    "a sh:select that does not parse": 'sh:sparql [ sh:select "SELECT $this WHERE { $this eg:x ?v }" ]',
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_unsupported_construct_fails_at_compile_time(construct):
    ttl = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix eg: <https://w3id.org/exilegraph/vocab/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f"eg:Shape a sh:NodeShape ; sh:targetClass eg:Thing ; {UNSUPPORTED[construct]} .\n"
    )
    with pytest.raises(UnsupportedShape, match="does not implement"):
        FastEngine([ttl])


def test_a_supported_shapes_document_compiles():
    ttl = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix eg: <https://w3id.org/exilegraph/vocab/> .\n"
        "eg:Shape a sh:NodeShape ; sh:targetClass eg:Thing ; sh:property [ sh:path eg:x ; sh:maxCount 1 ] .\n"
    )
    engine = FastEngine([ttl])
    lines = [
        "<https://example.org/t> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/exilegraph/vocab/Thing> .",
        '<https://example.org/t> <https://w3id.org/exilegraph/vocab/x> "1" .',
        '<https://example.org/t> <https://w3id.org/exilegraph/vocab/x> "2" .',
    ]
    assert [v.component for v in engine.validate_lines(lines)] == ["MaxCountConstraintComponent"]


def test_known_divergence_store_folds_derived_integer_types(engine):
    """A pyoxigraph Store keeps "5"^^xsd:int as "5"^^xsd:integer, so sh:datatype xsd:integer accepts it
    where pySHACL rejects it. The mapper writes only xsd:integer; this test notices if that changes."""
    lines = (FIXTURES / "shacl" / "valid.nt").read_text(encoding="utf-8").splitlines() + [
        f'<https://example.org/fx/ok-event> <https://w3id.org/exilegraph/vocab/duration_days> "5"^^<{XSD}int> .'
    ]
    reference = validate_reference(lines + vocabulary_lines())
    assert [v.component for v in reference] == ["DatatypeConstraintComponent"]
    assert engine.validate_lines(lines + vocabulary_lines()) == []
