"""Property tests of the profile reader: damaged profiles give a record or a located RecordError, nothing else."""

from __future__ import annotations

from pathlib import Path

import ryaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exilegraph.check import type_record
from exilegraph.errors import RecordError
from exilegraph.findings import ERROR
from exilegraph.importers import dump_record
from exilegraph.readers.cape import CapeReader
from exilegraph.readers.yaml_reader import YamlReader
from exilegraph.records import sha256_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cape"
BASES = [
    p.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    for p in sorted(FIXTURES.glob("*.txt"))
]
READER = CapeReader()
NAME = "fuzzed/profile.txt"

# pieces that look like the template, to hit its parser deeper than random text would
PIECES = [
    "Stage 2 details (arrest):",
    "Press sources:",
    "Gender: Female.",
    "(Definitions here.)",
    "(",
    ")",
    ";",
    "(Northwind Courier, 2016, p. 3)",
    "(x, n.d.)",
    "Available at:",
    "[Accessed 1 May, 20",
    "https://a.example/?utm_x=1",
    "'",
    "‘",
    "Categories of exile: Religious; ;",
    "Which stages experienced: not Stage 9",
    "Doe, Jane",
    ":",
    ".",
    "Countries of transit, asylum and/or residence: Mongolia (transit); ()",
    "2016",
    "n.d.",
    "Вільна",
    "\ufeff",
]


@st.composite
def mutated_profiles(draw) -> bytes:
    lines = list(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["drop", "repeat", "shuffle", "unicode", "piece", "long", "endings", "bytes"])
        )
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "drop" and lines:
            del lines[at]
        elif kind == "repeat" and lines:
            lines.insert(draw(st.integers(0, len(lines))), lines[at])
        elif kind == "shuffle":
            lines = draw(st.permutations(lines))
        elif kind == "unicode":
            text = draw(st.text(min_size=1, max_size=40))
            lines.insert(at, text if draw(st.booleans()) else (lines[at] if lines else "") + text)
        elif kind == "piece":
            pieces = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6))
            where = draw(st.sampled_from(["new", "append", "prepend"]))
            joined = " ".join(pieces)
            if where == "new" or not lines:
                lines.insert(at, joined)
            elif where == "append":
                lines[at] += joined
            else:
                lines[at] = joined + lines[at]
        elif kind == "long":
            unit = draw(
                st.sampled_from(["a", " ", "(", "x, 2016; ", "Stage 1 ", "https://x.example/", "Ж", ". "])
            )
            lines.insert(at, unit * draw(st.integers(1000, 20000)))
        elif kind == "endings":
            sep = draw(st.sampled_from(["\r\n", "\r"]))
            return _with_bytes(draw, sep.join(lines).encode("utf-8"))
    return _with_bytes(draw, "\n".join(lines).encode("utf-8"))


def _with_bytes(draw, data: bytes) -> bytes:
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(mutated_profiles())
def test_reader_gives_a_valid_record_or_a_located_record_error(data):
    try:
        raw = READER.read(NAME, data, sha256_bytes(data))
    except RecordError as exc:
        assert exc.findings and all(f.path == NAME and f.line >= 1 and f.column >= 1 for f in exc.findings)
        return
    # what the reader yields always passes the schema; its warnings are located too
    assert all(f.path == NAME and f.line >= 1 and f.severity != ERROR for f in raw.findings)
    record, findings = type_record(raw)
    assert record is not None, [f.text() for f in findings if f.severity == ERROR]
    # and survives the trip through the YAML an import writes
    text = dump_record(raw.data).encode("utf-8")
    again, _ = type_record(YamlReader().read("again.yaml", text, sha256_bytes(text)))
    assert again is not None and again.model == record.model


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30))
def test_written_yaml_gives_every_string_back(value):
    assert ryaml.loads(dump_record({"text": value, "list": [value]})) == {"text": value, "list": [value]}
