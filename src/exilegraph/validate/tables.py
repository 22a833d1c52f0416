"""The tables of the validation index in the results cache (index.py, across.py), and the checks that a
row read back is of the shape this code writes.

Rows are data only. A row of another shape is a damaged index: IndexDamaged, and the caller decodes the
cache entries instead.
"""

from __future__ import annotations

import sqlite3

from ..findings import Finding

RECORDS, FINDINGS, FACTS = "vrecord_v3", "vfinding_v3", "vfact_v3"
RUN, CROSS, RUN_STATE, REPORTS = "vrun_v3", "vcross_v3", "vrunstate_v4", "vreport_v3"
DEFINES, REFERS, DESCRIBES = 0, 1, 2  # vfact_v3.what; a, b are (kind, id) or (source node, digest)
OLD = ("vrecord_v2", "vfinding_v2", "vfact_v2", "vrunstate_v3")

_SCHEMA = (
    # rows refer to their record by its integer id: joins on 130-character keys cost more. AUTOINCREMENT:
    # an id is never given to another record, so the runs kept in RUN never name a record that changed.
    # `text` and `json` are the record's findings as the report writes them (findings.render), NULL when
    # one of them names another file; last, so that reading the others does not step through them
    f"CREATE TABLE IF NOT EXISTS {RECORDS} (rec INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, "
    "nfindings INTEGER NOT NULL, path TEXT, errors INTEGER, warnings INTEGER, infos INTEGER, text TEXT, "
    "json TEXT)",
    f"CREATE TABLE IF NOT EXISTS {FINDINGS} (rec INTEGER NOT NULL, path, line, col, severity, rule, field, "
    "message, fix)",
    f"CREATE INDEX IF NOT EXISTS {FINDINGS}_rec ON {FINDINGS} (rec)",
    f"CREATE TABLE IF NOT EXISTS {FACTS} (rec INTEGER NOT NULL, what INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "a, b, field, line, col)",
    f"CREATE INDEX IF NOT EXISTS {FACTS}_what ON {FACTS} (what, a, b)",
    f"CREATE INDEX IF NOT EXISTS {FACTS}_rec ON {FACTS} (rec, what, a, b)",
    # the records of the last run over a whole dataset, and the findings of the checks across them, each
    # under the group it was found in (what, a, b): see across.py
    f"CREATE TABLE IF NOT EXISTS {RUN} (rec INTEGER PRIMARY KEY, path TEXT, late INTEGER, want INTEGER)",
    f"CREATE TABLE IF NOT EXISTS {CROSS} (rec INTEGER NOT NULL, what INTEGER NOT NULL, a, b, path, line, col, "
    "severity, rule, field, message, fix)",
    f"CREATE INDEX IF NOT EXISTS {CROSS}_group ON {CROSS} (what, a, b)",
    # how often RUN changed (a copy of RUN read before it is locked is still its content when this is
    # equal), and a digest of its rows (a run of the same records changes nothing)
    f"CREATE TABLE IF NOT EXISTS {RUN_STATE} (one INTEGER PRIMARY KEY CHECK (one = 1), generation INTEGER, "
    "digest TEXT)",
    f"INSERT OR IGNORE INTO {RUN_STATE} VALUES (1, 0, '')",
    # the report of RUN (its records' own findings and CROSS) in each format, as of a generation
    f"CREATE TABLE IF NOT EXISTS {REPORTS} (format TEXT PRIMARY KEY, generation INTEGER, errors INTEGER, "
    "warnings INTEGER, infos INTEGER, text TEXT)",
    f"CREATE INDEX IF NOT EXISTS {CROSS}_rec ON {CROSS} (rec)",
)


class IndexDamaged(Exception):
    """A row of the index is not of the shape this code writes."""


def create(db: sqlite3.Connection) -> None:
    """The tables, when they are not there yet (and the former version's dropped). Raises sqlite3.Error."""
    names = (RECORDS, FINDINGS, FACTS, RUN, CROSS, RUN_STATE, REPORTS)
    marks = ",".join("?" * len(names))
    if db.execute(f"SELECT COUNT(*) FROM sqlite_master WHERE name IN ({marks})", names).fetchone()[0] == len(
        names
    ):
        return
    with db:
        for name in OLD:
            db.execute(f"DROP TABLE IF EXISTS {name}")
        for sql in _SCHEMA:
            db.execute(sql)


def text(value) -> str:
    if type(value) is not str:
        raise IndexDamaged("a text column holds another type")
    return value


def where(row) -> tuple[str, int, int]:
    field, line, col = row
    if not (type(field) is str and type(line) is int and type(col) is int):
        raise IndexDamaged("a location column holds another type")
    return field, line, col


def finding(row) -> Finding:
    """A Finding from the columns path, line, col, severity, rule, field, message, fix."""
    path, line, col, severity, rule, field, message, fix = row
    if not (
        type(line) is int
        and type(col) is int
        and all(type(x) is str for x in (path, severity, rule, field, message))
        and (fix is None or type(fix) is str)
    ):
        raise IndexDamaged("a finding's column holds another type")
    return Finding(path, line, col, severity, rule, field, message, fix)
