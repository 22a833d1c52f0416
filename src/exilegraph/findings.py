"""Validation findings as data: severity, rule, location, field, message and a fix."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True, order=True)
class Finding:
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
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        return cls(**d)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def to_json(findings: Iterable[Finding]) -> str:
    items = [f.as_dict() for f in sorted(findings)]
    counts = {s: sum(1 for f in items if f["severity"] == s) for s in SEVERITIES}
    return json.dumps({"counts": counts, "findings": items}, indent=2, ensure_ascii=False) + "\n"


def to_text(findings: Iterable[Finding]) -> str:
    return "".join(f.text() + "\n" for f in sorted(findings))


def summary(findings: Iterable[Finding]) -> str:
    fs = list(findings)
    counts = {s: sum(1 for f in fs if f.severity == s) for s in SEVERITIES}
    return f"{counts[ERROR]} errors, {counts[WARNING]} warnings, {counts[INFO]} notes"
