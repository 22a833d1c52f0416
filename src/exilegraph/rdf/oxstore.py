"""Loading and patching the release's Oxigraph store from dump files, in a process of its own.

`python -m exilegraph.rdf.oxstore STORE NQUADS NTRIPLES` bulk-loads a new store;
`python -m exilegraph.rdf.oxstore --patch STORE PREVIOUS FOLDER` makes one from the previous release's
store and the patch files in FOLDER (written by release/assemble.py). This module imports nothing of the
toolkit's heavier layers: the process starts in a fraction of a second.
"""

from __future__ import annotations

import gc
import itertools
import sys
from pathlib import Path

import pyoxigraph as ox

# the files of a store patch (written by release/patch.py)
PATCH_OLD, PATCH_NEW = "graphs-old.nq", "graphs-new.nq"  # changed named graphs, before and after
PATCH_GONE = "graphs-gone.txt"  # named graphs no record makes any more, one IRI a line
PATCH_UNION_OUT, PATCH_UNION_IN = "union-out.nt", "union-in.nt"  # lines that left or joined a changed graph
PATCH_OWNED = "owned.txt"  # a graph, then how the subjects only it describes start (one a line)
PATCH_DESCRIPTION = "description.nt"  # the new description, for its graph and the default graph
PATCHES_FILE = "exilegraph-patches"  # beside the database files: patches applied since the last optimize
OPTIMIZE_AFTER = 8


def _patch(path: str, previous: str, folder: str) -> None:
    """The store of the previous release, as a hard-linked checkpoint, patched to hold the new release:
    each changed named graph made what it is now, the description graph replaced, and the default graph
    (the union of the named graphs, and the description) given the triples that joined a graph and freed
    of those no named graph holds any more. Terms are compared as the store does (a language tag's case),
    not as text. The subjects PATCH_OWNED names are described by its graph alone (the build's, in the
    provenance graph): whether such a triple stays needs no look-up. Every few patches the store is
    optimised, as a loaded one is."""
    old = ox.Store.read_only(previous)
    old.backup(path)
    del old
    gc.collect()
    store = ox.Store(path)
    base = Path(folder)
    description_graph, description = _description(base)
    before, after = set(_parse(base / PATCH_OLD)), set(_parse(base / PATCH_NEW))
    for quad in before - after:
        store.remove(quad)
    store.extend(after - before)
    for line in (base / PATCH_GONE).read_text(encoding="utf-8").split():
        store.remove_graph(ox.NamedNode(line))
    old_description = {
        ox.Quad(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, description_graph)
    }
    store.clear_graph(description_graph)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, description_graph) for q in description)
    keep = set(description)
    owner, owned = _owned(base)
    changed = {q.graph_name for q in before | after}
    for quad in {*_parse(base / PATCH_UNION_OUT), *old_description} - keep:
        if owner in changed and str(quad.subject).startswith(owned):  # no look-up: 0.1-1 ms each
            held = ox.Quad(quad.subject, quad.predicate, quad.object, owner) in after
        else:
            held = _in_a_named_graph(store, quad, description_graph)
        if not held:
            store.remove(quad)
    store.extend({*_parse(base / PATCH_UNION_IN), *description})
    patches = _patches(Path(previous)) + 1
    if patches >= OPTIMIZE_AFTER:
        store.optimize()
        patches = 0
    store.flush()
    del store
    gc.collect()
    (Path(path) / PATCHES_FILE).write_text(f"{patches}\n", encoding="ascii")


def _parse(path: Path) -> list:
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)) if path.stat().st_size else []


def _description(folder: Path) -> tuple:
    lines = (folder / PATCH_DESCRIPTION).read_text(encoding="utf-8").splitlines()
    graph = ox.NamedNode(lines[0])
    return graph, list(ox.parse("\n".join(lines[1:]).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def _owned(folder: Path) -> tuple:
    lines = (folder / PATCH_OWNED).read_text(encoding="utf-8").splitlines()
    return ox.NamedNode(lines[0]), tuple(lines[1:])


def _in_a_named_graph(store, quad, description_graph) -> bool:
    return any(
        not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name != description_graph
        for q in store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
    )


def _patches(store: Path) -> int:
    """How many patches the store has had since it was optimised (0 for a loaded store)."""
    try:
        return int((store / PATCHES_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return 0


LOAD_LINES = 500_000  # per bulk load: Oxigraph's loader holds a whole input's batches (1.6 GB at 10k cases)


def _load(path: str, nquads: str, ntriples: str) -> None:
    store = ox.Store(path)
    _bulk_load(store, nquads, ox.RdfFormat.N_QUADS)
    _bulk_load(store, ntriples, ox.RdfFormat.N_TRIPLES)  # the union, into the default graph
    store.flush()


def _bulk_load(store: ox.Store, path: str, fmt: ox.RdfFormat) -> None:
    """Load a line-based dump in pieces of LOAD_LINES lines, so the loader's memory does not grow with it."""
    with open(path, "rb") as f:
        while chunk := b"".join(itertools.islice(f, LOAD_LINES)):
            store.bulk_load(input=chunk, format=fmt)


if __name__ == "__main__":  # the process of release/store.py's StoreLoader or StorePatcher
    if sys.argv[1] == "--patch":
        _patch(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        _load(sys.argv[1], sys.argv[2], sys.argv[3])
