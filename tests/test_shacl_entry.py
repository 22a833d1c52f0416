"""The SHACL entry point (exilegraph.shacl.engine): fallback to pySHACL with one note, exact SHACL-SPARQL
pre-binding, and a compiled engine that is never read from the working folder."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from exilegraph.shacl import engine as shacl_engine
from exilegraph.shacl.engine import ShapesError, engine_note, run_engine, validate_with_shapes
from exilegraph.shacl.fast import FastEngine, UnsupportedShape

HEAD = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .\n"
    "ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; "
)
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DATA = [
    f"<urn:ex:a> {TYPE} <urn:ex:Thing> .",
    '<urn:ex:a> <urn:ex:p> "L" .',
    f"<urn:ex:b> {TYPE} <urn:ex:Thing> .",
    '<urn:ex:b> <urn:ex:p> "M" .',
]


def _sparql(select: str) -> str:
    return HEAD + f'sh:sparql [ sh:select """{select}""" ] .\n'


# $this used before a triple pattern binds it: pre-binding (SHACL 5.3.1) sees the focus node there, a join
# does not. Each rule flags exactly ex:a; a fast engine that joined instead of refusing would flag nothing.
PRE_BOUND = {
    "FILTER in a group before the pattern": 'SELECT $this WHERE { { FILTER (bound($this)) } $this <urn:ex:p> "L" }',
    "BIND before the pattern": "SELECT $this WHERE { { BIND ($this AS ?that) } $this <urn:ex:p> ?v FILTER (?that = <urn:ex:a>) }",
    "EXISTS in a group before the pattern": 'SELECT $this WHERE { { FILTER EXISTS { $this <urn:ex:p> "L" } } $this <urn:ex:p> ?v }',
    "OPTIONAL on a pattern that does not bind $this": 'SELECT $this WHERE { ?s <urn:ex:p> "L" OPTIONAL { $this <urn:ex:p> ?v } '
    "FILTER (sameTerm(?s, $this)) }",
}


@pytest.mark.parametrize("case", sorted(PRE_BOUND))
def test_pre_bound_this_is_refused_and_the_fallback_is_exact(case):
    shapes = [_sparql(PRE_BOUND[case])]
    with pytest.raises(UnsupportedShape, match="does not implement"):
        FastEngine(shapes)
    outcome = validate_with_shapes(DATA, shapes, "fast")
    assert outcome.engine == "reference"
    assert outcome.note is not None and "\n" not in outcome.note and outcome.note.startswith("Note: ")
    assert [v.focus for v in outcome.violations] == ["urn:ex:a"]
    assert outcome.violations == validate_with_shapes(DATA, shapes, "reference").violations


def test_this_used_after_its_pattern_runs_fast_with_the_same_verdict():
    shapes = [
        _sparql(
            "SELECT $this WHERE { $this <urn:ex:p> ?v . BIND ($this AS ?that) "
            "FILTER (?that = <urn:ex:a> && NOT EXISTS { $this <urn:ex:q> ?v }) }"
        )
    ]
    fast = validate_with_shapes(DATA, shapes, "fast")
    assert (fast.engine, fast.note) == ("fast", None)
    assert [v.focus for v in fast.violations] == ["urn:ex:a"]
    assert fast.violations == validate_with_shapes(DATA, shapes, "reference").violations


def test_a_shape_the_fast_engine_lacks_falls_back_without_a_traceback():
    shapes = [HEAD + "sh:property [ sh:path ex:p ; sh:minLength 2 ] .\n"]
    outcome = validate_with_shapes(DATA, shapes, "fast")
    assert outcome.engine == "reference" and "minLength" in outcome.note
    assert [(v.focus, v.component) for v in outcome.violations] == [
        ("urn:ex:a", "MinLengthConstraintComponent"),
        ("urn:ex:b", "MinLengthConstraintComponent"),
    ]


def test_shapes_no_engine_can_run_are_one_error():
    with pytest.raises(ShapesError, match="pySHACL"):
        minus = _sparql("SELECT $this WHERE { $this ?p ?o . MINUS { $this ?p 1 } }")
        validate_with_shapes(DATA, [minus], "fast")
    with pytest.raises(ShapesError, match="Turtle"):
        validate_with_shapes(DATA, ["ex:Shape a"], "fast")


@pytest.mark.parametrize("where", ["at start-up", "recorded by generate"])
def test_our_shapes_run_fast_and_a_refusal_falls_back_with_a_note(monkeypatch, where):
    from exilegraph.shacl import compiled

    lines = (FIXTURES / "shacl" / "sources.nt").read_text(encoding="utf-8").splitlines()
    fast = run_engine(lines)
    assert (fast.engine, fast.note, engine_note()) == ("fast", None, None)
    assert fast.violations

    def refuse(self, shapes_ttl=None):
        raise UnsupportedShape("shape X: sh:something; the fast engine does not implement this")

    monkeypatch.setattr(FastEngine, "__init__", refuse)
    refusal = UnsupportedShape("shape X: sh:something; the fast engine does not implement this")
    monkeypatch.setattr(compiled, "load", lambda texts: None if where == "at start-up" else refusal)
    shacl_engine._fast_engine_for.cache_clear()
    try:
        fallback = run_engine(lines)
        assert fallback.engine == "reference" and fallback.violations == fast.violations
        assert fallback.note == engine_note() and "sh:something" in fallback.note
    finally:
        shacl_engine._fast_engine_for.cache_clear()


class _Planted:
    """Unpickling this creates the marker file: what an attacker's file in a dataset folder would do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_planted_engine_cache_is_never_unpickled(tmp_path):
    """A crafted file where the compiled engine used to be kept is not read: no code runs, verdicts hold."""
    from exilegraph import __version__
    from exilegraph.shacl import fast as fast_module
    from exilegraph.shacl import shapes_text

    work, clean = tmp_path / "work", tmp_path / "clean"
    records = ["invalid/online-source-url--news-article-without-url.yaml", "valid/full-case.yaml"]
    for folder in (work, clean):
        (folder / "records").mkdir(parents=True)
        for name in records:
            shutil.copy(FIXTURES / name, folder / "records" / Path(name).name)
    marker = tmp_path / "code-ran"
    compiled = work / ".exilegraph-cache" / "compiled"
    compiled.mkdir(parents=True)
    # the very file name the pickled engine was read from, and a few more
    code = Path(fast_module.__file__)
    old_code = code.read_bytes() + (code.parent / "shapes_model.py").read_bytes()
    compiler = hashlib.sha256(old_code).hexdigest()[:16]
    key = hashlib.sha256((__version__ + compiler + shapes_text()).encode("utf-8")).hexdigest()[:16]
    payload = pickle.dumps(_Planted(marker))
    for name in (f"shacl-engine-{key}.pickle", "shacl-engine.pickle", "shacl-engine.json", "shacl.json"):
        (compiled / name).write_bytes(payload)

    env = {k: v for k, v in os.environ.items() if k not in ("EXILEGRAPH_CACHE", "EXILEGRAPH_SHACL_ENGINE")}
    exe = [sys.executable, "-c", "from exilegraph.cli import main; main()", "validate", "records"]

    def validate(folder: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            exe, cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    planted, reference = validate(work), validate(clean)
    assert not marker.exists(), "a file from the working folder was unpickled"
    assert "Traceback" not in planted.stderr
    assert (planted.returncode, planted.stdout) == (reference.returncode, reference.stdout)
    assert planted.returncode == 1 and "online-source-url" in planted.stdout


def test_the_generated_compiled_shapes_are_current_and_used(monkeypatch):
    """Start-up reads shapes/generated/exilegraph.shacl.compiled.json (run `exilegraph generate` after editing
    a shape or the compiler); it holds exactly what compiling the shapes gives."""
    from exilegraph.shacl import compiled, shape_files

    texts = [p.read_text(encoding="utf-8") for p in shape_files()]
    kept = compiled.load(texts)
    assert isinstance(kept, FastEngine), "stale: run `exilegraph generate`"
    fresh = FastEngine(texts)
    assert kept.shapes == fresh.shapes
    assert [(q.kind, q.node, q.text, q.checks, q.counts, q.rule) for q in kept.queries] == [
        (q.kind, q.node, q.text, q.checks, q.counts, q.rule) for q in fresh.queries
    ]
    lines = (FIXTURES / "shacl" / "event-components.nt").read_text(encoding="utf-8").splitlines()
    assert kept.validate_lines(lines) == fresh.validate_lines(lines) != []

    def no_compiling(self, shapes_ttl=None):
        raise AssertionError("compiled at start-up although the generated form matches")

    monkeypatch.setattr(FastEngine, "__init__", no_compiling)
    shacl_engine._fast_engine_for.cache_clear()
    try:
        assert run_engine(lines).engine == "fast"
    finally:
        shacl_engine._fast_engine_for.cache_clear()


def test_a_compiled_form_for_other_shapes_or_code_is_not_used(tmp_path):
    from exilegraph.shacl import compiled, shape_files

    texts = [p.read_text(encoding="utf-8") for p in shape_files()]
    path = tmp_path / "compiled.json"
    path.write_text(compiled.compiled_json(texts), encoding="utf-8")
    assert isinstance(compiled.load(texts, path), FastEngine)
    assert compiled.load(texts[:-1] + [texts[-1] + "\n# edited\n"], path) is None
    path.write_text(path.read_text(encoding="utf-8").replace('"kind"', '"sort"'), encoding="utf-8")
    assert compiled.load(texts, path) is None  # another layout: compiled afresh, not a crash
