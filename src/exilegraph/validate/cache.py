"""Validation results cached by content hash, so unchanged records are not validated again.

The key covers the record's bytes and everything that can change a verdict: toolkit version,
schema version and the shapes. A cached entry holds the record's findings and the summary the
dataset-wide checks need, so a warm run does not even parse unchanged records.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
import sqlite3
import sys
from pathlib import Path

from .. import __version__
from ..resources import MAPPINGS, schema_index
from ..shacl import shapes_text
from ..shacl.engine import engine_name

DEFAULT_DIR = Path(".exilegraph-cache")


PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def code_fingerprint() -> str:
    """The package's source and the mappings (readers, mapper, engines, messages, positions all shape a
    cached result): any change to them, a developer's edit as much as a new version, is a new cache."""
    h = hashlib.sha256()
    files = [(PACKAGE, f) for f in sorted(PACKAGE.rglob("*.py"))]
    files += [(MAPPINGS, f) for f in sorted(MAPPINGS.rglob("*.yaml"))] if MAPPINGS.is_dir() else []
    for root, f in files:
        h.update(f.relative_to(root).as_posix().encode("utf-8"))
        try:
            h.update(f.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]


@functools.cache
def fingerprint() -> str:
    h = hashlib.sha256()
    for part in (__version__, sys.version, code_fingerprint(), engine_name(), str(schema_index()["version"]), shapes_text(),
                 json.dumps(schema_index(), sort_keys=True)):
        h.update(part.encode("utf-8"))
    return h.hexdigest()[:16]


def compiled(name: str, key: str, build, folder: Path | None = None):
    """A compiled artifact (validator code) kept on disk between runs, keyed by what it is
    compiled from: start-up of `exilegraph validate` drops from ~3 s to well under one."""
    import pickle

    root = Path(os.environ.get("EXILEGRAPH_CACHE", folder or DEFAULT_DIR)) / "compiled"
    target = root / f"{name}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}.pickle"
    try:
        with open(target, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        pass
    value = build()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(value, f)
        os.replace(tmp, target)
    except (OSError, pickle.PickleError):
        pass  # a cache that cannot be written only costs time
    return value


class Cache:
    def __init__(self, folder: Path | None = None, enabled: bool = True):
        self.enabled = enabled
        self._db = None
        self.folder = Path(os.environ.get("EXILEGRAPH_CACHE", folder or DEFAULT_DIR))

    def _conn(self):
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.folder / "validation.sqlite")
            # values are marshal bytes (5x faster to load than JSON; the fingerprint covers the Python version)
            self._db.execute("CREATE TABLE IF NOT EXISTS results_v2 (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        return self._db

    @staticmethod
    def key(path: str, sha256: str) -> str:
        return f"{fingerprint()}:{sha256}:{path}"

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        if not self.enabled or not keys:
            return {}
        out: dict[str, dict] = {}
        db = self._conn()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = db.execute(f"SELECT key, value FROM results_v2 WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for k, v in rows:
                try:
                    out[k] = marshal.loads(v)
                except (ValueError, EOFError, TypeError):
                    pass  # a damaged entry is a cache miss
        return out

    def put_many(self, items: dict[str, dict]) -> None:
        if not self.enabled or not items:
            return
        try:
            db = self._conn()
            db.executemany("INSERT OR REPLACE INTO results_v2 (key, value) VALUES (?, ?)",
                           [(k, marshal.dumps(v)) for k, v in items.items()])
            db.commit()
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time
