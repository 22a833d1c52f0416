"""The release's embedded SPARQL store (pyoxigraph, RocksDB on disk), ready to query or serve."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pyoxigraph as ox

from .errors import QueryError

STORE_DIR = "store"


class StoreLoader:
    """Bulk-loads the N-Quads dump in a background thread (pyoxigraph releases the GIL while it
    loads), so the other files are written meanwhile; `finish` adds the description and closes."""

    def __init__(self, path: Path, nquads: Path):
        self.path, self.nquads = path, nquads
        self.error: BaseException | None = None
        self.store: ox.Store | None = None
        self.thread = threading.Thread(target=self._load, name="store-loader", daemon=True)

    def start(self) -> "StoreLoader":
        self.thread.start()
        return self

    def _load(self) -> None:
        try:
            self.store = ox.Store(str(self.path))
            self.store.bulk_load(path=str(self.nquads), format=ox.RdfFormat.N_QUADS)
        except BaseException as exc:  # re-raised in the main thread by finish()
            self.error = exc

    def finish(self, description: list[str], description_graph: str) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error
        store = self.store
        store.load("\n".join(description).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.NamedNode(description_graph))
        store.optimize()
        store.flush()
        self.store = store = None
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
