"""A results cache on disk, keyed by content hash: data only (JSON text in SQLite rows).

Nothing read from it is unpickled, executed or imported: a cache folder sits in the working folder,
where anyone who can add a file to a dataset could plant one. A damaged or foreign entry is a miss.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

DEFAULT_DIR = Path(".exilegraph-cache")
PACKAGE = Path(__file__).resolve().parent
TABLE = "results_v3"


def cache_dir(folder: Path | None = None) -> Path:
    """The cache folder: EXILEGRAPH_CACHE, else `folder`, else .exilegraph-cache in the working folder."""
    return Path(os.environ.get("EXILEGRAPH_CACHE") or folder or DEFAULT_DIR)


@functools.cache
def code_fingerprint(extra_folders: tuple[Path, ...] = ()) -> str:
    """A hash of the package's source and of the given data folders (mappings): any change to them, a
    developer's edit as much as a new version, is a new cache."""
    h = hashlib.sha256()
    files = [(PACKAGE, f) for f in sorted(PACKAGE.rglob("*.py"))]
    for folder in extra_folders:
        if folder.is_dir():
            files += [(folder, f) for f in sorted(folder.rglob("*.yaml"))]
    for root, f in files:
        h.update(f.relative_to(root).as_posix().encode("utf-8"))
        try:
            h.update(f.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]


def digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


class ResultCache:
    """JSON values by key in `<folder>/results.sqlite`. A cache that cannot be read or written only costs time."""

    def __init__(self, folder: Path | None = None, enabled: bool = True):
        self.enabled = enabled
        self.folder = cache_dir(folder)
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.folder / "results.sqlite")
            # a write-ahead log: a commit appends to it without waiting for the disk (a commit waited 15-20 ms
            # for it); after a power cut the cache may lack its last entries, but stays whole
            try:
                db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:  # another process holds a lock: the next run switches
                pass
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db = db
        return self._db

    def connection(self) -> sqlite3.Connection | None:
        """The open database, for other tables kept beside the results; None when the cache is off or
        cannot be opened."""
        if not self.enabled:
            return None
        try:
            return self._conn()
        except (sqlite3.Error, OSError):
            return None

    def get_many(self, keys: list[str]) -> dict[str, object]:
        """The values found for `keys`; missing, unreadable and damaged entries are left out."""
        if not self.enabled or not keys:
            return {}
        out: dict[str, object] = {}
        try:
            db = self._conn()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for k, v in db.execute(f"SELECT key, value FROM {TABLE} WHERE key IN ({marks})", chunk):
                    try:
                        out[k] = json.loads(v)
                    except (ValueError, TypeError):
                        pass
        except (sqlite3.Error, OSError):
            return out
        return out

    def put_many(self, items: dict[str, object]) -> None:
        if not self.enabled or not items:
            return
        try:
            db = self._conn()
            rows = [(k, json.dumps(v, ensure_ascii=False, separators=(",", ":"))) for k, v in items.items()]
            db.executemany(f"INSERT OR REPLACE INTO {TABLE} (key, value) VALUES (?, ?)", rows)
            db.commit()
        except (sqlite3.Error, OSError):
            pass
