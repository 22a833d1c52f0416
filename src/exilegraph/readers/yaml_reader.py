"""Reader for curated YAML records (YAML 1.2, so `NO` stays a string and dates stay text)."""

from __future__ import annotations

import re

import ryaml

from ..errors import RecordError
from ..findings import ERROR, Finding
from ..records import RawRecord
from .positions import YamlLocator
from .text import decode_utf8

_WHERE = re.compile(r"line (\d+) column (\d+)")
_AT = re.compile(r"at position (\d+)")  # ryaml's word for a character offset (control characters)
_BRACKETS = re.compile(r"[\[\]{}]")
# ryaml refuses nesting deeper than 128, but only after a time that grows with the square of the
# brackets (100 000 of them: minutes); deeper flow nesting is refused before parsing
MAX_FLOW_DEPTH = 100


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _flow_too_deep(path: str, text: str) -> Finding | None:
    """A finding when `[` and `{` nest deeper than any record needs (brackets in text count too, which
    only matters for a hundred unclosed ones)."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                line, col = _line_col(text, m.start())
                return Finding(
                    path,
                    line,
                    col,
                    ERROR,
                    "too-deep",
                    "",
                    f"lists and mappings are nested more than {MAX_FLOW_DEPTH} deep here",
                    "write the items one per line (block style); a record needs only a few levels",
                )
        elif depth:
            depth -= 1
    return None


class YamlReader:
    name = "yaml"
    suffixes = (".yaml", ".yml")

    def read(self, path: str, data: bytes, sha256: str) -> RawRecord:
        text = decode_utf8(path, data)
        too_deep = _flow_too_deep(path, text)
        if too_deep is not None:
            raise RecordError([too_deep])
        try:
            value = ryaml.loads(text)
        except Exception as exc:  # ryaml raises InvalidYamlError; its message holds line and column
            m = _WHERE.search(str(exc))
            at = _AT.search(str(exc))
            line, col = (
                (int(m.group(1)), int(m.group(2)))
                if m
                else _line_col(text, int(at.group(1)))
                if at
                else (1, 1)
            )
            raise RecordError(
                [
                    Finding(
                        path,
                        line,
                        col,
                        ERROR,
                        "yaml-syntax",
                        "",
                        f"this is not valid YAML: {str(exc).split(' at line')[0]}",
                        "check indentation and quoting on this line and the one above",
                    )
                ]
            ) from None
        if not isinstance(value, dict):
            raise RecordError(
                [
                    Finding(
                        path,
                        1,
                        1,
                        ERROR,
                        "not-a-record",
                        "",
                        "a record file must be a mapping of fields, not a list or a single value",
                        "start the file with `case:` (or `persons:`, `organisations:`, `sources:`) "
                        "at the left margin",
                    )
                ]
            )
        return RawRecord(path, sha256, self.name, value, YamlLocator(text))
