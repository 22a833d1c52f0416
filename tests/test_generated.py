"""The artifacts generated from the schema are in the repository and have not drifted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from exilegraph.generate import CONTEXT, INDEX, JSON_SCHEMA, MODEL, SHACL, generate
from exilegraph.shacl.compiled import COMPILED

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return generate()


def test_every_generated_file_is_committed_and_current(fresh):
    stale = []
    for rel, text in fresh.items():
        path = ROOT / rel
        if not path.is_file():
            stale.append(f"{rel} (missing)")
        elif rel == SHACL:
            continue  # compared as graphs below
        elif rel in (CONTEXT, JSON_SCHEMA, INDEX, COMPILED):
            if json.loads(path.read_text(encoding="utf-8")) != json.loads(text):
                stale.append(rel)
        elif path.read_text(encoding="utf-8") != text:
            stale.append(rel)
    assert not stale, "generated files drifted from the schema; run `exilegraph generate`: " + ", ".join(
        stale
    )


def test_no_stray_generated_docs(fresh):
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "schema").rglob("*") if p.is_file()}
    expected = {rel for rel in fresh if rel.startswith("docs/schema/")}
    assert on_disk == expected


def test_shapes_match_as_graphs(fresh):
    committed = rdflib.Graph().parse(ROOT / SHACL, format="turtle")
    regenerated = rdflib.Graph().parse(data=fresh[SHACL], format="turtle")
    assert len(committed) > 100
    assert isomorphic(committed, regenerated)


def test_drift_is_detected(fresh, tmp_path):
    """The comparison above can fail: a hand edit to a copy of the shapes is not isomorphic."""
    edited = fresh[SHACL].replace("sh:minCount 1", "sh:minCount 0", 1)
    assert edited != fresh[SHACL]
    a = rdflib.Graph().parse(data=fresh[SHACL], format="turtle")
    b = rdflib.Graph().parse(data=edited, format="turtle")
    assert not isomorphic(a, b)


def test_generated_model_is_the_packaged_one(fresh):
    from exilegraph import model

    assert Path(model.__file__).resolve() == (ROOT / MODEL).resolve()
    assert "class ExileCase(" in fresh[MODEL]


def test_each_generated_folder_says_it_is_generated():
    for folder in ("shapes/generated", "schema/generated", "docs/schema"):
        text = (ROOT / folder / "README.md").read_text(encoding="utf-8")
        assert "Do not edit by hand" in text and "exilegraph generate" in text


def test_schema_lints_without_errors():
    linkml = shutil.which("linkml", path=str(Path(sys.executable).parent))
    assert linkml, "the linkml command is installed with the package"
    out = subprocess.run(
        [linkml, "lint", "--format", "tsv", str(ROOT / "schema" / "exilegraph.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in out.stdout.splitlines() if "\terror\t" in line]
    assert not errors, "\n".join(errors)
