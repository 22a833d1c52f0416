"""A rebuild's site index made from the previous release's (store.py) and the lines that joined or left the
release, instead of a pass over every line.

The previous index is kept in the release's hidden folder (folder.REBUILD_DIR: not published, not in
SHA256SUMS) and copied, never changed, so that a rebuild that fails leaves the previous release as it was.
Only the subjects of the changed lines are read: their blocks in the previous N-Triples file and in the new
one (found by bisecting the sorted file). Their rows (`ref`, `edge`, `dangle`, `term` counts) are written
again; the blocks after each of them move by what it grew or shrank (one UPDATE over a table of shifts);
nodes that joined take the links that pointed at them while they were no subject (`dangle`), nodes that
left give theirs back. Entities are numbered by node, not by page rank, in `member` and `owner`, so a new
or removed entity renumbers only the small `entity` table; `member` is walked again for the entities that
reached a changed node, and `owner` chosen again for the nodes they reach or reached.

Anything unexpected (no previous index, another format, base IRI or vocabulary, an input that is not the
one the index was written for, a changed subject the vocabulary file adds to, too many changes) raises
NotPatched: the caller writes the index in full.
"""

from __future__ import annotations

import mmap
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .model import ENTITY_KINDS, VOCAB
from .store import INDEX, SIDE, RowPass, Summary, input_key, term_uses

KEPT = "site-index"  # the index kept in the release's hidden folder
MAX_CHANGED = 200_000  # changed lines beyond which the full write is about as fast


class NotPatched(Exception):
    """The previous index cannot be brought up to date: write it in full."""


@dataclass
class _Subject:
    token: bytes
    iri: str
    old_id: int | None
    pos: int  # where its block was in the previous file, or would have been
    old_lines: list[bytes]
    new_off: int
    new_lines: list[bytes]

    def delta(self) -> int:
        return _size(self.new_lines) - _size(self.old_lines)


def _size(lines: list[bytes]) -> int:
    return sum(len(x) + 1 for x in lines)


def keep_index(work: Path, kept: Path) -> None:
    """Move the index written in `work` to `kept` (a folder of the release being built). Raises OSError."""
    kept.mkdir(parents=True, exist_ok=True)
    for name in (INDEX, SIDE):
        os.replace(work / name, kept / name)


def patch_store(
    previous: Path, old_nt: Path, nt: Path, changed: list[str], extra: list[str], folder: Path, base: str
) -> Summary:
    """Write into `folder` the index of `nt` (with the vocabulary lines `extra`), from the index kept in
    `previous` for `old_nt` and the lines `changed` that joined or left between the two files. Raises
    NotPatched when it cannot (nothing in `folder` is then of use)."""
    if len(changed) > MAX_CHANGED:
        raise NotPatched(f"{len(changed)} lines changed")
    if not (previous / INDEX).is_file() or not (previous / SIDE).is_file():
        raise NotPatched("no index kept with the previous release")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for name in (INDEX, SIDE):
            (folder / name).unlink(missing_ok=True)
            shutil.copyfile(previous / name, folder / name)
        db = sqlite3.connect(folder / INDEX, isolation_level=None)
        try:
            with open(old_nt, "rb") as f1, open(nt, "rb") as f2:
                if not os.fstat(f1.fileno()).st_size or not os.fstat(f2.fileno()).st_size:
                    raise NotPatched("an empty input")
                with (
                    mmap.mmap(f1.fileno(), 0, access=mmap.ACCESS_READ) as old,
                    mmap.mmap(f2.fileno(), 0, access=mmap.ACCESS_READ) as new,
                ):
                    summary = _Patch(db, base, old, new).run(old_nt, nt, changed, extra, folder)
        finally:
            db.close()
    except (OSError, sqlite3.Error, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise NotPatched(f"cannot patch the previous index: {exc}") from None
    return summary


def _lower_bound(mm: mmap.mmap, key: bytes) -> int:
    """Where the first line not below `key` starts in the sorted file `mm` (its size when none)."""
    lo, hi = 0, len(mm)
    while lo < hi:
        mid = (lo + hi) // 2
        s = mm.rfind(b"\n", lo, mid) + 1 or lo
        e = mm.find(b"\n", s)
        if e < 0:
            e = len(mm)
        if mm[s:e] < key:
            lo = e + 1
        else:
            hi = s
    return min(lo, len(mm))


def _block(mm: mmap.mmap, token: bytes) -> tuple[int, list[bytes]]:
    start = _lower_bound(mm, token + b" ")
    end = _lower_bound(mm, token + b"!")  # "!" follows " ": the first line past the subject's
    return start, (mm[start:end].rstrip(b"\n").split(b"\n") if end > start else [])


class _Patch:
    def __init__(self, db: sqlite3.Connection, base: str, old: mmap.mmap, new: mmap.mmap):
        self.db, self.base, self.old, self.new = db, base, old, new

    def run(self, old_nt: Path, nt: Path, changed: list[str], extra: list[str], folder: Path) -> Summary:
        db, base = self.db, self.base
        db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
        )
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if any(meta.get(k) != v for k, v in input_key(old_nt, extra, base).items()):
            raise NotPatched("the previous index was written for another input, base or vocabulary")
        old_size = int(meta["size"])
        if old_size != len(self.old):
            raise NotPatched("the previous input is not the one indexed")
        subjects = self.subjects(changed, extra)
        if old_size + sum(s.delta() for s in subjects) != len(self.new):
            raise NotPatched("the changed lines do not account for the new input")
        db.execute("BEGIN")
        self.shift(subjects)
        gone = [s for s in subjects if s.old_id is not None and not s.new_lines]
        born = [s for s in subjects if s.old_id is None]
        db.execute("CREATE TEMP TABLE chg (id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO chg VALUES (?)", [(s.old_id,) for s in subjects if s.old_id is not None])
        born_srcs = [
            src for s in born for (src,) in db.execute("SELECT src FROM dangle WHERE dst = ?", (s.iri,))
        ]
        db.execute("CREATE TEMP TABLE hit (id INTEGER PRIMARY KEY)")  # entities whose members may change
        db.executemany("INSERT OR IGNORE INTO hit VALUES (?)", [(x,) for x in born_srcs])
        db.execute(
            "CREATE TEMP TABLE aff AS SELECT DISTINCT e FROM member "
            "WHERE node IN (SELECT id FROM chg) OR node IN (SELECT id FROM hit)"
        )
        db.execute("CREATE TEMP TABLE x (n INTEGER PRIMARY KEY)")  # nodes whose owner may change
        db.execute("INSERT OR IGNORE INTO x SELECT node FROM member WHERE e IN (SELECT e FROM aff)")
        # the changed subjects' rows are written again
        db.execute("DELETE FROM ref WHERE sid IN (SELECT id FROM chg)")
        db.execute("DELETE FROM edge WHERE src IN (SELECT id FROM chg)")
        db.execute("DELETE FROM dangle WHERE src IN (SELECT id FROM chg)")
        for s in gone:  # links to a node that is no subject any more wait for it to come back
            db.execute(
                "INSERT OR IGNORE INTO dangle SELECT src, ? FROM edge WHERE dst = ?", (s.iri, s.old_id)
            )
            db.execute("DELETE FROM edge WHERE dst = ?", (s.old_id,))
            db.execute("DELETE FROM node WHERE id = ?", (s.old_id,))
            db.execute("DELETE FROM owner WHERE node = ?", (s.old_id,))
            db.execute("DELETE FROM x WHERE n = ?", (s.old_id,))
        next_id = db.execute("SELECT coalesce(max(id), -1) + 1 FROM node").fetchone()[0]
        rows = RowPass(base, db, None)
        counts = RowPass(base, db, None)
        ids: dict[str, int] = {}
        for s in subjects:
            if s.old_id is None:
                ids[s.iri] = next_id
                db.execute(
                    "INSERT INTO node VALUES (?, ?, ?, ?)",
                    (next_id, s.iri, s.new_off, _size(s.new_lines) - 1),
                )
                db.execute(
                    "INSERT OR IGNORE INTO edge SELECT src, ? FROM dangle WHERE dst = ?", (next_id, s.iri)
                )
                db.execute("DELETE FROM dangle WHERE dst = ?", (s.iri,))
                next_id += 1
            elif s.new_lines:
                ids[s.iri] = s.old_id
                db.execute(
                    "UPDATE node SET off = ?, len = ? WHERE id = ?",
                    (s.new_off, _size(s.new_lines) - 1, s.old_id),
                )
            for line in s.old_lines:
                counts.line(line, 0, False)
            if s.new_lines:
                _, _, walk = rows.subject(s.token.decode())
                for line in s.new_lines:
                    rows.line(line, ids[s.iri], walk)
        for src, dst in rows.links:
            found = db.execute("SELECT id FROM node WHERE iri = ?", (dst,)).fetchone()
            if found:
                db.execute("INSERT OR IGNORE INTO edge VALUES (?, ?)", (src, found[0]))
            else:
                db.execute("INSERT OR IGNORE INTO dangle VALUES (?, ?)", (src, dst))
        db.executemany("INSERT INTO ref VALUES (?, ?, ?)", rows.refs)
        self.count(rows, 1)
        self.count(counts, -1)
        entities = self.entities(gone, rows)
        db.executemany(
            "INSERT OR IGNORE INTO aff VALUES (?)", [(ids[i],) for k in rows.entities.values() for i in k]
        )
        self.walk()
        summary = self.summary(entities)
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [
                ("input", str(nt)),
                ("size", len(self.new)),
                ("side", str(folder / SIDE)),
                *input_key(nt, extra, base).items(),
            ],
        )
        db.execute("COMMIT")
        return summary

    def subjects(self, changed: list[str], extra: list[str]) -> list[_Subject]:
        """The changed subjects, in the file's order, with their blocks before and now. Raises NotPatched
        when one is in the side file, or the blocks do not differ by the changed lines."""
        lines: dict[bytes, set[bytes]] = {}
        for raw in changed:
            line = raw.rstrip("\n").encode()
            lines.setdefault(line[: line.index(b" ")], set()).add(line)
        added = {line.split(" ", 1)[0].encode() for line in extra}
        out = []
        for token in sorted(lines):
            if token in added:
                raise NotPatched("a changed subject the vocabulary file adds to")
            text = token.decode()
            iri = text[1:-1] if text[0] == "<" else text
            row = self.db.execute("SELECT id, off, len FROM node WHERE iri = ?", (iri,)).fetchone()
            if row is not None:
                old_id, pos, length = row
                if pos + length > len(self.old):
                    raise NotPatched("a changed subject the vocabulary file adds to")
                if (pos and self.old[pos - 1] != 10) or self.old[pos + length : pos + length + 1] != b"\n":
                    raise NotPatched("the previous input is not the one indexed")
                old_lines = self.old[pos : pos + length].split(b"\n")
            else:
                old_id, old_lines = None, []
                pos = _lower_bound(self.old, token + b" ")
            new_off, new_lines = _block(self.new, token)
            if set(old_lines) ^ set(new_lines) != lines[token] or any(
                not x.startswith(token + b" ") for x in old_lines
            ):
                raise NotPatched("the inputs do not differ by the changed lines")
            out.append(_Subject(token, iri, old_id, pos, old_lines, new_off, new_lines))
        return out

    def shift(self, subjects: list[_Subject]) -> None:
        """Move the blocks of the unchanged nodes (and of the side file) by what the changed ones before them
        grew or shrank."""
        totals: dict[int, int] = {}
        for s in subjects:
            totals[s.pos] = totals.get(s.pos, 0) + s.delta()
        running, rows = 0, []
        for pos in sorted(totals):
            running += totals[pos]
            rows.append((pos, running))
        db = self.db
        db.execute("CREATE TEMP TABLE shift (pos INTEGER PRIMARY KEY, total INTEGER NOT NULL)")
        db.executemany("INSERT INTO shift VALUES (?, ?)", rows)
        if rows:
            db.execute(
                "UPDATE node SET off = off + (SELECT total FROM shift WHERE pos <= node.off "
                "ORDER BY pos DESC LIMIT 1) WHERE off >= ?",
                (rows[0][0],),
            )

    def count(self, rows: RowPass, sign: int) -> None:
        self.db.executemany(
            "INSERT INTO term VALUES (?, ?, ?) ON CONFLICT (iri, use) DO UPDATE SET n = n + excluded.n",
            [
                (t[1:-1].decode(), use, sign * n)
                for tokens, use in ((rows.classes, "class"), (rows.values, "value"), (rows.preds, "property"))
                for t, n in tokens.items()
            ],
        )

    def entities(self, gone: list[_Subject], rows: RowPass) -> dict[str, list[str]]:
        """The entity table renumbered in page order, with the entities that joined and without those that
        left."""
        db = self.db
        entities: dict[str, list[str]] = {k: [] for k in ENTITY_KINDS}
        left = {s.iri for s in gone}
        for kind, iri in db.execute("SELECT kind, iri FROM entity ORDER BY rank"):
            if iri not in left:
                entities[kind].append(iri)
        for kind, iris in rows.entities.items():
            entities[kind] = sorted(set(entities[kind]) | set(iris))
        db.execute("DELETE FROM entity")
        db.executemany(
            "INSERT INTO entity (rank, kind, iri) VALUES (?, ?, ?)",
            Summary(entities, {}, []).items(),
        )
        db.execute("UPDATE entity SET id = (SELECT node.id FROM node WHERE node.iri = entity.iri)")
        return entities

    def walk(self) -> None:
        """`member` walked again from the affected entities; `owner` chosen again for the nodes they reach
        or reached."""
        db = self.db
        db.execute("DELETE FROM member WHERE e IN (SELECT e FROM aff)")
        db.execute(
            "INSERT INTO member WITH RECURSIVE reach(e, n) AS ("
            " SELECT id, id FROM entity WHERE id IN (SELECT e FROM aff)"
            " UNION SELECT reach.e, edge.dst FROM reach JOIN edge ON edge.src = reach.n"
            ") SELECT e, n FROM reach"
        )
        db.execute("INSERT OR IGNORE INTO x SELECT node FROM member WHERE e IN (SELECT e FROM aff)")
        db.execute("DELETE FROM owner WHERE node IN (SELECT n FROM x)")
        db.execute(
            "INSERT OR IGNORE INTO owner SELECT member.node, member.e FROM member "
            "JOIN entity ON entity.id = member.e WHERE member.node IN (SELECT n FROM x) "
            "AND member.node != entity.id ORDER BY entity.rank"
        )

    def summary(self, entities: dict[str, list[str]]) -> Summary:
        db, base = self.db, self.base
        upper = VOCAB[:-1] + chr(ord(VOCAB[-1]) + 1)
        subjects = {
            i for (i,) in db.execute("SELECT iri FROM node WHERE iri >= ? AND iri < ?", (VOCAB, upper))
        }
        counts = db.execute("SELECT iri, use, n FROM term").fetchall()
        lo = f"{base}build/"
        hi = lo[:-1] + chr(ord(lo[-1]) + 1)
        builds = [
            i
            for (i,) in db.execute("SELECT iri FROM node WHERE iri >= ? AND iri < ?", (lo, hi))
            if "/" not in i[len(lo) :]
        ]
        builds.sort(key=lambda i: f"<{i}> ".encode())
        return Summary(entities, term_uses(subjects, counts), builds)
