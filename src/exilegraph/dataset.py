"""The release's data as a value: named graphs of N-Triples lines, built before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class NamedGraph:
    iri: str
    lines: tuple[str, ...]  # sorted, unique N-Triples lines ending in " ."


@dataclass
class Dataset:
    graphs: list[NamedGraph] = field(default_factory=list)

    def add(self, graph_iri: str, lines) -> None:
        self.graphs.append(NamedGraph(graph_iri, tuple(sorted(set(lines)))))

    @cached_property
    def triples(self) -> list[str]:
        """The union of all graphs, sorted and de-duplicated: the N-Triples dump."""
        return sorted({line for g in self.graphs for line in g.lines})

    def quads(self) -> list[str]:
        out = []
        for g in sorted(self.graphs, key=lambda g: g.iri):
            suffix = f" <{g.iri}> ."
            out.extend(line[:-2] + suffix for line in g.lines)
        return out
