"""N-Quads: one named graph per record, plus the provenance and vocabulary graphs; sorted."""

from pathlib import Path

from ..rdf.dataset import Dataset, SpilledDataset


def write(dataset: Dataset | SpilledDataset, path: Path) -> None:
    with open(path, "wb") as f:
        for chunk in dataset.quad_chunks():
            f.write(chunk)
