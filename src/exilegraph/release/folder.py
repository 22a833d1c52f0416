"""A release folder: its manifest (release.json), base IRI, dumps and store, and whether it is there.

`query`, `serve`, `push` and the changelog take a ReleaseDir instead of re-reading JSON from paths.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import NoReleaseError
from ..resources import DEFAULT_BASE_IRI

MANIFEST = "release.json"
STORE_DIR = "store"
REBUILD_DIR = ".rebuild"  # what a rebuild reads besides the published files (site/memo.py); not published
NTRIPLES, NQUADS, DESCRIPTION = "exilegraph.nt", "exilegraph.nq", "void.ttl"
PUBLIC_DIR, INTERNAL_DIR = "exilegraph", "exilegraph-internal"


@dataclass(frozen=True)
class Manifest:
    """What release.json says of a release."""

    version: str
    base_iri: str
    issued: str
    build: str
    internal: bool = False
    schema_version: str | None = None
    counts: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)  # case id -> digest of its content
    graphs: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    inputs_key: str | None = None  # what the release was built from (see release._inputs_key)
    graph_key: str | None = None  # what its graphs depend on besides the records (see release.patch)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """Raises KeyError, TypeError or ValueError for a manifest of another shape."""
        if not isinstance(data, dict):
            raise TypeError("the manifest is not a JSON object")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class ReleaseDir:
    """A folder that holds (or will hold) one release: output/exilegraph by default."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ReleaseDir({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def store_path(self) -> Path:
        return self.path / STORE_DIR

    @property
    def ntriples(self) -> Path:
        return self.path / NTRIPLES

    @property
    def nquads(self) -> Path:
        return self.path / NQUADS

    @property
    def description(self) -> Path:
        return self.path / DESCRIPTION

    def exists(self) -> bool:
        """True when a complete release is here (its manifest is written last)."""
        return self.manifest_path.is_file()

    def require(self, *, store: bool = False) -> ReleaseDir:
        """This folder, if it holds a release (and its store, when asked).

        Raises NoReleaseError naming the folder and how to make a release."""
        if not self.exists():
            raise NoReleaseError(
                f"no release at {self.path}: build one with `exilegraph release` or pass --release DIR"
            )
        if store and not self.store_path.is_dir():
            raise NoReleaseError(
                f"the release at {self.path} has no store/: rebuild it with `exilegraph release`"
            )
        return self

    @cached_property
    def manifest(self) -> Manifest:
        """Raises NoReleaseError when the manifest is missing or damaged."""
        self.require()
        try:
            return Manifest.from_json(json.loads(self.manifest_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NoReleaseError(f"the release manifest {self.manifest_path} cannot be read: {exc}") from None

    @property
    def base_iri(self) -> str:
        """The release's base IRI; the default one when there is no readable manifest."""
        try:
            return self.manifest.base_iri
        except NoReleaseError:
            return DEFAULT_BASE_IRI

    def identity(self) -> tuple[int, int] | None:
        """Changes whenever a new release is moved into place (the manifest's inode and time), None when absent."""
        try:
            st = os.stat(self.manifest_path)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def open_store(self):
        """The release's pyoxigraph store, read-only.

        Raises NoReleaseError when there is no release or store here, or it cannot be opened."""
        import pyoxigraph as ox

        self.require(store=True)
        try:
            return ox.Store.read_only(str(self.store_path))
        except OSError as exc:
            raise NoReleaseError(f"cannot open the store at {self.store_path}: {exc}") from None
