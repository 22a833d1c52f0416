"""The release's embedded SPARQL store (pyoxigraph, RocksDB on disk), ready to query or serve."""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox

from .errors import QueryError

STORE_DIR = "store"


def load_store(path: Path, nquads: Path, description: list[str], description_graph: str) -> None:
    """Bulk-load the N-Quads dump and the dataset description (in its own named graph)."""
    store = ox.Store(str(path))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.load("\n".join(description).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode(description_graph))
    store.optimize()
    store.flush()
    del store
    gc.collect()  # release RocksDB's lock before the folder is moved into place


def open_store(release: Path) -> ox.Store:
    """Open a release's store read-only; a clear error when there is no release there."""
    folder = release / STORE_DIR
    if not folder.is_dir():
        raise QueryError(f"no release store at {folder}: build one with `exilegraph release` "
                         f"or pass --release DIR")
    try:
        return ox.Store.read_only(str(folder))
    except OSError as exc:
        raise QueryError(f"cannot open the store at {folder}: {exc}") from None
