"""Layer 3: checks across all records, done once: duplicate ids, sources described differently,
references to cases, persons or organisations that no record defines.

The findings are built by the three functions below, here over summaries in memory and in index.py
over the rows the cache keeps of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..findings import ERROR, Finding
from ..records import RecordSummary


def duplicate_id(path: str, where: tuple, kind: str, ident: str, first: tuple[str, int]) -> Finding:
    """A definition of an id that `first` (path, line) defined before; `where` is (field, line, column)."""
    field, line, col = where
    return Finding(
        path,
        line,
        col,
        ERROR,
        "duplicate-id",
        field,
        f"{kind} id `{ident}` is already defined in {first[0]} (line {first[1]})",
        "choose another id, or keep one definition and refer to it by id",
    )


def undefined_reference(path: str, where: tuple, kind: str, ident: str, known: Iterable[str]) -> Finding:
    """A reference to an id no record defines; `known` are the ids of that kind that are defined."""
    field, line, col = where
    close = difflib.get_close_matches(ident, list(known), n=1, cutoff=0.6)
    fix = (
        f"did you mean `{close[0]}`?"
        if close
        else f"define the {kind} `{ident}` in a record, or correct the id"
    )
    return Finding(
        path,
        line,
        col,
        ERROR,
        "undefined-reference",
        field,
        f"refers to {kind} `{ident}`, which no record defines",
        fix,
    )


def described_differently(path: str, where: tuple, first: tuple[str, int]) -> Finding:
    """A source described otherwise than in `first` (path, line), which described it first."""
    field, line, col = where
    return Finding(
        path,
        line,
        col,
        ERROR,
        "source-described-differently",
        field,
        f"this source (same URL or reference) is described differently in {first[0]} (line {first[1]})",
        "make the two descriptions identical (title, outlet, dates, type)",
    )


def check_dataset(summaries: list[RecordSummary], newcomers: set[str] = frozenset()) -> list[Finding]:
    """Duplicate ids, references no record defines, and sources described differently in two records.

    A definition is reported as the duplicate in the later file by path, except that files in
    `newcomers` (those a contributor adds) always come after the dataset's own."""
    out: list[Finding] = []
    defined: dict[tuple[str, str], tuple[str, int]] = {}
    order = sorted(summaries, key=lambda s: (s.path in newcomers, s.path))
    for s in order:
        for kind, ident, field, line, col in s.defines:
            first = defined.get((kind, ident))
            if first:
                out.append(duplicate_id(s.path, (field, line, col), kind, ident, first))
            else:
                defined[(kind, ident)] = (s.path, line)
    ids_by_kind: dict[str, list[str]] = {}
    for kind, ident in defined:
        ids_by_kind.setdefault(kind, []).append(ident)
    for s in summaries:
        for kind, ident, field, line, col in s.refs:
            if (kind, ident) not in defined:
                out.append(
                    undefined_reference(s.path, (field, line, col), kind, ident, ids_by_kind.get(kind, []))
                )
    described: dict[str, tuple[str, str, int]] = {}
    for s in order:
        for node, digest, field, line, col in s.sources:
            first = described.get(node)
            if first is None:
                described[node] = (digest, s.path, line)
            elif first[0] != digest:
                out.append(described_differently(s.path, (field, line, col), first[1:]))
    return out
