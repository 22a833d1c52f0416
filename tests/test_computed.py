"""The figures exilegraph computes per case (computed.py) equal what counting the record's own claims with
SPARQL gives: the questions that read them answer as the ones that counted every case did."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from exilegraph.check import type_record
from exilegraph.mapper import Mapper
from exilegraph.readers import read_file
from exilegraph.resources import DEFAULT_BASE_IRI
from exilegraph.synth import generate_corpus

ROOT = Path(__file__).resolve().parents[1]
RECORD_FILES = sorted((ROOT / "records").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "fixtures" / "valid").glob("*.yaml")
)
PREFIXES = """PREFIX eg: <https://w3id.org/exilegraph/vocab/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
# what single-source-cases counted for every case before the figures were computed
COUNTED = (
    PREFIXES
    + """
SELECT ?case (COUNT(DISTINCT ?citation) AS ?citations) (COUNT(DISTINCT ?s) AS ?sources)
       (COUNT(DISTINCT ?by_title) AS ?title_only) (SAMPLE(?s) AS ?one)
WHERE {
  ?case a eg:ExileCase ;
        (eg:event|eg:statement|eg:residence|eg:associate|(eg:subject/(eg:alternative_name|eg:affiliation))) ?x .
  ?x eg:citation ?citation .
  ?citation prov:wasDerivedFrom ?s .
  OPTIONAL { ?x eg:basis ?basis }
  FILTER(!BOUND(?basis) || ?basis != eg:Assessed)
  OPTIONAL { ?citation eg:support eg:TitleSupport . BIND(?citation AS ?by_title) }
}
GROUP BY ?case
"""
)
# and what single-source-claims looked for: reported events and statements whose citations share one source
SINGLE = (
    PREFIXES
    + """
SELECT DISTINCT ?case ?x WHERE {
  ?case a eg:ExileCase ; eg:event|eg:statement ?x .
  ?x eg:citation/prov:wasDerivedFrom ?src .
  OPTIONAL { ?x eg:citation/prov:wasDerivedFrom ?other FILTER(?other != ?src) }
  FILTER(!BOUND(?other))
  OPTIONAL { ?x eg:basis ?basis }
  FILTER(!BOUND(?basis) || ?basis != eg:Assessed)
}
"""
)
# where a case unfolded: the documented meaning of first and last (empty only when nothing there is dated)
PRESENT = (
    PREFIXES
    + """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?case ?host ?way ?role (MIN(?start) AS ?first) (MAX(?end) AS ?last) WHERE {
  { ?case eg:event ?x . ?x eg:host_state ?host . BIND("events" AS ?way) }
  UNION
  { ?case eg:residence ?x . ?x eg:country ?host . BIND("residence" AS ?way) OPTIONAL { ?x eg:residence_role ?role } }
  OPTIONAL { ?x eg:earliest ?e } OPTIONAL { ?x eg:latest ?l }
  BIND(COALESCE(STR(?e), "~") AS ?start) BIND(COALESCE(STR(?l), "") AS ?end)
}
GROUP BY ?case ?host ?way ?role
"""
)
COMPUTED = (
    PREFIXES
    + """
SELECT ?case ?citations ?sources ?title_only ?one WHERE {
  ?s a eg:ComputedSummary ; eg:computed_for ?case ; eg:reported_citation_count ?citations ;
     eg:cited_source_count ?sources ; eg:title_only_citation_count ?title_only .
  OPTIONAL { ?s eg:sole_source ?one }
}
"""
)


def _store(path: Path) -> ox.Store:
    record, findings = type_record(read_file(path))
    assert record is not None, findings
    store = ox.Store()
    store.bulk_load(("\n".join(Mapper().map(record).lines) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


def _rows(store: ox.Store, query: str) -> set[tuple]:
    result = store.query(query)
    names = result.variables
    return {tuple(None if s[v] is None else str(s[v]) for v in names) for s in result}


def _check(store: ox.Store) -> None:
    counted = {r[0]: r for r in _rows(store, COUNTED)}
    computed = {r[0]: r for r in _rows(store, COMPUTED)}
    for case, row in computed.items():
        case_, citations, sources, title_only, one = row
        if case in counted:
            _, c2, s2, t2, one2 = counted[case]
            assert (citations, sources, title_only) == (c2, s2, t2), case
            assert one == (one2 if s2 == '"1"^^<http://www.w3.org/2001/XMLSchema#integer>' else None), case
        else:  # no reported citation at all
            assert (citations, sources, one) == (
                '"0"^^<http://www.w3.org/2001/XMLSchema#integer>',
                '"0"^^<http://www.w3.org/2001/XMLSchema#integer>',
                None,
            ), case
    assert set(counted) <= set(computed)
    listed = _rows(
        store, PREFIXES + "SELECT ?case ?x WHERE { ?s eg:computed_for ?case ; eg:single_source_claim ?x }"
    )
    assert listed == _rows(store, SINGLE)
    present = {
        (case, host, way, role, None if first == '"~"' else first, None if last == '""' else last)
        for case, host, way, role, first, last in _rows(store, PRESENT)
    }
    presences = _rows(
        store,
        PREFIXES
        + """SELECT ?case ?host ?way ?role ?first ?last WHERE {
          ?p a eg:ComputedPresence ; eg:computed_for ?case ; eg:presence_state ?host ; eg:presence_through ?way .
          OPTIONAL { ?p eg:presence_role ?role } OPTIONAL { ?p eg:presence_first ?first }
          OPTIONAL { ?p eg:presence_last ?last } }""",
    )
    assert presences == present


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.name)
def test_computed_figures_equal_the_counts_of_the_record(path):
    _check(_store(path))


def test_computed_figures_of_synthetic_cases(tmp_path):
    """Synthetic cases bring residences without roles, undated events and several sources per claim."""
    generate_corpus(30, tmp_path, seed=3)
    for path in sorted(tmp_path.glob("synth-*.yaml")):
        _check(_store(path))


def test_a_case_of_one_source_names_it():
    """Okhunzhonov's record cites only the human-rights defenders' statement; Akhmetova's many sources."""
    one = _rows(_store(ROOT / "records" / "okhunzhonov-narzullo.yaml"), COMPUTED)
    assert len(one) == 1
    (case, _, sources, _, source) = one.pop()
    assert case == f"<{DEFAULT_BASE_IRI}case/okhunzhonov-narzullo>"
    assert sources == '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert source.startswith(f"<{DEFAULT_BASE_IRI}source/")
    (_, _, sources, _, source) = _rows(_store(ROOT / "records" / "akhmetova-zhanara.yaml"), COMPUTED).pop()
    assert int(sources.split('"')[1]) > 1 and source is None


def test_computed_nodes_are_typed_and_described_as_computed_in_the_vocabulary():
    from exilegraph.vocab import vocabulary_lines

    lines = vocabulary_lines()
    for term in ("ComputedSummary", "ComputedPresence", "sole_source", "computed_for", "presence_first"):
        comment = next(
            line
            for line in lines
            if line.startswith(
                f"<https://w3id.org/exilegraph/vocab/{term}> <http://www.w3.org/2000/01/rdf-schema#comment>"
            )
        )
        assert "omputed by exilegraph" in comment or "exilegraph computes" in comment, term
