"""Where the project's files are: schema, generated artifacts, shapes, mappings, queries."""

from __future__ import annotations

import functools
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema" / "exilegraph.yaml"
GENERATED = ROOT / "schema" / "generated"
SHAPES = ROOT / "shapes"
MAPPINGS = ROOT / "mappings"
QUERIES = ROOT / "queries"
RECORDS = ROOT / "records"

DEFAULT_BASE_IRI = "https://w3id.org/exilegraph/"


@functools.cache
def schema_index() -> dict:
    """The compact, generated view of the schema the mapper and validators use (no LinkML import)."""
    return json.loads((GENERATED / "exilegraph.index.json").read_text(encoding="utf-8"))


@functools.cache
def json_schema() -> dict:
    return json.loads((GENERATED / "exilegraph.schema.json").read_text(encoding="utf-8"))
