"""The cached verdicts of records kept as rows the dataset-wide checks can query.

The results cache (diskcache.py) holds one JSON entry per record. On a run that finds almost every
record cached, decoding ten thousand entries to run the checks across the dataset costs more than
everything else. So each entry is also kept split into rows (a record row under the entry's cache key,
and rows that refer to it): the record's findings, and the ids it defines, the ids it refers to and the
sources it describes (its summary). The checks across the dataset then run as SQL over the rows of the
records in this run, and only the findings asked for are read back.

Rows are data only. A row of another shape, or a record whose finding rows are not all there, is a
damaged index: IndexDamaged, and the caller decodes the entries instead.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from ..findings import Finding
from ..records import RecordSummary
from .dataset_checks import described_differently, duplicate_id, undefined_reference

RECORDS, FINDINGS, FACTS = "vrecord_v2", "vfinding_v2", "vfact_v2"
DEFINES, REFERS, DESCRIBES = 0, 1, 2  # vfact_v2.what; a, b are (kind, id) or (source node, digest)

_SCHEMA = (  # rows refer to their record by its integer id: joins on 130-character keys cost more
    f"CREATE TABLE IF NOT EXISTS {RECORDS} (rec INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, "
    "nfindings INTEGER NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {FINDINGS} (rec INTEGER NOT NULL, path, line, col, severity, rule, field, "
    "message, fix)",
    f"CREATE INDEX IF NOT EXISTS {FINDINGS}_rec ON {FINDINGS} (rec)",
    f"CREATE TABLE IF NOT EXISTS {FACTS} (rec INTEGER NOT NULL, what INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "a, b, field, line, col)",
    f"CREATE INDEX IF NOT EXISTS {FACTS}_what ON {FACTS} (what, a, b)",
    f"CREATE INDEX IF NOT EXISTS {FACTS}_rec ON {FACTS} (rec, what, a, b)",
)

# The facts of the records in this run that may give a finding, in the order the checks take them
# (dataset_checks.check_dataset). When a few records are wanted, the ids and sources they touch; when
# all are, only ids defined twice and sources with two descriptions (the rest would be read for nothing).
_IN_RUN = f"run w CROSS JOIN {FACTS} g ON g.rec = w.rec WHERE g.what = ?"
_GROUPS = f"""SELECT f.a, f.b, c.path, f.field, f.line, f.col, c.want FROM run c
    JOIN {FACTS} f ON f.rec = c.rec WHERE f.what = ? AND {{scope}}
    ORDER BY f.a, {{by}} c.late, c.path, f.seq"""
_DUPLICATES = {
    False: _GROUPS.format(scope=f"(f.a, f.b) IN (SELECT g.a, g.b FROM {_IN_RUN} AND w.want)", by="f.b,"),
    True: _GROUPS.format(
        scope=f"(f.a, f.b) IN (SELECT g.a, g.b FROM {_IN_RUN} GROUP BY g.a, g.b HAVING COUNT(*) > 1)",
        by="f.b,",
    ),
}
_DIFFERING = {
    False: _GROUPS.format(scope=f"f.a IN (SELECT g.a FROM {_IN_RUN} AND w.want)", by=""),
    True: _GROUPS.format(
        scope=f"f.a IN (SELECT g.a FROM {_IN_RUN} GROUP BY g.a HAVING COUNT(DISTINCT g.b) > 1)", by=""
    ),
}
_REFS = f"""SELECT f.a, f.b, c.path, f.field, f.line, f.col FROM run c CROSS JOIN {FACTS} f ON f.rec = c.rec
    WHERE c.want AND f.what = {REFERS} AND """
_UNDEFINED = {
    False: _REFS
    + f"""NOT EXISTS (SELECT 1 FROM {FACTS} d JOIN run r ON r.rec = d.rec
        WHERE d.what = ? AND d.a = f.a AND d.b = f.b)""",
    True: _REFS + f"(f.a, f.b) NOT IN (SELECT g.a, g.b FROM {_IN_RUN})",
}
_OWN = f"""SELECT f.path, f.line, f.col, f.severity, f.rule, f.field, f.message, f.fix
    FROM run c CROSS JOIN {FINDINGS} f ON f.rec = c.rec WHERE c.want"""
# the wanted records that are indexed, and how many of them have findings missing or of another type
_DAMAGED = f"""SELECT COUNT(*), COALESCE(SUM(r.nfindings IS NOT (SELECT COUNT(*) FROM {FINDINGS} f
    WHERE f.rec = c.rec AND typeof(f.line) = 'integer' AND typeof(f.col) = 'integer'
    AND typeof(f.path) = 'text' AND typeof(f.severity) = 'text' AND typeof(f.rule) = 'text'
    AND typeof(f.field) = 'text' AND typeof(f.message) = 'text' AND typeof(f.fix) IN ('text', 'null'))), 0)
    FROM run c JOIN {RECORDS} r ON r.rec = c.rec WHERE c.want"""
_KNOWN = (
    f"SELECT DISTINCT f.b FROM run c JOIN {FACTS} f ON f.rec = c.rec WHERE f.what = {DEFINES} AND f.a = ?"
)


class IndexDamaged(Exception):
    """A row of the index is not of the shape this code writes."""


class RunRecord(NamedTuple):
    """One record of this run: its cache key, its shown path, whether it comes after the dataset's own
    records (a file named by a contributor) and whether its findings are wanted."""

    key: str
    path: str
    late: bool
    want: bool


class ResultIndex:
    """The index in the results cache's database `db`. Raises sqlite3.Error when the database fails."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._ids: dict[str, int] = {}  # the records' ids in the index, by key
        for sql in _SCHEMA:
            db.execute(sql)

    def missing(self, keys: list[str]) -> set[str]:
        """The keys not indexed yet."""
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            self._ids.update(self.db.execute(f"SELECT key, rec FROM {RECORDS} WHERE key IN ({marks})", chunk))
        return {k for k in keys if k not in self._ids}

    def add(self, entries: dict[str, tuple[list[Finding], RecordSummary]]) -> None:
        """Index the findings and summaries of records, by cache key, in one transaction."""
        with self.db:
            findings, facts = [], []
            for key, (found, summary) in entries.items():
                old = self.db.execute(f"SELECT rec FROM {RECORDS} WHERE key = ?", (key,)).fetchall()
                self.db.execute(f"DELETE FROM {RECORDS} WHERE key = ?", (key,))
                cur = self.db.execute(
                    f"INSERT INTO {RECORDS} (key, nfindings) VALUES (?, ?)", (key, len(found))
                )
                rec = self._ids[key] = cur.lastrowid
                for table in (FINDINGS, FACTS):  # rows of the key's former id, or of a deleted record's
                    self.db.executemany(f"DELETE FROM {table} WHERE rec = ?", old + [(rec,)])
                findings += [(rec, *f) for f in found]
                for what, items in (
                    (DEFINES, summary.defines),
                    (REFERS, summary.refs),
                    (DESCRIBES, summary.sources),
                ):
                    facts += [(rec, what, seq, *x) for seq, x in enumerate(items)]
            self.db.executemany(f"INSERT INTO {FINDINGS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", findings)
            self.db.executemany(f"INSERT INTO {FACTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", facts)

    def clear(self) -> None:
        """Forget every indexed record (a damaged index): the next run indexes them again."""
        with self.db:
            for table in (RECORDS, FINDINGS, FACTS):
                self.db.execute(f"DELETE FROM {table}")
        self._ids.clear()

    def findings(self, run: list[RunRecord]) -> list[Finding]:
        """The findings of the wanted records of `run` (all indexed): their own, and those of the checks
        across all records of the run. Raises IndexDamaged."""
        db = self.db
        db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS run (rec INTEGER PRIMARY KEY, path TEXT, late INTEGER, want)"
        )
        try:
            rows = [(self._ids[r.key], r.path, r.late, r.want) for r in run]
        except KeyError:
            raise IndexDamaged("a record of the run is not indexed") from None
        with db:
            db.execute("DELETE FROM run")
            db.executemany("INSERT INTO run VALUES (?, ?, ?, ?)", rows)
        return self._own(run) + self._across(all(r.want for r in run))

    def _own(self, run: list[RunRecord]) -> list[Finding]:
        wanted = sum(1 for r in run if r.want)
        (indexed, damaged), *_ = self.db.execute(_DAMAGED)
        if indexed != wanted or damaged:
            raise IndexDamaged("a record's findings are not all in the index, or not of their types")
        return list(map(Finding._make, self.db.execute(_OWN)))

    def _across(self, everything: bool) -> list[Finding]:
        out = []
        first = None
        for a, b, path, *where, want in self.db.execute(_DUPLICATES[everything], (DEFINES, DEFINES)):
            if first is None or first[:2] != (a, b):
                first = (a, b, path, where[1])
            elif want:
                out.append(duplicate_id(path, _where(where), _text(a), _text(b), (first[2], first[3])))
        known: dict[str, list[str]] = {}
        for a, b, path, *where in self.db.execute(_UNDEFINED[everything], (DEFINES,)):
            if a not in known:
                known[a] = [_text(x) for (x,) in self.db.execute(_KNOWN, (a,))]
            out.append(undefined_reference(path, _where(where), _text(a), _text(b), known[a]))
        first = None
        for a, b, path, *where, want in self.db.execute(_DIFFERING[everything], (DESCRIBES, DESCRIBES)):
            if first is None or first[0] != a:
                first = (a, b, path, where[1])
            elif want and b != first[1]:
                out.append(described_differently(path, _where(where), (first[2], first[3])))
        return out


def _text(value) -> str:
    if not isinstance(value, str):
        raise IndexDamaged("a text column holds another type")
    return value


def _where(row: list) -> tuple[str, int, int]:
    field, line, col = row
    if not (isinstance(field, str) and type(line) is int and type(col) is int):
        raise IndexDamaged("a location column holds another type")
    return field, line, col
