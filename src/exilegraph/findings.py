"""Validation findings as data: severity, rule, location, field, message and a fix."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
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
    # None and "" are two findings: a key that tied them left their order to set iteration
    return (f.path, f.line, f.column, f.severity, f.rule, f.field, f.message, f.fix is not None, f.fix or "")


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted and de-duplicated."""
    return sorted(set(findings), key=sort_key)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def json_item(f: Finding) -> str:
    """One finding as an item of to_json's list, indented as json.dumps(..., indent=2) places it there.
    Written out by hand: json's indenting encoder is pure Python and took seconds for 100k findings."""
    plain = type(f.line) is int and type(f.column) is int and (f.fix is None or type(f.fix) is str)
    if not (plain and all(type(x) is str for x in (f.path, f.severity, f.rule, f.field, f.message))):
        return "    " + json.dumps(f.as_dict(), indent=2, ensure_ascii=False).replace("\n", "\n    ")
    fix = "null" if f.fix is None else encode_basestring(f.fix)
    return (
        f'    {{\n      "path": {encode_basestring(f.path)},\n      "line": {f.line},\n'
        f'      "column": {f.column},\n      "severity": {encode_basestring(f.severity)},\n'
        f'      "rule": {encode_basestring(f.rule)},\n      "field": {encode_basestring(f.field)},\n'
        f'      "message": {encode_basestring(f.message)},\n      "fix": {fix}\n    }}'
    )


class Rendered(NamedTuple):
    """The findings of one file, sorted, de-duplicated and written out as to_text and to_json write
    them (`json`: the items joined by ",\\n"), with how many there are of each severity."""

    path: str
    text: str
    json: str
    errors: int
    warnings: int
    infos: int


def render(path: str, findings: Iterable[Finding]) -> Rendered:
    """The findings of the file `path` (all of them carry that path), rendered."""
    fs = ordered(findings)
    counts = [sum(1 for f in fs if f.severity == s) for s in SEVERITIES]
    return Rendered(path, to_text(fs), ",\n".join(map(json_item, fs)), *counts)


class Report:
    """Findings in report order, file by file, each file's already rendered (validate keeps them so);
    gives what to_text, to_json, summary and has_errors give for the same findings."""

    def __init__(self, files: Sequence[Rendered], notes: Sequence[str] = ()):
        self.files = sorted(files, key=lambda r: r.path)
        self.notes = list(notes)  # to print beside the report (the SHACL engine's)
        self.counts = {
            ERROR: sum(r.errors for r in files),
            WARNING: sum(r.warnings for r in files),
            INFO: sum(r.infos for r in files),
        }

    def has_errors(self) -> bool:
        return self.counts[ERROR] > 0

    def text(self) -> str:
        return "".join(r.text for r in self.files)

    def json(self) -> str:
        return _json_report(self.counts, [r.json for r in self.files if r.json])

    def summary(self) -> str:
        return _summary(self.counts)


def _json_report(counts: dict, items: list[str]) -> str:
    head = json.dumps({"counts": counts, "findings": []}, indent=2, ensure_ascii=False)
    if not items:
        return head + "\n"
    return head[: -len("[]\n}")] + "[\n" + ",\n".join(items) + "\n  ]\n}\n"


def to_json(findings: Iterable[Finding]) -> str:
    fs = sorted(findings, key=sort_key)
    counts = {s: sum(1 for f in fs if f.severity == s) for s in SEVERITIES}
    return _json_report(counts, [json_item(f) for f in fs])


def to_text(findings: Iterable[Finding]) -> str:
    return "".join(f.text() + "\n" for f in sorted(findings, key=sort_key))


def summary(findings: Iterable[Finding]) -> str:
    fs = list(findings)
    return _summary({s: sum(1 for f in fs if f.severity == s) for s in SEVERITIES})


def _summary(counts: dict) -> str:
    return f"{counts[ERROR]} errors, {counts[WARNING]} warnings, {counts[INFO]} notes"
