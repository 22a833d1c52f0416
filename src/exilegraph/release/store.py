"""The release's embedded SPARQL store (pyoxigraph, RocksDB on disk), ready to query or serve.

The store holds each record's named graph (as the N-Quads dump) and, in its default graph, their union
de-duplicated (as the N-Triples dump). Queries run on the real default graph: a source cited by many
records is one set of triples there, and queries need no union view, which made them 2-4 times slower.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox

from ..errors import ReleaseError
from ..rdf.oxstore import (  # noqa: F401 - the patch's files, for release/assemble.py and tests
    PATCH_DESCRIPTION,
    PATCH_GONE,
    PATCH_NEW,
    PATCH_OLD,
    PATCH_OWNED,
    PATCH_UNION_IN,
    PATCH_UNION_OUT,
    PATCHES_FILE,
)
from .background import Background, module_command
from .folder import STORE_DIR

__all__ = ["STORE_DIR", "StoreLoader", "StorePatcher"]


class StoreLoader:
    """Bulk-loads the N-Quads and N-Triples dumps in a separate process while the other files are written.

    A thread is not enough: writing Turtle and JSON-LD needs the GIL for every triple, and sharing
    it with the loader made both several times slower at 10k cases. `finish` waits for the loader,
    adds the dataset description in its own graph and in the default graph, and optimises the store.
    """

    def __init__(self, path: Path, nquads: Path, ntriples: Path):
        self.path, self.nquads, self.ntriples = path, nquads, ntriples
        self.job: Background | None = None

    def start(self) -> StoreLoader:
        command = module_command("exilegraph.rdf.oxstore", self.path, self.nquads, self.ntriples)
        self.job = Background("loading the store", command, who="the loader")
        return self

    def wait(self) -> None:
        """Raises ReleaseError when the loader failed."""
        if self.job is not None:
            self.job.finish()

    def stop(self) -> None:
        """Stop the loader, so that it stops writing before its folder is removed."""
        if self.job is not None:
            self.job.stop()

    def finish(self, description: list[str], description_graph: str) -> None:
        """Raises ReleaseError when the loader failed or the store cannot be completed (RocksDB reports a full
        disk or a damaged store as OSError or RuntimeError)."""
        self.wait()
        store = None
        try:
            store = ox.Store(str(self.path))
            data = "\n".join(description).encode("utf-8")
            store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(description_graph))
            store.load(data, format=ox.RdfFormat.N_TRIPLES)
            store.optimize()
            store.flush()
        except (OSError, RuntimeError, MemoryError) as exc:
            raise ReleaseError(f"completing the store failed: {exc}") from None
        finally:
            del store
        gc.collect()  # release RocksDB's lock before the folder is moved into place


class StorePatcher(StoreLoader):
    """Makes the store from the previous release's store and the difference of the two releases (see
    `_patch`), in its own process like the loader; `finish` waits for it."""

    def __init__(self, path: Path, previous: Path, patch: Path):
        self.path, self.previous, self.patch = path, previous, patch
        self.job = None

    def start(self) -> StorePatcher:
        command = module_command("exilegraph.rdf.oxstore", "--patch", self.path, self.previous, self.patch)
        self.job = Background("patching the store", command, who="the store patcher")
        return self

    def finish(self, description: list[str], description_graph: str) -> None:
        """Raises ReleaseError when the patcher failed (the description is in its patch)."""
        self.wait()
