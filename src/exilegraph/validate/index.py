"""The cached verdicts of records kept as rows the dataset-wide checks can query.

The results cache (diskcache.py) holds one JSON entry per record. On a run that finds almost every
record cached, decoding ten thousand entries to run the checks across the dataset costs more than
everything else. So each entry is also kept split into rows (a record row under the entry's cache key,
and rows that refer to it): the record's findings, and the ids it defines, the ids it refers to and the
sources it describes (its summary). The checks across the dataset then run as SQL over the rows of the
records in this run (across.py), and only the findings asked for are read back. The record row also
holds its findings as the report writes them, so that the report of a whole dataset is mostly a
concatenation of rows.

Rows are data only (tables.py). A row of another shape, or a record whose finding rows are not all there,
is a damaged index: IndexDamaged, and the caller decodes the entries instead.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from ..findings import Finding, Rendered, Report, render
from ..records import RecordSummary
from . import across
from .tables import (
    CROSS,
    DEFINES,
    DESCRIBES,
    FACTS,
    FINDINGS,
    RECORDS,
    REFERS,
    REPORTS,
    RUN,
    RUN_STATE,
    IndexDamaged,
    create,
    finding,
)

__all__ = ["FINDINGS", "IndexDamaged", "ResultIndex", "RunRecord"]

_OWN = f"""SELECT f.rec, f.path, f.line, f.col, f.severity, f.rule, f.field, f.message, f.fix
    FROM {{run}} c CROSS JOIN {FINDINGS} f ON f.rec = c.rec WHERE c.want"""
_OWN_OF = f"""SELECT f.rec, f.path, f.line, f.col, f.severity, f.rule, f.field, f.message, f.fix
    FROM {FINDINGS} f WHERE f.rec IN ({{marks}})"""
# the run's records with their rendered findings, each with its state: 1 rendered, 0 not kept rendered
# (a record one of whose findings names another file has neither path nor text nor json), -1 damaged
_RENDERED = f"""SELECT c.rec, c.path, CASE WHEN r.path IS NULL AND r.{{column}} IS NULL THEN 0
    WHEN r.path IS c.path AND typeof(r.{{column}}) = 'text' AND typeof(r.errors) = 'integer'
    AND typeof(r.warnings) = 'integer' AND typeof(r.infos) = 'integer' AND typeof(r.nfindings) = 'integer'
    AND r.errors + r.warnings + r.infos <= r.nfindings THEN 1 ELSE -1 END,
    r.errors, r.warnings, r.infos, r.{{column}} FROM {RUN} c JOIN {RECORDS} r ON r.rec = c.rec"""


class RunRecord(NamedTuple):
    """One record of this run: its cache key, its shown path, whether it comes after the dataset's own
    records (a file named by a contributor) and whether its findings are wanted; `rec`, its id in the
    index when the caller knows it (the key is then not needed)."""

    key: str
    path: str
    late: bool
    want: bool
    rec: int | None = None


class ResultIndex:
    """The index in the results cache's database `db`. Raises sqlite3.Error when the database fails."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._ids: dict[str, int] = {}  # the records' ids in the index, by key
        self._ahead: tuple | None = None  # read_ahead(): the last run (across.kept)
        self._prepared: dict[int, Rendered | None] = {}  # and its records' findings, for self._column
        self._column = ""
        create(db)

    def missing(self, keys: list[str], prefix: str | None = None) -> set[str]:
        """The keys not indexed yet; `prefix` is one all keys start with (the fingerprint and ":"), when
        they do: the index is then read in one pass over the keys that start with it."""
        if prefix and len(keys) > 1000 and all(k.startswith(prefix) for k in keys):
            # the keys that start with the prefix are those from it up to the prefix with its last
            # character followed by the next one (":" to ";")
            rows = self.db.execute(
                f"SELECT key, rec FROM {RECORDS} WHERE key >= ? AND key < ?", (prefix, _after(prefix))
            )
            wanted = set(keys)
            self._ids.update(row for row in rows if row[0] in wanted)
        else:
            for chunk in _chunks(keys):
                marks = ",".join("?" * len(chunk))
                self._ids.update(
                    self.db.execute(f"SELECT key, rec FROM {RECORDS} WHERE key IN ({marks})", chunk)
                )
        return {k for k in keys if k not in self._ids}

    def add(self, entries: dict[str, tuple[list[Finding], RecordSummary]]) -> None:
        """Index the findings and summaries of records, by cache key, in one transaction."""
        with self.db:
            findings, facts = [], []
            for key, (found, summary) in entries.items():
                old = self.db.execute(f"SELECT rec FROM {RECORDS} WHERE key = ?", (key,)).fetchall()
                self.db.execute(f"DELETE FROM {RECORDS} WHERE key = ?", (key,))
                shown = summary.path if all(f.path == summary.path for f in found) else None
                r = render(summary.path, found) if shown is not None else Rendered(None, None, None, 0, 0, 0)
                cur = self.db.execute(
                    f"INSERT INTO {RECORDS} (key, nfindings, path, errors, warnings, infos, text, json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, len(found), r.path, r.errors, r.warnings, r.infos, r.text, r.json),
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
            for table in (RECORDS, FINDINGS, FACTS, RUN, CROSS):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute(f"UPDATE {RUN_STATE} SET generation = generation + 1, digest = ''")
            self.db.execute(f"DELETE FROM {REPORTS}")
        self._ids.clear()

    def read_ahead(self, column: str) -> None:
        """Reads what report() will read of the records that did not change (the last run over the whole
        dataset, and its records' rendered findings), while a worker checks those that did. Raises
        IndexDamaged."""
        self._ahead = across.kept(self.db)
        self._prepared = _prepare(self.db.execute(_RENDERED.format(column=column)), column)
        self._column = column

    def findings(self, run: list[RunRecord]) -> list[Finding]:
        """The findings of the wanted records of `run` (all indexed): their own, and those of the checks
        across all records of the run. Raises IndexDamaged."""
        rows = self._rows(run)
        if not all(r.want for r in run):
            cross = across.wanted(self.db, rows)  # fills the table of the run's records
            return self._own(across.WANTED, rows) + cross
        with _locked(self.db):
            return across.update(self.db, rows, self._ahead) + self._own(RUN, rows)

    def report(self, run: list[RunRecord], loose: list[Finding], column: str) -> list[Rendered]:
        """What findings() gives, with the findings `loose` of files that are not indexed, file by file
        and rendered; of each file only `column` ("text" or "json") and the counts. Raises IndexDamaged."""
        rows = self._rows(run)
        if not all(r.want for r in run):
            cross = across.wanted(self.db, rows)  # fills the table of the run's records
            return _by_file(self._own(across.WANTED, rows) + cross + loose)
        with _locked(self.db):
            before = across.generation(self.db)
            if self._ahead is not None and before != self._ahead[0]:
                self._ahead, self._prepared = None, {}  # another run changed the index meanwhile
            cross = across.update(self.db, rows, self._ahead)
            at = across.generation(self.db)
            if not loose and (kept := self._kept_report(column, at)) is not None:
                return [kept]
            out = self._report(rows, loose + cross, column)
            if not loose and at == before:  # the same run as the last: its report is kept for the next
                self._keep_report(column, at, out)
        return out

    def _report(self, rows: list[tuple], loose: list[Finding], column: str) -> list[Rendered]:
        """The run's records' own findings and `loose`, file by file (RUN is this run's)."""
        prepared = self._rendered(rows, column)
        out: dict[str, Rendered] = {}
        recs: dict[str, int] = {}
        odd = []  # records whose findings are not kept rendered
        for rec, path, *_ in rows:
            r = prepared.get(rec, _GONE)
            if r is None:
                odd.append(rec)
            elif r is _GONE:
                raise IndexDamaged("a record of the run is not indexed")
            else:
                recs[path] = rec
                out[path] = r
        loose = loose + self._own_of(odd)
        merged = {f.path for f in loose} & recs.keys()
        loose += self._own_of([recs[p] for p in merged])
        for r in _by_file(loose):
            out[r.path] = r
        return list(out.values())

    def _kept_report(self, column: str, generation: int | None) -> Rendered | None:
        """The kept report of the run of `generation`, as one part, or None."""
        row = self.db.execute(
            f"SELECT generation, errors, warnings, infos, text FROM {REPORTS} WHERE format = ?", (column,)
        ).fetchone()
        if row is None or generation is None or row[0] != generation:
            return None
        _, errors, warnings, infos, text = row
        if not (type(text) is str and all(type(x) is int for x in (errors, warnings, infos))):
            return None  # (written again below)
        pair = (text, "") if column == "text" else ("", text)
        return Rendered("", *pair, errors, warnings, infos)

    def _keep_report(self, column: str, generation: int | None, parts: list[Rendered]) -> None:
        if generation is None:
            return
        report = Report(parts)
        text = report.text() if column == "text" else ",\n".join(r.json for r in report.files if r.json)
        counts = (report.counts["error"], report.counts["warning"], report.counts["info"])
        self.db.execute(
            f"INSERT OR REPLACE INTO {REPORTS} VALUES (?, ?, ?, ?, ?, ?)", (column, generation, *counts, text)
        )

    def _rendered(self, rows: list[tuple], column: str) -> dict[int, Rendered | None]:
        """_prepare() of the records of the run (RUN is this run's): those read ahead, and the others'."""
        ahead = self._prepared if self._column == column else {}
        rest = [r[0] for r in rows if r[0] not in ahead]
        if len(rest) > len(rows) // 2:
            return _prepare(self.db.execute(_RENDERED.format(column=column)), column)
        out = dict(ahead)
        for chunk in _chunks(rest):
            marks = ",".join("?" * len(chunk))
            sql = f"{_RENDERED.format(column=column)} WHERE c.rec IN ({marks})"
            out.update(_prepare(self.db.execute(sql, chunk), column))
        return out

    def ids(self, keys: dict[str, str]) -> dict[str, int]:
        """The ids of indexed records by the same names as `keys` (found by missing() or add())."""
        return {name: self._ids[k] for name, k in keys.items() if k in self._ids}

    def _rows(self, run: list[RunRecord]) -> list[tuple]:
        try:
            return [
                (r.rec if r.rec is not None else self._ids[r.key], r.path, int(r.late), int(r.want))
                for r in run
            ]
        except KeyError:
            raise IndexDamaged("a record of the run is not indexed") from None

    def _own(self, table: str, rows: list[tuple]) -> list[Finding]:
        """The own findings of the wanted records of the run in `table`."""
        return _checked(self.db.execute(_OWN.format(run=table)), [r[0] for r in rows if r[3]], self.db)

    def _own_of(self, recs: list[int]) -> list[Finding]:
        """The own findings of the records `recs` (a few)."""
        rows = []
        for chunk in _chunks(recs):
            rows += self.db.execute(_OWN_OF.format(marks=",".join("?" * len(chunk))), chunk)
        return _checked(rows, recs, self.db)


_GONE = Rendered("", "", "", 0, 0, 0)  # a record that is not in the index


def _prepare(rows, column: str) -> dict[int, Rendered | None]:
    """_RENDERED rows as each record's rendered findings (None: not kept rendered), by id. Raises
    IndexDamaged."""
    out: dict[int, Rendered | None] = {}
    for rec, path, state, errors, warnings, infos, rendered in rows:
        if state == 1:
            pair = (rendered, "") if column == "text" else ("", rendered)
            out[rec] = Rendered(path, *pair, errors, warnings, infos)
        elif state == 0:
            out[rec] = None
        else:
            raise IndexDamaged("a record's rendered findings are not of their type")
    return out


def _checked(rows, recs: list[int], db: sqlite3.Connection) -> list[Finding]:
    """The findings of `rows` (rec, then a finding's columns), checked to be all of the records `recs`."""
    out = []
    count: dict[int, int] = {}
    for rec, *row in rows:
        out.append(finding(row))
        count[rec] = count.get(rec, 0) + 1
    wanted = {}
    for chunk in _chunks(recs):
        marks = ",".join("?" * len(chunk))
        wanted.update(db.execute(f"SELECT rec, nfindings FROM {RECORDS} WHERE rec IN ({marks})", chunk))
    if len(wanted) != len(set(recs)) or any(count.get(rec, 0) != n for rec, n in wanted.items()):
        raise IndexDamaged("a record's findings are not all in the index")
    return out


def _after(prefix: str) -> str:
    """The first text after every text that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _chunks(values: list, size: int = 500) -> list[list]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _by_file(findings: list[Finding]) -> list[Rendered]:
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(f.path, []).append(f)
    return [render(path, fs) for path, fs in by.items()]


class _locked:
    """A transaction that holds the write lock from its start: the run kept in the index (across.py) is
    read, brought up to date and read back as one run's, whatever other processes do meanwhile."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        if self.db.in_transaction:
            self.db.commit()
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.db.commit()
        else:
            self.db.rollback()
