"""Turtle with the schema's prefixes, serialised by pyoxigraph from the sorted union (5 s at 10k cases),
read from the N-Triples dump once it is written."""

from pathlib import Path

import pyoxigraph as ox

from ..rdf.dataset import Dataset, SpilledDataset
from ..resources import schema_index

EXTRA_PREFIXES = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def prefixes() -> dict[str, str]:
    p = {k: v for k, v in schema_index()["prefixes"].items() if k != "linkml"}
    return dict(sorted((p | EXTRA_PREFIXES).items()))


def write(dataset: Dataset | SpilledDataset, path: Path) -> None:
    if dataset.union_file is not None:
        triples = ox.parse(path=str(dataset.union_file), format=ox.RdfFormat.N_TRIPLES)
    else:
        text = "\n".join(dataset.lines()).encode("utf-8")
        triples = ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=prefixes())
