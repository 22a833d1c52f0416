"""The spilled dataset (rdf/dataset.py): the same dumps as the dataset held in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from exilegraph.rdf.dataset import BLOCK_SUFFIX, RUN_SUFFIX, Dataset, GraphBlock, SpilledDataset

BASE = "https://example.org/"


def line(s: str, o: str) -> str:
    return f'<{BASE}{s}> <{BASE}p> "{o}" .'


GRAPHS = {
    f"{BASE}graph/b": [line("b", "1"), line("shared", "x"), line("b", "2")],
    f"{BASE}graph/d": [line("d", "\u2028 and \x0c inside"), line("shared", "x")],
    f"{BASE}graph/a": [line("a", "1")],
}
EXTRA = {f"{BASE}graph/c-provenance": [line("build", "1"), line("a", "1")]}


def spilled(folder: Path) -> SpilledDataset:
    """The record graphs written by two 'workers' as the pipeline's spill does, the rest held in memory."""
    blocks = []
    for n, names in enumerate(([f"{BASE}graph/b", f"{BASE}graph/d"], [f"{BASE}graph/a"])):
        union: set[str] = set()
        path = folder / f"chunk-{n}{BLOCK_SUFFIX}"
        with open(path, "wb") as f:
            offset = 0
            for g in names:
                lines = sorted(set(GRAPHS[g]))
                data = "".join(x[:-2] + f" <{g}> .\n" for x in lines).encode("utf-8")
                f.write(data)
                blocks.append(GraphBlock(g, str(path), offset, len(data)))
                offset += len(data)
                union.update(lines)
        (folder / f"chunk-{n}{RUN_SUFFIX}").write_text(
            "".join(x + "\n" for x in sorted(union)), encoding="utf-8"
        )
    extra = Dataset()
    for g, lines in EXTRA.items():
        extra.add(g, lines)
    return SpilledDataset(folder, blocks, extra)


@pytest.fixture
def both(tmp_path) -> tuple[SpilledDataset, Dataset]:
    held = Dataset()
    for g, lines in {**GRAPHS, **EXTRA}.items():
        held.add(g, lines)
    return spilled(tmp_path), held


def test_the_union_is_the_same_sorted_and_without_repeats(both):
    disk, held = both
    assert list(disk.lines()) == held.triples
    assert len(held.triples) == len(set(held.triples))


def test_the_quads_come_graph_by_graph_in_order_with_the_held_graphs_in_their_place(both):
    disk, held = both
    assert b"".join(disk.quad_chunks()) == b"".join(held.quad_chunks())
    assert b"".join(held.quad_chunks()).decode("utf-8") == "".join(x + "\n" for x in held.quads())


def test_after_the_dump_is_written_the_spill_can_go(both, tmp_path):
    disk, held = both
    dump = tmp_path / "dump.nt"
    dump.write_text("".join(x + "\n" for x in disk.lines()), encoding="utf-8")
    disk.union_file = dump
    disk.discard_spill()
    assert not list(disk.folder.glob("chunk-*"))
    assert list(disk.lines()) == held.triples  # read from the dump now, breaks inside literals kept


def test_the_spill_is_kept_until_the_dump_is_written(both):
    disk, _ = both
    with pytest.raises(ValueError):
        disk.discard_spill()
