"""A release's per-record cache entries (mapped lines, JSON-LD node objects) and the spill of a chunk.

A release's workers write what they made of their chunk into the spill folder (rdf/dataset.py reads it):
each record's graph as an N-Quads block, the chunk's union as a sorted N-Triples run and its node objects
as a run sorted by subject. The lines and node objects of a record are cached by its bytes: they depend on
nothing else (the build that made a record's graph is named once, in the provenance graph), which is what
lets a rebuild reuse them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .provenance import content_digest
from .rdf.dataset import BLOCK_SUFFIX, CHUNK_PREFIX, NODE_RUN_SUFFIX, RUN_SUFFIX, GraphBlock
from .records import RecordGraph

if TYPE_CHECKING:
    from .pipeline import Processed


class NodeMaker(Protocol):
    """Makes JSON-LD node objects (the JSON-LD writer's, handed down by the release)."""

    def nodes(self, lines: list[str]) -> list[list[str]]:
        """[sort key, JSON text] for each subject of these sorted N-Triples lines."""
        ...


def lines_entry(item: Processed) -> dict:
    """A record's mapped lines, node objects and what the release needs besides, for a rebuild that skips
    typing and mapping."""
    g = item.graph
    assert g is not None
    return {
        "graph": [g.record_id, g.path, g.sha256, g.graph, g.case_iri],
        "lines": "\n".join(g.lines),
        "synthetic": item.synthetic,
        "nodes": item.nodes,
    }


def cached_mapped(
    entry: object, path: str, sha256: str, *, want_nodes: bool
) -> tuple[RecordGraph, bool, list | None] | None:
    """A lines entry read back, or None when it is not of the shape lines_entry writes or not this file's."""
    try:
        record_id, gpath, gsha, graph, case_iri = entry["graph"]  # type: ignore[index]
        lines, synthetic, nodes = entry["lines"], entry["synthetic"], entry["nodes"]  # type: ignore[index]
        strings = (record_id, graph, lines)
        if gpath != path or gsha != sha256 or not all(isinstance(x, str) for x in strings):
            return None
        if not (case_iri is None or isinstance(case_iri, str)) or not isinstance(synthetic, bool):
            return None
        if want_nodes and not (
            isinstance(nodes, list)
            and all(isinstance(n, list) and len(n) == 2 and all(isinstance(x, str) for x in n) for n in nodes)
        ):
            return None
    except (KeyError, TypeError, ValueError):
        return None
    split = lines.split("\n") if lines else []
    return RecordGraph(record_id, gpath, gsha, graph, split, case_iri=case_iri), synthetic, nodes


def meta_entry(item: Processed) -> dict:
    """What a rebuild patched from the previous release needs of an unchanged record besides its verdict:
    its graph's names, whether it is synthetic, and the digest of its content (see release/patch.py)."""
    g = item.graph
    assert g is not None
    return {
        "graph": [g.record_id, g.path, g.sha256, g.graph, g.case_iri],
        "synthetic": item.synthetic,
        "digest": item.digest,
    }


def cached_meta(entry: object, path: str, sha256: str) -> tuple[RecordGraph, bool, str] | None:
    """A meta entry read back (the graph without its lines), or None when it is not of the shape meta_entry
    writes or not this file's."""
    try:
        record_id, gpath, gsha, graph, case_iri = entry["graph"]  # type: ignore[index]
        synthetic, digest = entry["synthetic"], entry["digest"]  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    if gpath != path or gsha != sha256 or not all(isinstance(x, str) for x in (record_id, graph, digest)):
        return None
    if not (case_iri is None or isinstance(case_iri, str)) or not isinstance(synthetic, bool):
        return None
    return RecordGraph(record_id, gpath, gsha, graph, [], case_iri=case_iri), synthetic, digest


def spill_chunk(items: list[Processed], folder: Path, base: str, maker: NodeMaker | None) -> None:
    """Write the chunk's record graphs as N-Quads blocks, their union as a sorted run and (with a maker)
    their node objects sorted by key into `folder`. The lines and nodes leave the items: only their block's
    place travels back to the main process."""
    fd, name = tempfile.mkstemp(prefix=CHUNK_PREFIX, suffix=BLOCK_SUFFIX, dir=folder)
    union: set[str] = set()
    nodes: set[tuple[str, str]] = set()
    offset = 0
    with os.fdopen(fd, "wb") as f:
        for item in items:
            g = item.graph
            if g is None:
                continue
            item.digest = content_digest(g.lines, base)
            lines = sorted(set(g.lines))
            suffix = f" <{g.graph}> .\n"
            data = "".join([line[:-2] + suffix for line in lines]).encode("utf-8")
            f.write(data)
            item.block = GraphBlock(g.graph, name, offset, len(data))
            offset += len(data)
            union.update(lines)
            g.lines, g.paths, g.refs = [], {}, []  # the findings and summary that needed them are made
            nodes.update((k, t) for k, t in item.nodes or ())
            item.nodes = None
    stem = name[: -len(BLOCK_SUFFIX)]
    with open(stem + RUN_SUFFIX, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in sorted(union))
    if maker is not None:
        with open(stem + NODE_RUN_SUFFIX, "w", encoding="utf-8", newline="\n") as f:
            for key, text in sorted(nodes):
                f.write(f"{key}\n{text}\n")
