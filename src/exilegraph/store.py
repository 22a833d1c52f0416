"""The release's embedded SPARQL store (pyoxigraph, RocksDB on disk), ready to query or serve.

The store holds each record's named graph (as the N-Quads dump) and, in its default graph, their union
de-duplicated (as the N-Triples dump). Queries run on the real default graph: a source cited by many
records is one set of triples there, and queries need no union view, which made them 2-4 times slower.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from .errors import QueryError

STORE_DIR = "store"


class StoreLoader:
    """Bulk-loads the N-Quads and N-Triples dumps in a separate process while the other files are written.

    A thread is not enough: writing Turtle and JSON-LD needs the GIL for every triple, and sharing
    it with the loader made both several times slower at 10k cases. `finish` waits for the loader,
    adds the dataset description in its own graph and in the default graph, and optimises the store.
    """

    def __init__(self, path: Path, nquads: Path, ntriples: Path):
        self.path, self.nquads, self.ntriples = path, nquads, ntriples
        self.proc: subprocess.Popen | None = None

    def start(self) -> "StoreLoader":
        self.proc = subprocess.Popen([sys.executable, "-m", "exilegraph.store", str(self.path), str(self.nquads),
                                      str(self.ntriples)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def wait(self) -> None:
        if self.proc is not None:
            _, err = self.proc.communicate()
            if self.proc.returncode != 0:
                raise OSError(f"loading the store failed: {err.decode('utf-8', 'replace').strip()[-500:]}")

    def finish(self, description: list[str], description_graph: str) -> None:
        self.wait()
        store = ox.Store(str(self.path))
        data = "\n".join(description).encode("utf-8")
        store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(description_graph))
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
        store.optimize()
        store.flush()
        del store
        gc.collect()  # release RocksDB's lock before the folder is moved into place


def _load(path: str, nquads: str, ntriples: str) -> None:
    store = ox.Store(path)
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=ntriples, format=ox.RdfFormat.N_TRIPLES)  # the union, into the default graph
    store.flush()


def open_store(release: Path) -> ox.Store:
    """Open a release's store read-only; a clear error when there is no release there."""
    folder = release / STORE_DIR
    if not folder.is_dir():
        raise QueryError(f"no release store at {folder}: build one with `exilegraph release` "
                         f"or pass --release DIR")
    try:
        store = ox.Store.read_only(str(folder))
    except OSError as exc:
        raise QueryError(f"cannot open the store at {folder}: {exc}") from None
    check_default_graph(store, folder)
    return store


def check_default_graph(store: ox.Store, folder: Path) -> None:
    """Queries read the default graph; a store from before it held the union would answer nothing."""
    if (next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is None
            and next(store.quads_for_pattern(None, None, None, None), None) is not None):
        raise outdated(folder)


def outdated(folder: Path) -> QueryError:
    """The error for a store built before its default graph held the union (query and serve both check)."""
    return QueryError(f"the store at {folder} was built by an earlier exilegraph and has an empty default graph, "
                      "so every query would answer nothing: rebuild the release with `exilegraph release`")


if __name__ == "__main__":  # the loader process of StoreLoader
    _load(sys.argv[1], sys.argv[2], sys.argv[3])
