"""Writers serialise a Dataset; one module per format, registered here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..rdf.dataset import Dataset, SpilledDataset
from . import jsonld, nquads, ntriples, turtle


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    media_type: str
    write: Callable[[Dataset | SpilledDataset, Path], None]


FORMATS: dict[str, Format] = {
    "turtle": Format("turtle", "exilegraph.ttl", "text/turtle", turtle.write),
    "ntriples": Format("ntriples", "exilegraph.nt", "application/n-triples", ntriples.write),
    "nquads": Format("nquads", "exilegraph.nq", "application/n-quads", nquads.write),
    "jsonld": Format("jsonld", "exilegraph.jsonld", "application/ld+json", jsonld.write),
}
