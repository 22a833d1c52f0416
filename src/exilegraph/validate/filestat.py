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
    absolute = [f if os.path.isabs(f) else os.path.normpath(os.path.join(cwd, f)) for f in files]
    known = _known(db, absolute) if use else {}
    now = time.time_ns()
    out: dict[str, str] = {}
    fresh = []
    for f, full in zip(files, absolute):
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
        if row is not None and row[0] == sig:
            out[f] = row[1]
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


def _known(db: sqlite3.Connection, paths: list[str]) -> dict[str, tuple[tuple, str]]:
    wanted = set(paths)
    out: dict[str, tuple[tuple, str]] = {}
    try:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, "
            "size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, sha256 TEXT)"
        )
        if len(paths) > 1000:  # one pass over the table costs less than thousands of look-ups
            rows = db.execute(_SELECT)
        else:
            rows = db.execute(f"{_SELECT} WHERE path IN ({','.join('?' * len(paths))})", paths)
        for path, dev, ino, size, mtime, ctime, sha in rows:
            # a number of another type compares unequal to the stat's, unless it has the same value
            if path in wanted and isinstance(sha, str) and len(sha) == 64:
                out[path] = ((dev, ino, size, mtime, ctime), sha)
    except sqlite3.Error:
        return {}
    return out


def _store(db: sqlite3.Connection, rows: list[tuple]) -> None:
    try:
        with db:
            db.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    except sqlite3.Error:
        pass
