"""The release's data as a value: named graphs of N-Triples lines, held in memory or spilled to disk.

Both forms give the writers the same two views: `lines()`, the union of all graphs sorted and
de-duplicated (the N-Triples dump), and `quad_chunks()`, the N-Quads dump graph by graph. A release of
10k cases has 2.6M lines: the spilled form keeps them in files the record workers wrote (one N-Quads
block per record, one sorted N-Triples run per chunk of records) and merges them as they are written,
so the main process holds none of them.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

CHUNK_PREFIX = "chunk-"  # the spill files a worker writes for one chunk of records start so
RUN_SUFFIX = ".nt"  # a chunk's sorted union; its N-Quads blocks are in the file of the same stem, .nq
BLOCK_SUFFIX = ".nq"
NODE_RUN_SUFFIX = (
    ".jsonl"  # a chunk's JSON-LD node objects: a subject's sort key, then its object, a line each
)


@dataclass(frozen=True)
class NamedGraph:
    iri: str
    lines: tuple[str, ...]  # sorted, unique N-Triples lines ending in " ."


class GraphBlock(NamedTuple):
    """One record's named graph as N-Quads bytes in a spill file."""

    graph: str  # IRI, without <>
    file: str
    offset: int
    length: int


@dataclass
class Dataset:
    """Named graphs held in memory: small releases, tests, and the graphs the main process adds."""

    graphs: list[NamedGraph] = field(default_factory=list)

    def add(self, graph_iri: str, lines) -> None:
        self.graphs.append(NamedGraph(graph_iri, tuple(sorted(set(lines)))))

    @cached_property
    def triples(self) -> list[str]:
        """The union of all graphs, sorted and de-duplicated: the N-Triples dump."""
        return sorted({line for g in self.graphs for line in g.lines})

    def lines(self) -> Iterator[str]:
        return iter(self.triples)

    def runs(self, suffix: str = RUN_SUFFIX) -> list[Path]:
        return []

    @property
    def union_file(self) -> Path | None:
        return None

    def quads(self) -> Iterator[str]:
        """The N-Quads lines, graph by graph, made as they are written."""
        for g in sorted(self.graphs, key=lambda g: g.iri):
            suffix = f" <{g.iri}> ."
            yield from (line[:-2] + suffix for line in g.lines)

    def quad_chunks(self) -> Iterator[bytes]:
        for g in sorted(self.graphs, key=lambda g: g.iri):
            yield _quads(g).encode("utf-8")


def _quads(g: NamedGraph) -> str:
    suffix = f" <{g.iri}> .\n"
    return "".join([line[:-2] + suffix for line in g.lines])


def quads_bytes(graph: str, lines) -> bytes:
    """A named graph's block of the N-Quads dump from its sorted, unique N-Triples lines."""
    suffix = f" <{graph}> .\n"
    return "".join([line[:-2] + suffix for line in lines]).encode("utf-8")


class SpilledDataset:
    """Record graphs in spill files (see the module's docstring) plus a few graphs held in memory.

    `union_file` is set once the N-Triples dump is written: later passes read it instead of merging
    the runs again."""

    def __init__(self, folder: Path, blocks: list[GraphBlock], extra: Dataset):
        self.folder = folder
        self.blocks = sorted(blocks)
        self.extra = extra
        self.union_file: Path | None = None

    def runs(self, suffix: str = RUN_SUFFIX) -> list[Path]:
        """The spill files the workers wrote with this suffix (their sorted unions by default)."""
        return sorted(self.folder.glob(f"{CHUNK_PREFIX}*{suffix}"))

    def lines(self) -> Iterator[str]:
        """The union, sorted and de-duplicated, without line ends. Raises OSError when a file cannot be read."""
        if self.union_file is not None:
            with open(self.union_file, encoding="utf-8", newline="\n") as f:
                for line in f:
                    yield line[:-1]
            return
        with ExitStack() as stack:
            # newline="\n": split at line feeds only; a literal's escaped breaks stay in their line
            files = [stack.enter_context(open(p, encoding="utf-8", newline="\n")) for p in self.runs()]
            extra = (line + "\n" for line in self.extra.triples)
            last = None
            for line in heapq.merge(*files, extra):
                if line != last:
                    yield line[:-1]
                    last = line

    def quad_chunks(self) -> Iterator[bytes]:
        """The N-Quads dump in graph order: the records' blocks copied from the spill files, the graphs
        held in memory in their place."""
        mine = sorted(self.extra.graphs, key=lambda g: g.iri)
        with ExitStack() as stack:
            handles: dict[str, object] = {}
            for block in self.blocks:
                while mine and mine[0].iri < block.graph:
                    yield _quads(mine.pop(0)).encode("utf-8")
                f = handles.get(block.file)
                if f is None:
                    f = handles[block.file] = stack.enter_context(open(block.file, "rb"))
                f.seek(block.offset)  # type: ignore[attr-defined]
                yield f.read(block.length)  # type: ignore[attr-defined]
            for g in mine:
                yield _quads(g).encode("utf-8")

    def discard_spill(self) -> None:
        """Remove the spill files once every dump is written (at 100k cases they take gigabytes); lines()
        reads the N-Triples dump from then on. Raises OSError when the folder cannot be read."""
        if self.union_file is None:
            raise ValueError("the N-Triples dump is not written yet")
        for suffix in (RUN_SUFFIX, BLOCK_SUFFIX, NODE_RUN_SUFFIX):
            for p in self.runs(suffix):
                p.unlink(missing_ok=True)
        self.blocks = []
