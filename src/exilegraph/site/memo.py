"""What each entity's files read (reads.py), kept with the release so that a rebuild renders only the
entities a change can alter and links the other files from the previous release.

The memo is a SQLite file in the release's hidden folder (not published, not in SHA256SUMS: its bytes
depend on the order pages were rendered in and on the rebuilds before). It holds, per entity, the files it
wrote, its row of the index pages (a case) or its name (the lists), and the keys its files read, hashed;
and the answers the pages were given about which entity owns a node. On a rebuild (`plan`), an entity is
rendered again when a key it read is changed by a line that joined or left the release, when the new index
gives another owner for a node it asked about, or when it is new; its files are removed when it is gone.
Anything else about the previous release that is not as expected makes the caller render in full.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .indexes import CaseRow
from .reads import changed_keys, key_hash
from .store import INDEX, Summary

MEMO_FILE = "site-reads.sqlite"
FORMAT = "1"
_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE entity (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, files TEXT NOT NULL,
                     shown TEXT NOT NULL);
CREATE TABLE dep (k INTEGER NOT NULL, e INTEGER NOT NULL);
CREATE TABLE answer (node TEXT PRIMARY KEY, owner TEXT) WITHOUT ROWID;
"""
_DEP_INDEXES = "CREATE INDEX dep_k ON dep (k); CREATE INDEX dep_e ON dep (e);"


@dataclass
class EntityReads:
    """One entity's files and what they read."""

    iri: str
    kind: str
    files: list[str]  # paths inside the site
    keys: list[int]  # hashed keys (reads.key_hash), sorted
    shown: str  # the case's index row as JSON, or the entity's name


@dataclass
class Carried:
    """An entity whose files the previous release has as they would be written now."""

    kind: str
    files: list[str]
    shown: str


@dataclass
class Plan:
    """What a rebuild renders and what it links."""

    render: set[str] = field(default_factory=set)  # entity IRIs
    carried: dict[str, Carried] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviousSite:
    """The site a rebuild starts from."""

    site: Path  # the previous release's site folder
    memo: Path  # its memo
    changed: list[str]  # the N-Triples lines that joined or left the release since
    written: int = 0  # when its SHA256SUMS was written (ns): a file modified later is not linked
    index: Path | None = None  # the site index kept with it (indexpatch.py)
    nt: Path | None = None  # the N-Triples file that index was written for


class Unusable(Exception):
    """The previous release's memo cannot tell what changed: render in full."""


def row_json(row: CaseRow) -> str:
    return json.dumps([row.iri, row.title, row.path, row.groups], ensure_ascii=False)


def row_from_json(text: str) -> CaseRow:
    iri, title, path, groups = json.loads(text)
    return CaseRow(iri, title, path, {k: [(a, b) for a, b in v] for k, v in groups.items()})


class Memo:
    """The memo being written for this release: a new one, or a copy of the previous one that `plan` and
    `forget` bring up to date."""

    def __init__(self, path: Path, base: str, previous: Path | None = None):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.fresh = previous is None
        if previous is not None:
            shutil.copyfile(previous, path)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;")
        if self.fresh:
            self.db.executescript(_TABLES)
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("base", base)])
        else:
            meta = dict(self.db.execute("SELECT key, value FROM meta"))
            if meta != {"format": FORMAT, "base": base}:
                raise Unusable("the memo was written for another site")
        self.db.execute("BEGIN")

    def add(self, reads: list[EntityReads], answers: dict[str, str | None]) -> None:
        db = self.db
        for r in reads:
            cur = db.execute(
                "INSERT INTO entity (iri, kind, files, shown) VALUES (?, ?, ?, ?)",
                (r.iri, r.kind, "\n".join(r.files), r.shown),
            )
            e = cur.lastrowid
            db.executemany("INSERT INTO dep VALUES (?, ?)", [(k, e) for k in r.keys])
        db.executemany("INSERT OR REPLACE INTO answer VALUES (?, ?)", answers.items())

    def plan(self, index: Path, changed: list[str], summary: Summary) -> Plan:
        """Which entities to render again and which to carry over, given the new site index (store.py) and
        the lines that joined or left the release; forgets what it knew of those rendered again and of
        those that are gone."""
        db = self.db
        db.execute("CREATE TEMP TABLE ck (k INTEGER PRIMARY KEY)")
        db.executemany("INSERT OR IGNORE INTO ck VALUES (?)", [(key_hash(k),) for k in changed_keys(changed)])
        db.execute("ATTACH DATABASE ? AS ix", (str(index / INDEX),))  # read only; attached until the end
        moved = db.execute(
            "SELECT a.node, en.iri FROM answer AS a LEFT JOIN ix.node AS n ON n.iri = a.node "
            "LEFT JOIN ix.owner AS o ON o.node = n.id LEFT JOIN ix.entity AS en ON en.id = o.e "
            "WHERE en.iri IS NOT a.owner"
        ).fetchall()
        db.executemany("INSERT OR IGNORE INTO ck VALUES (?)", [(key_hash("w:" + node),) for node, _ in moved])
        db.executemany("INSERT OR REPLACE INTO answer VALUES (?, ?)", moved)
        affected = {e for (e,) in db.execute("SELECT DISTINCT e FROM dep WHERE k IN (SELECT k FROM ck)")}
        now = {iri: kind for kind, iris in summary.entities.items() for iri in iris}
        out = Plan()
        drop = []
        for e, iri, kind, files, shown in db.execute("SELECT id, iri, kind, files, shown FROM entity"):
            if iri not in now or now[iri] != kind:
                drop.append(e)
            elif e in affected:
                drop.append(e)
                out.render.add(iri)
            else:
                out.carried[iri] = Carried(kind, files.split("\n") if files else [], shown)
        out.render |= {iri for iri in now if iri not in out.carried}
        self._drop(drop)
        return out

    def forget(self, iris: set[str]) -> None:
        """Forget entities (carried ones whose files could not be linked: they are rendered)."""
        ids = [e for (e,) in db_rows(self.db, "SELECT id FROM entity WHERE iri = ?", iris)]
        self._drop(ids)

    def _drop(self, ids: list[int]) -> None:
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS gone (e INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM gone")
        db.executemany("INSERT OR IGNORE INTO gone VALUES (?)", [(e,) for e in ids])
        db.execute("DELETE FROM dep WHERE e IN (SELECT e FROM gone)")
        db.execute("DELETE FROM entity WHERE id IN (SELECT e FROM gone)")

    def finish(self) -> None:
        self.db.execute("COMMIT")
        if self.fresh:  # made once the rows are in: faster than keeping them up to date
            self.db.executescript(_DEP_INDEXES)
        self.db.close()

    def close(self) -> None:
        """Give up: the memo is removed (a release without one is rendered in full next time)."""
        try:
            self.db.close()
        finally:
            self.path.unlink(missing_ok=True)


def db_rows(db: sqlite3.Connection, query: str, values: set[str]) -> list[tuple]:
    out: list[tuple] = []
    for v in sorted(values):
        out.extend(db.execute(query, (v,)).fetchall())
    return out


def link_files(
    source: Path, target: Path, carried: dict[str, Carried], made: set[Path], written: int
) -> set[str]:
    """Hard-link the carried entities' files from the previous site `source` into `target`; the entities
    one of whose files is missing or was modified after `written` (nothing of them is then left in
    `target`)."""
    src, dst = str(source), str(target)
    folders = {str(p) for p in made}
    failed = set()
    for iri, c in carried.items():  # strings, not Paths: this is the loop over every file of the site
        done = []
        try:
            for rel in c.files:
                to = f"{dst}/{rel}"
                parent = to.rpartition("/")[0]
                if parent not in folders:
                    os.makedirs(parent, exist_ok=True)
                    folders.add(parent)
                    made.add(Path(parent))
                os.link(f"{src}/{rel}", to)
                done.append(to)
                if os.stat(to).st_mtime_ns > written:
                    raise OSError(f"{rel} was modified after the release was written")
        except OSError:
            for p in done:
                os.unlink(p)
            failed.add(iri)
    return failed


def start_memo(
    path: Path,
    base: str,
    previous: PreviousSite | None,
    index: Path,
    summary: Summary,
    target: Path,
    made: set[Path],
) -> tuple[Memo, dict[str, Carried]]:
    """The memo of the site being written to `target` and the entities carried over from `previous`: their
    files linked into `target` (none without a previous site, or when its memo cannot be used)."""
    if previous is not None:
        memo = None
        try:
            memo = Memo(path, base, previous.memo)
            plan = memo.plan(index, previous.changed, summary)
        except (OSError, sqlite3.Error, Unusable, ValueError):
            if memo is not None:
                memo.close()
        else:
            failed = link_files(previous.site, target, plan.carried, made, previous.written)
            if failed:
                memo.forget(failed)
            return memo, {iri: c for iri, c in plan.carried.items() if iri not in failed}
    return Memo(path, base), {}
