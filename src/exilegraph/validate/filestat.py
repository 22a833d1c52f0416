"""The sha256 of record files, read again only for files whose stat changed since they were last hashed.

A row of `file_stat_v1` (in the results cache) holds a file's absolute path, device, inode, size,
mtime_ns and ctime_ns, and the sha256 of the bytes read after that stat. A file whose stat matches its
row in all five numbers is taken to hold the same bytes; any other file is read and hashed.

Why that is safe on POSIX file systems: every write to a file, and every change of its metadata, sets
its ctime to the current time, and no call lets a user set ctime (`touch -d` sets mtime, and in doing so
ctime to now). A file replaced by another (a rename, an editor's save-as-new-file) has another inode or
ctime. The one gap is a second write within the same clock tick as the stat that was stored (file
times are coarse: a few milliseconds, 2 s on FAT): so a file whose mtime or ctime is less than RACY_NS
old when it is hashed is not stored, and is read again on the next run (git's "racily clean" rule). On
Windows st_ctime is the creation time: there every file is read.

The rows are data only. A row of another shape is a miss; a damaged digest names no cached verdict, so
the file is checked afresh.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import time

TABLE = "file_stat_v1"
RACY_NS = 3_000_000_000
USABLE = os.name == "posix"
_SELECT = f"SELECT path, dev, ino, size, mtime_ns, ctime_ns, sha256 FROM {TABLE}"


def file_digests(db: sqlite3.Connection | None, files: list[str]) -> dict[str, str]:
    """The sha256 (hex) of each file's bytes, by the path as given; "" for a path that is not a regular
    file or cannot be read (reading it in the pipeline says why). With `db` (the results cache), files
    whose stat is unchanged are not read, and the digests of the files read are stored. Raises nothing:
    a cache that cannot be read or written only costs time."""
    use = db is not None and USABLE
    cwd = os.getcwd()
    full_paths = [absolute(cwd, f) for f in files]
    known = _known(db, full_paths) if use else {}
    now = time.time_ns()
    out: dict[str, str] = {}
    fresh = []
    for f, full in zip(files, full_paths):
        try:
            st = os.stat(f)
        except OSError:
            out[f] = ""
            continue
        if not stat.S_ISREG(st.st_mode):  # a folder, pipe or device (a pipe would block the read)
            out[f] = ""
            continue
        sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        row = known.get(full)
        if row is not None and row[1:6] == sig:
            out[f] = row[6]
            continue
        try:
            with open(f, "rb") as fh:
                sha = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            out[f] = ""
            continue
        out[f] = sha
        if use and max(st.st_mtime_ns, st.st_ctime_ns) < now - RACY_NS:
            fresh.append((full, *sig, sha))
    if fresh:
        _store(db, fresh)
    return out


def absolute(cwd: str, path: str) -> str:
    """The path as given when absolute, else os.path.normpath(os.path.join(cwd, path)), without normpath's
    cost for a relative path that it would leave as it is."""
    if os.sep == "/" and path and path[0] not in "/." and "//" not in path and "/." not in path:
        if path[-1] != "/" and cwd != "/":
            return f"{cwd}/{path}"
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(cwd, path))


def _known(db: sqlite3.Connection, paths: list[str]) -> dict[str, tuple]:
    """The rows of `paths` (path, the five numbers of the stat, sha256), by path."""
    wanted = set(paths)
    try:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, "
            "size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, sha256 TEXT)"
        )
        if len(paths) > 1000:  # one pass over the table costs less than thousands of look-ups
            rows = db.execute(_SELECT)
        else:
            rows = db.execute(f"{_SELECT} WHERE path IN ({','.join('?' * len(paths))})", paths)
        # a number of another type compares unequal to the stat's, unless it has the same value
        return {r[0]: r for r in rows if r[0] in wanted and type(r[6]) is str and len(r[6]) == 64}
    except sqlite3.Error:
        return {}


def _store(db: sqlite3.Connection, rows: list[tuple]) -> None:
    try:
        with db:
            db.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    except sqlite3.Error:
        pass
