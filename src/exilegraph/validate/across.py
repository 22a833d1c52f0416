"""The checks across the dataset (dataset_checks.py) as SQL over the index's rows, kept from run to run.

A check across the dataset finds its findings in groups: the definitions of one id (duplicate-id), the
descriptions of one source node (source-described-differently), the references to one id that nothing
defines (undefined-reference, whose fix also names the closest id of that kind defined). A run over a
whole dataset keeps its records (table vrun_v3) and its findings, each under its group (vcross_v3). The
next such run compares its records with the kept ones: a changed file is one record gone and one come.
When few differ, only the groups those records take part in are checked again (and the fixes of undefined
references of a kind whose set of ids changed); else everything is. A run that wants the findings of a
few records only (a file named inside its dataset) checks the groups those records touch, and keeps
nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3

from ..findings import Finding
from .dataset_checks import described_differently, duplicate_id, undefined_reference
from .tables import (
    CROSS,
    DEFINES,
    DESCRIBES,
    FACTS,
    RECORDS,
    REFERS,
    RUN,
    RUN_STATE,
    IndexDamaged,
    finding,
    text,
    where,
)

WANTED = "temp.vwanted"  # the records of a run that wants a few records' findings
INCREMENTAL_MAX = 200  # records gone or come since the kept run; more, and everything is checked again
_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS vwanted (rec INTEGER PRIMARY KEY, path TEXT, late INTEGER, want)",
    "CREATE TEMP TABLE IF NOT EXISTS vchanged (rec INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE IF NOT EXISTS vgroups (a, b, PRIMARY KEY (a, b))",
    "CREATE TEMP TABLE IF NOT EXISTS vsources (a PRIMARY KEY)",
)

# A finding of a check and the group it belongs to: (what, a, b, rec of the record it is reported in).
Found = tuple[int, object, object, int, Finding]


def _in_run(run: str) -> str:
    return f"{run} w CROSS JOIN {FACTS} g ON g.rec = w.rec WHERE g.what = ?"


def _groups(run: str, scope: str, by: str) -> str:
    """The facts of the records of `run` in the groups `scope` selects, in the order the checks take them
    (dataset_checks.check_dataset: a file named by a contributor after the dataset's own, then by path)."""
    return f"""SELECT f.a, f.b, c.path, f.field, f.line, f.col, c.want, c.rec FROM {run} c
        JOIN {FACTS} f ON f.rec = c.rec WHERE f.what = ? AND {scope}
        ORDER BY f.a, {by} c.late, c.path, f.seq"""


def _duplicates(run: str, scope: str) -> tuple[str, tuple]:
    where = {
        "want": (f"(f.a, f.b) IN (SELECT g.a, g.b FROM {_in_run(run)} AND w.want)", (DEFINES,)),
        "all": (
            f"(f.a, f.b) IN (SELECT g.a, g.b FROM {_in_run(run)} GROUP BY g.a, g.b HAVING COUNT(*) > 1)",
            (DEFINES,),
        ),
        "changed": ("(f.a, f.b) IN (SELECT a, b FROM temp.vgroups)", ()),
    }[scope]
    return _groups(run, where[0], "f.b,"), (DEFINES, *where[1])


def _differing(run: str, scope: str) -> tuple[str, tuple]:
    where = {
        "want": (f"f.a IN (SELECT g.a FROM {_in_run(run)} AND w.want)", (DESCRIBES,)),
        "all": (
            f"f.a IN (SELECT g.a FROM {_in_run(run)} GROUP BY g.a HAVING COUNT(DISTINCT g.b) > 1)",
            (DESCRIBES,),
        ),
        "changed": ("f.a IN (SELECT a FROM temp.vsources)", ()),
    }[scope]
    return _groups(run, where[0], ""), (DESCRIBES, *where[1])


def _undefined(run: str, scope: str) -> tuple[str, tuple]:
    """The references of wanted records of `run` to an id no record of it defines."""
    select = "SELECT f.a, f.b, c.path, f.field, f.line, f.col, c.rec, f.seq FROM "
    nowhere = f"""NOT EXISTS (SELECT 1 FROM {FACTS} d JOIN {run} r ON r.rec = d.rec
        WHERE d.what = {DEFINES} AND d.a = f.a AND d.b = f.b)"""
    refs = f"{select} {run} c CROSS JOIN {FACTS} f ON f.rec = c.rec WHERE c.want AND f.what = {REFERS} AND "
    if scope == "want":
        return refs + nowhere, ()
    if scope == "all":
        return refs + f"(f.a, f.b) NOT IN (SELECT g.a, g.b FROM {_in_run(run)})", (DEFINES,)
    # the references of the records that changed, and those anywhere to an id whose definitions changed
    return (
        refs
        + f"c.rec IN (SELECT rec FROM temp.vchanged) AND {nowhere} UNION {select} {FACTS} f "
        + f"CROSS JOIN {run} c ON c.rec = f.rec WHERE f.what = {REFERS} AND c.want "
        + f"AND (f.a, f.b) IN (SELECT a, b FROM temp.vgroups) AND {nowhere}"
    ), ()


def _known(db: sqlite3.Connection, run: str, kind: str) -> list[str]:
    """The ids of `kind` the records of `run` define."""
    sql = f"SELECT DISTINCT f.b FROM {run} c JOIN {FACTS} f ON f.rec = c.rec WHERE f.what = ? AND f.a = ?"
    return [text(x) for (x,) in db.execute(sql, (DEFINES, kind))]


def check(db: sqlite3.Connection, run: str, scope: str) -> list[Found]:
    """The findings of the checks across the records of `run` (a table of rec, path, late, want), in the
    groups of `scope`: "want" (those the wanted records touch), "all", or "changed" (those of the temp
    tables vgroups and vsources, and the references of the records in vchanged). Raises IndexDamaged,
    sqlite3.Error."""
    out: list[Found] = []
    first = None
    sql, args = _duplicates(run, scope)
    for a, b, path, *loc, want, rec in db.execute(sql, args):
        if first is None or first[:2] != (a, b):
            first = (a, b, path, loc[1])
        elif want:
            out.append((DEFINES, a, b, rec, duplicate_id(path, where(loc), text(a), text(b), first[2:])))
    known: dict[str, list[str]] = {}
    sql, args = _undefined(run, scope)
    for a, b, path, *loc, rec, _ in db.execute(sql, args):
        if a not in known:
            known[a] = _known(db, run, text(a))
        out.append((REFERS, a, b, rec, undefined_reference(path, where(loc), text(a), text(b), known[a])))
    first = None
    sql, args = _differing(run, scope)
    for a, b, path, *loc, want, rec in db.execute(sql, args):
        if first is None or first[0] != a:
            first = (a, b, path, loc[1])
        elif want and b != first[1]:
            out.append((DESCRIBES, a, b, rec, described_differently(path, where(loc), first[2:])))
    return out


def wanted(db: sqlite3.Connection, rows: list[tuple]) -> list[Finding]:
    """The findings across the dataset of the wanted records among `rows` (rec, path, late, want) (the
    temp table WANTED then holds them). Raises IndexDamaged, sqlite3.Error."""
    _temp(db)
    with db:
        db.execute(f"DELETE FROM {WANTED}")
        db.executemany(f"INSERT INTO {WANTED} VALUES (?, ?, ?, ?)", rows)
    ((n,),) = db.execute(f"SELECT COUNT(*) FROM {WANTED} w JOIN {RECORDS} r ON r.rec = w.rec")
    if n != len(rows):
        raise IndexDamaged("a record of the run is not indexed")
    return [f for *_, f in check(db, WANTED, "want")]


def kept(db: sqlite3.Connection) -> tuple[object, set[tuple]]:
    """The kept run's records (rec, path, late, want), read as of its generation (a count of its changes)."""
    if db.in_transaction:
        db.commit()
    with db:  # one read transaction: the generation is that of the rows
        db.execute("BEGIN")
        return generation(db), set(db.execute(f"SELECT rec, path, late, want FROM {RUN}"))


def generation(db: sqlite3.Connection) -> int | None:
    """How often the kept run changed (None: not known)."""
    row = db.execute(f"SELECT generation FROM {RUN_STATE}").fetchone()
    return row[0] if row is not None and type(row[0]) is int else None


def update(db: sqlite3.Connection, rows: list[tuple], ahead: tuple | None = None) -> list[Finding]:
    """Brings the kept run (RUN, CROSS) to the records `rows` (rec, path, late, 1) and returns its findings
    across the dataset; `ahead` is what kept() gave before, if it did. To be called in a transaction that
    holds the database's write lock (BEGIN IMMEDIATE), so that what is kept stays one run's. Raises
    IndexDamaged, sqlite3.Error."""
    _temp(db)
    state = db.execute(f"SELECT generation, digest FROM {RUN_STATE}").fetchone()
    now_at = state[0] if state is not None and type(state[0]) is int else None
    digest = _digest(rows)
    if now_at is None or state[1] != digest:
        if ahead is not None and now_at is not None and ahead[0] == now_at:
            before = ahead[1]
        else:
            before = set(db.execute(f"SELECT rec, path, late, want FROM {RUN}"))
        now = set(rows)
        gone = sorted({r[0] for r in before - now})
        come = sorted(now - before)
        if len(gone) + len(come) > INCREMENTAL_MAX or not _indexed(db, gone):
            _check_all(db, rows)
        elif gone or come:
            _check_changed(db, come, gone)
        db.execute(f"INSERT OR REPLACE INTO {RUN_STATE} VALUES (1, ?, ?)", ((now_at or 0) + 1, digest))
    cols = "path, line, col, severity, rule, field, message, fix"
    return [finding(row) for row in db.execute(f"SELECT {cols} FROM {CROSS}")]


def _digest(rows: list[tuple]) -> str:
    text = "\n".join(f"{rec}\t{path}\t{late}\t{want}" for rec, path, late, want in sorted(rows))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _temp(db: sqlite3.Connection) -> None:
    for sql in _TEMP:
        db.execute(sql)


def _indexed(db: sqlite3.Connection, recs: list[int]) -> bool:
    """Whether the records are all still in the index (with their facts, which say which groups they
    were in)."""
    _fill(db, "temp.vchanged", [(r,) for r in recs])
    (n,) = db.execute(
        f"SELECT COUNT(*) FROM {RECORDS} WHERE rec IN (SELECT rec FROM temp.vchanged)"
    ).fetchone()
    return n == len(recs)


def _fill(db: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    db.execute(f"DELETE FROM {table}")
    if rows:
        db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


def _store(db: sqlite3.Connection, found: list[Found]) -> None:
    db.executemany(
        f"INSERT INTO {CROSS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(rec, what, a, b, *f) for what, a, b, rec, f in found],
    )


def _check_all(db: sqlite3.Connection, rows: list[tuple]) -> None:
    _fill(db, RUN, rows)
    db.execute(f"DELETE FROM {CROSS}")
    _store(db, check(db, RUN, "all"))


def _check_changed(db: sqlite3.Connection, come: list[tuple], gone: list[int]) -> None:
    """The kept run brought to this one: the records `gone` left it, those of `come` joined it."""
    _fill(db, "temp.vchanged", [(r,) for r in sorted(set(gone) | {r[0] for r in come})])
    changed = "rec IN (SELECT rec FROM temp.vchanged)"
    db.execute("DELETE FROM temp.vgroups")
    db.execute(
        f"INSERT OR IGNORE INTO temp.vgroups SELECT a, b FROM {FACTS} WHERE what = ? AND {changed}",
        (DEFINES,),
    )
    db.execute("DELETE FROM temp.vsources")
    db.execute(
        f"INSERT OR IGNORE INTO temp.vsources SELECT a FROM {FACTS} WHERE what = ? AND {changed}",
        (DESCRIBES,),
    )
    before = _defined(db)
    db.executemany(f"DELETE FROM {RUN} WHERE rec = ?", [(r,) for r in gone])
    db.executemany(f"INSERT OR REPLACE INTO {RUN} VALUES (?, ?, ?, ?)", come)
    kinds = {a for (a, b), now in _defined(db).items() if now != before[(a, b)]}
    db.execute(f"DELETE FROM {CROSS} WHERE {changed}")
    db.execute(
        f"DELETE FROM {CROSS} WHERE what IN (?, ?) AND (a, b) IN (SELECT a, b FROM temp.vgroups)",
        (DEFINES, REFERS),
    )
    db.execute(f"DELETE FROM {CROSS} WHERE what = ? AND a IN (SELECT a FROM temp.vsources)", (DESCRIBES,))
    found = check(db, RUN, "changed")
    # the other undefined references of a kind whose ids changed: their fix names the closest id
    refix = []
    for kind in sorted(kinds, key=str):
        rows = db.execute(
            f"SELECT rowid, rec, b, path, field, line, col FROM {CROSS} WHERE what = ? AND a = ?",
            (REFERS, kind),
        ).fetchall()
        if rows:
            known = _known(db, RUN, text(kind))
            for rowid, rec, b, path, *loc in rows:
                refix.append(rowid)
                found.append(
                    (REFERS, kind, b, rec, undefined_reference(text(path), where(loc), kind, text(b), known))
                )
    db.executemany(f"DELETE FROM {CROSS} WHERE rowid = ?", [(r,) for r in refix])
    _store(db, found)


def _defined(db: sqlite3.Connection) -> dict[tuple, bool]:
    """Whether a record of the kept run defines each id of temp.vgroups."""
    sql = f"""SELECT g.a, g.b, EXISTS (SELECT 1 FROM {FACTS} d JOIN {RUN} r ON r.rec = d.rec
        WHERE d.what = {DEFINES} AND d.a = g.a AND d.b = g.b) FROM temp.vgroups g"""
    return {(a, b): bool(x) for a, b, x in db.execute(sql)}
