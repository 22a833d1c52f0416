"""Validation findings as data: severity, rule, location, field, message and a fix."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


class Finding(NamedTuple):  # a tuple: tens of thousands are built from the cache on a warm run
    path: str
    line: int
    column: int
    severity: str
    rule: str
    field: str
    message: str
    fix: str | None = None

    def text(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        field = f" {self.field}:" if self.field else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{where}: {self.severity} [{self.rule}]{field} {self.message}{fix}"

    def as_dict(self) -> dict:
        return self._asdict()

    def as_tuple(self) -> tuple:
        """A plain tuple (marshal, which the cache uses, takes no tuple subclass); Finding(*t) reads it back."""
        return tuple(self)


def sort_key(f: Finding) -> tuple:
    """The order of reports: by file, position, severity, rule, field, message, fix (None sorts first)."""
    return (f.path, f.line, f.column, f.severity, f.rule, f.field, f.message, f.fix or "")


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted and de-duplicated."""
    return sorted(set(findings), key=sort_key)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def to_json(findings: Iterable[Finding]) -> str:
    items = [f.as_dict() for f in sorted(findings, key=sort_key)]
    counts = {s: sum(1 for f in items if f["severity"] == s) for s in SEVERITIES}
    return json.dumps({"counts": counts, "findings": items}, indent=2, ensure_ascii=False) + "\n"


def to_text(findings: Iterable[Finding]) -> str:
    return "".join(f.text() + "\n" for f in sorted(findings, key=sort_key))


def summary(findings: Iterable[Finding]) -> str:
    fs = list(findings)
    counts = {s: sum(1 for f in fs if f.severity == s) for s in SEVERITIES}
    return f"{counts[ERROR]} errors, {counts[WARNING]} warnings, {counts[INFO]} notes"
