"""N-Triples: the union of all graphs, one triple a line, sorted for diffs."""

from pathlib import Path

from ..rdf.dataset import Dataset, SpilledDataset


def write(dataset: Dataset | SpilledDataset, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in dataset.lines())
