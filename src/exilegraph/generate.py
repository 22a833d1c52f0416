"""Regenerate every artifact derived from the schema: one command, `exilegraph generate`.

The artifacts are committed; tests/test_generated.py regenerates them in memory and fails on drift.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from . import vocab
from .resources import ROOT, SCHEMA

GENERATED_NOTE = (
    "Generated from schema/exilegraph.yaml by `exilegraph generate`. Do not edit by hand: "
    "change the schema and regenerate; tests/test_generated.py fails when this drifts.\n"
)

SHACL = "shapes/generated/exilegraph.shacl.ttl"
CONTEXT = "schema/generated/exilegraph.context.jsonld"
JSON_SCHEMA = "schema/generated/exilegraph.schema.json"
INDEX = "schema/generated/exilegraph.index.json"
MODEL = "src/exilegraph/model.py"
VALIDATOR = "src/exilegraph/_schema_validator.py"
DOCS = "docs/schema"
VOCAB = "schema/generated/vocab.ttl"


def build_index(schema_path: Path = SCHEMA) -> dict:
    """Classes, slots and enums with their IRIs, ranges and annotations, as plain JSON."""
    from linkml_runtime.utils.schemaview import SchemaView

    sv = SchemaView(str(schema_path))

    def ann(element, name):
        if not element.annotations:
            return None
        a = (
            element.annotations._get(name)
            if hasattr(element.annotations, "_get")
            else element.annotations.get(name)
        )
        return getattr(a, "value", a) if a is not None else None

    classes = {}
    for cname in sorted(sv.all_classes()):
        c = sv.get_class(cname)
        slots = {}
        for s in sv.class_induced_slots(cname):
            ranges = [s.range] if s.range else []
            if s.any_of:
                ranges = [x.range for x in s.any_of]
            slots[s.name] = {
                "uri": sv.expand_curie(s.slot_uri) if s.slot_uri else sv.get_uri(s, expand=True),
                "range": ranges[0] if len(ranges) == 1 else ranges,
                "multivalued": bool(s.multivalued),
                "required": bool(s.required),
                "inlined": bool(s.inlined or s.inlined_as_list),
                "restricted": str(ann(s, "restricted")).lower() == "true",
            }
        classes[cname] = {
            "uri": sv.get_uri(c, expand=True),
            "abstract": bool(c.abstract),
            "slots": slots,
        }
    enums = {}
    for ename in sorted(sv.all_enums()):
        e = sv.get_enum(ename)
        values = {}
        for v, pv in e.permissible_values.items():
            values[v] = {
                "meaning": sv.expand_curie(pv.meaning) if pv.meaning else None,
                "title": pv.title,
                "stage": int(ann(pv, "stage")) if ann(pv, "stage") else None,
            }
        enums[ename] = values
    types = {}
    for tname in sorted(sv.all_types()):
        t = sv.get_type(tname)
        base = t
        while base.uri is None and base.typeof:  # a type without its own uri takes its ancestor's
            base = sv.get_type(base.typeof)
        types[tname] = {"uri": sv.expand_curie(base.uri) if base.uri else None, "pattern": t.pattern}
    schema = sv.schema
    return {
        "_note": GENERATED_NOTE.strip(),
        "id": schema.id,
        "version": schema.version,
        "prefixes": {p: sv.expand_curie(f"{p}:") for p in sorted(schema.prefixes)},
        "default_prefix": schema.default_prefix,
        "classes": classes,
        "enums": enums,
        "types": types,
    }


def compiled_validator(json_schema: dict) -> str:
    """The JSON Schema as Python code (fastjsonschema), with `validate` naming the root schema's check.

    Raises ValueError when fastjsonschema's output has no function for the root schema."""
    import re

    import fastjsonschema

    code = fastjsonschema.compile_to_code(json_schema)
    entry = re.search(r"^def (validate_\w+)\(", code, re.M)
    if entry is None:
        raise ValueError("fastjsonschema wrote no validation function")
    return f'"""{GENERATED_NOTE}"""\n# ruff: noqa\n{code}\n\nvalidate = {entry.group(1)}\n'


def generate(schema_path: Path = SCHEMA) -> dict[str, str]:
    """Every generated artifact as {path relative to the repository: text}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from linkml.generators.docgen import DocGenerator
        from linkml.generators.jsonldcontextgen import ContextGenerator
        from linkml.generators.jsonschemagen import JsonSchemaGenerator
        from linkml.generators.pydanticgen import PydanticGenerator
        from linkml.generators.shaclgen import ShaclGenerator

        path = str(schema_path)
        out: dict[str, str] = {}
        shacl = ShaclGenerator(path).serialize()
        out[SHACL] = "# " + GENERATED_NOTE + shacl
        out[CONTEXT] = ContextGenerator(path, metadata=False).serialize()
        out[JSON_SCHEMA] = JsonSchemaGenerator(path, metadata=False).serialize()
        out[INDEX] = json.dumps(build_index(schema_path), indent=2, sort_keys=True) + "\n"
        out[VALIDATOR] = compiled_validator(json.loads(out[JSON_SCHEMA]))
        out[VOCAB] = "# " + GENERATED_NOTE + vocab.turtle(schema_path)
        out[MODEL] = (
            '"""' + GENERATED_NOTE + '"""\n' + PydanticGenerator(path, metadata_mode="None").serialize()
        )
        with tempfile.TemporaryDirectory() as tmp:
            DocGenerator(path, mergeimports=True).serialize(directory=tmp)
            for f in sorted(Path(tmp).rglob("*")):
                if f.is_file():
                    out[f"{DOCS}/{f.relative_to(tmp).as_posix()}"] = f.read_text(encoding="utf-8")
    from .shacl.compiled import COMPILED, compiled_json

    hand_written = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "shapes").glob("*.ttl"))]
    out[COMPILED] = compiled_json([out[SHACL]] + hand_written)  # our shapes' SPARQL, read at start-up
    for folder in ("shapes/generated", "schema/generated", DOCS):
        out[f"{folder}/README.md"] = f"# Generated files\n\n{GENERATED_NOTE}"
    return out


def write(artifacts: dict[str, str], root: Path = ROOT) -> list[str]:
    """Write the artifacts, removing stale generated docs; return the paths written."""
    docs = root / DOCS
    if docs.exists():
        for f in docs.rglob("*"):
            if f.is_file() and f"{DOCS}/{f.relative_to(docs).as_posix()}" not in artifacts:
                f.unlink()
    for rel, text in artifacts.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sorted(artifacts)
