"""Reader for curated YAML records (YAML 1.2, so `NO` stays a string and dates stay text)."""

from __future__ import annotations

import re

import ryaml

from ..errors import RecordError
from ..findings import ERROR, Finding
from .positions import YamlLocator
from ..records import RawRecord

_WHERE = re.compile(r"line (\d+) column (\d+)")


class YamlReader:
    name = "yaml"
    suffixes = (".yaml", ".yml")

    def read(self, path: str, data: bytes, sha256: str) -> RawRecord:
        text = data.decode("utf-8-sig")
        try:
            value = ryaml.loads(text)
        except Exception as exc:  # ryaml raises InvalidYamlError; its message holds line and column
            m = _WHERE.search(str(exc))
            line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
            raise RecordError([Finding(path, line, col, ERROR, "yaml-syntax", "",
                                       f"this is not valid YAML: {str(exc).split(' at line')[0]}",
                                       "check indentation and quoting on this line and the one above")]) from None
        if not isinstance(value, dict):
            raise RecordError([Finding(path, 1, 1, ERROR, "not-a-record", "",
                                       "a record file must be a mapping of fields, not a list or a single value",
                                       "start the file with `case:` (or `persons:`, `organisations:`, `sources:`) "
                                       "at the left margin")])
        return RawRecord(path, sha256, self.name, value, YamlLocator(text))
