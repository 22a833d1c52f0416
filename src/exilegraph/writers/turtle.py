"""Turtle with the schema's prefixes, written by pyoxigraph from an in-memory store of the union.

Loading the N-Triples text into a store and dumping it keeps every triple in Rust: handing
pyoxigraph Python triple objects instead costs ~8 µs a triple (20 s at 10k cases).
"""

from pathlib import Path

import pyoxigraph as ox

from ..dataset import Dataset
from ..resources import schema_index

EXTRA_PREFIXES = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def prefixes() -> dict[str, str]:
    p = {k: v for k, v in schema_index()["prefixes"].items() if k != "linkml"}
    return dict(sorted((p | EXTRA_PREFIXES).items()))


def write(dataset: Dataset, path: Path) -> None:
    store = ox.Store()
    store.bulk_load(input="\n".join(dataset.triples).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    store.dump(str(path), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes())
