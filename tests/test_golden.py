"""Golden RDF: the mapping of fixed records, compared as graphs (isomorphism) with tests/golden/.

After an intended change of the mapping, regenerate with  pytest tests/test_golden.py --update-golden
and review the diff of tests/golden/ like any other change.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from exilegraph.check import load_record
from exilegraph.mapper import Mapper
from exilegraph.writers.turtle import prefixes

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
INPUTS = sorted((ROOT / "tests" / "fixtures" / "valid").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "fixtures" / "cape").glob("*.txt")
)


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_mapping_matches_golden(path: Path, internal: bool, request):
    lines = Mapper(internal=internal).map(load_record(path)).lines
    golden = GOLDEN / f"{path.stem}.{'internal' if internal else 'public'}.ttl"
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        triples = ox.parse("\n".join(lines) + "\n", format=ox.RdfFormat.N_TRIPLES)
        ox.serialize(sorted(triples, key=str), str(golden), format=ox.RdfFormat.TURTLE, prefixes=prefixes())
    if not golden.exists():
        pytest.fail(f"{golden.relative_to(ROOT)} is missing: run pytest tests/test_golden.py --update-golden")
    got = rdflib.Graph().parse(data="\n".join(lines) + "\n", format="nt")
    want = rdflib.Graph().parse(golden, format="turtle")
    if not isomorphic(got, want):
        _, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
        pytest.fail(
            f"{path.name} maps differently from {golden.name}:\n"
            f"  new: {sorted(only_got)[:5]}\n  gone: {sorted(only_want)[:5]}"
        )


def test_public_golden_files_hold_no_restricted_predicate():
    from exilegraph.resources import schema_index

    restricted = {
        s["uri"] for c in schema_index()["classes"].values() for s in c["slots"].values() if s["restricted"]
    }
    public = rdflib.Graph()
    internal = rdflib.Graph()
    for f in sorted(GOLDEN.glob("*.public.ttl")):
        public.parse(f, format="turtle")
    for f in sorted(GOLDEN.glob("*.internal.ttl")):
        internal.parse(f, format="turtle")
    assert not {str(p) for p in public.predicates()} & restricted
    assert {str(p) for p in internal.predicates()} & restricted  # the fixtures do hold restricted values
