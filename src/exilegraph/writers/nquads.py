"""N-Quads: one named graph per record, plus the provenance and vocabulary graphs; sorted."""

from pathlib import Path

from ..rdf.dataset import Dataset


def write(dataset: Dataset, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in dataset.quads())
