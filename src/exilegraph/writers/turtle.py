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
        return write_file(dataset.union_file, path)
    else:
        text = "\n".join(dataset.lines()).encode("utf-8")
        triples = ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=prefixes())


def write_file(ntriples: Path, path: Path) -> None:
    """The Turtle dump of a sorted N-Triples file (what `write` does once the N-Triples dump is written)."""
    triples = ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=prefixes())


if __name__ == "__main__":  # a release writes Turtle in its own process: release/background.py
    import sys

    write_file(Path(sys.argv[1]), Path(sys.argv[2]))
