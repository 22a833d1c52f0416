"""What the last run knew of each record file, kept in one row: the file's stat, its shown path, the id of
its verdict in the index and the sha256 of its bytes.

A run over ten thousand unchanged files then reads one row, stats each file and takes its verdict's id
from its line: it reads no file, and computes and looks up no cache key. A file whose stat or shown path
differs from its line, or every file when the fingerprint (code, shapes, schema) or the working folder
changed, is read and hashed, and its verdict looked up by key. Why an unchanged stat means unchanged
bytes, and why a file written in the last RACY_NS is kept without its stat (so that it is read again),
is filestat.py's. The lines are kept by the path as it was given, which names the same file as long as
the working folder is the same.

The row is data only. A line of another shape is a file not known; an id that is no longer in the index
is a damaged index (the run's checks find it missing), and clearing the index clears the row.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import time
from typing import NamedTuple

from . import filestat

TABLE = "vknown_v1"
_NO_STAT = "-"  # the stat of a file written just now: matches no stat
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (one INTEGER PRIMARY KEY CHECK (one = 1), prefix, cwd, paths, lines)"
)


class Seen(NamedTuple):
    """A file read this run: its stat (as kept: "-" for one written just now) and sha256 ("" when it is
    not a readable regular file)."""

    stat: str
    sha256: str


class Known:
    """The kept lines ("stat, shown path, id, sha256", tab-separated) of the files known under `prefix`
    (the fingerprint) in this working folder, by the path as given."""

    def __init__(self, db: sqlite3.Connection, prefix: str):
        self.db, self.prefix, self.cwd = db, prefix, os.getcwd()
        self.lines: dict[str, str] = {}
        if not filestat.USABLE:
            return
        db.execute(_SCHEMA)
        try:
            row = db.execute(f"SELECT prefix, cwd, paths, lines FROM {TABLE}").fetchone()
        except sqlite3.OperationalError:  # a table of another shape: made again
            with db:
                db.execute(f"DROP TABLE {TABLE}")
                db.execute(_SCHEMA)
            row = None
        if row is not None and row[:2] == (prefix, self.cwd) and type(row[2]) is type(row[3]) is str:
            paths, lines = row[2].split("\n"), row[3].split("\n")
            if len(paths) == len(lines):
                self.lines = dict(zip(paths, lines))

    def see(self, files: dict[str, str]) -> tuple[dict[str, int], dict[str, Seen]]:
        """The verdict ids of the files (by shown path; the values are the paths as given) whose lines
        give them, and the others, read now."""
        now = time.time_ns()
        lines = self.lines
        recs: dict[str, int] = {}
        others: dict[str, Seen] = {}
        for shown, f in files.items():
            try:
                st = os.stat(f)
            except OSError:
                others[shown] = Seen(_NO_STAT, "")
                continue
            if not stat.S_ISREG(st.st_mode):  # a folder, pipe or device (a pipe would block the read)
                others[shown] = Seen(_NO_STAT, "")
                continue
            sig = f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"
            line = lines.get(f)
            if line is not None:
                head = f"{sig}\t{shown}\t"
                if line.startswith(head):
                    rec = line[len(head) : line.find("\t", len(head))]
                    if rec.isdigit():
                        recs[shown] = int(rec)
                        continue
            try:
                with open(f, "rb") as fh:
                    sha = hashlib.sha256(fh.read()).hexdigest()
            except OSError:
                others[shown] = Seen(_NO_STAT, "")
                continue
            racy = max(st.st_mtime_ns, st.st_ctime_ns) >= now - filestat.RACY_NS
            others[shown] = Seen(_NO_STAT if racy else sig, sha)
        return recs, others

    def keep(self, files: dict[str, str], others: dict[str, Seen], recs: dict[str, int]) -> None:
        """Keeps the lines of the files read this run (`files` as for see(); `recs`: the verdict ids
        found for them, by shown path); the other lines stay. Writes nothing when no line changed. Raises
        nothing: a cache that cannot be written only costs time."""
        if not filestat.USABLE or not others:
            return
        lines = dict(self.lines)
        for shown, s in others.items():
            f, rec = files[shown], recs.get(shown)
            if rec is None or not s.sha256 or s.stat == _NO_STAT or _unkeepable(f) or _unkeepable(shown):
                lines.pop(f, None)  # (a name with a tab or a line break is read again each run)
            else:
                lines[f] = f"{s.stat}\t{shown}\t{rec}\t{s.sha256}"
        if lines == self.lines:
            return
        paths, text = "\n".join(lines), "\n".join(lines.values())
        try:
            paths.encode("utf-8")
            text.encode("utf-8")
        except UnicodeError:  # a name the file system gave as undecodable bytes: not kept
            lines = {f: line for f, line in lines.items() if _encodable(f + line)}
            paths, text = "\n".join(lines), "\n".join(lines.values())
        try:
            with self.db:
                self.db.execute(
                    f"INSERT OR REPLACE INTO {TABLE} VALUES (1, ?, ?, ?, ?)",
                    (self.prefix, self.cwd, paths, text),
                )
        except sqlite3.Error:
            pass


def forget(db: sqlite3.Connection) -> None:
    """Drops every line (the index they point into was cleared). Raises sqlite3.Error."""
    db.execute(_SCHEMA)
    with db:
        db.execute(f"DELETE FROM {TABLE}")


def _unkeepable(name: str) -> bool:
    return "\t" in name or "\n" in name


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeError:
        return False
    return True
