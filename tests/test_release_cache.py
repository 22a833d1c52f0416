"""Rebuilds from the per-record cache: the same release as a build from scratch, byte for byte."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from exilegraph.progress import Reporter
from exilegraph.release import build_release
from exilegraph.synth import generate_corpus

# files that compare with the release before (they differ from a first build by design)
AGAINST_PREVIOUS = {"CHANGELOG.md", "changelog.json", "SHA256SUMS"}


def files(folder: Path) -> dict[str, Path]:
    return {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() and not p.relative_to(folder).as_posix().startswith(("store/", ".rebuild/"))
    }


def differing(a: Path, b: Path) -> list[str]:
    fa, fb = files(a), files(b)
    assert sorted(fa) == sorted(fb)
    return sorted(n for n in fa if n not in AGAINST_PREVIOUS and not filecmp.cmp(fa[n], fb[n], shallow=False))


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    records = tmp_path / "records"
    generate_corpus(12, records, seed=3)
    return records


def test_a_rebuild_after_one_change_equals_a_build_from_scratch(corpus, tmp_path):
    build_release([corpus], tmp_path / "warm")
    victim = sorted(corpus.glob("synth-*.yaml"))[5]
    text = victim.read_text(encoding="utf-8")
    assert "summary: " in text
    victim.write_text(text.replace("summary: ", "summary: Revised. ", 1), encoding="utf-8")

    rep = Reporter(quiet=True)
    rebuilt = build_release([corpus], tmp_path / "warm", reporter=rep)
    assert rep.timings["map (cpu)"] < rep.timings["records"]  # eleven records came from the cache
    assert rebuilt.changelog.cases_changed == [victim.stem]
    scratch = build_release([corpus], tmp_path / "cold", use_cache=False)
    assert differing(rebuilt.path, scratch.path) == []
    # the citations name this build, not the one their lines were first mapped in
    nt = (rebuilt.path / "exilegraph.nt").read_text(encoding="utf-8")
    assert "urn:exilegraph:this-build" not in nt
    assert rebuilt.changelog.triples_added == rebuilt.changelog.triples_removed == 1


def test_cached_lines_are_only_used_for_the_same_bytes(corpus, tmp_path):
    """A record changed back and forth gets the lines of its current bytes each time."""
    victim = sorted(corpus.glob("synth-*.yaml"))[2]
    original = victim.read_text(encoding="utf-8")
    first = build_release([corpus], tmp_path / "out")
    victim.write_text(original.replace("summary: ", "summary: Changed. ", 1), encoding="utf-8")
    build_release([corpus], tmp_path / "out")
    victim.write_text(original, encoding="utf-8")
    again = build_release([corpus], tmp_path / "out")
    assert again.changelog.cases_changed == [victim.stem]
    scratch = build_release([corpus], tmp_path / "cold", use_cache=False)
    assert differing(again.path, scratch.path) == []
    assert first.counts == again.counts


def inodes(folder: Path, under: str) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in (folder / under).iterdir()}


def test_evidence_pages_of_unchanged_cases_are_carried_over(corpus, tmp_path):
    first = build_release([corpus], tmp_path / "warm")
    before = inodes(first.path, "evidence")
    victim = sorted(corpus.glob("synth-*.yaml"))[4]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text.replace("summary: ", "summary: Revised. ", 1), encoding="utf-8")
    rebuilt = build_release([corpus], tmp_path / "warm")
    after = inodes(rebuilt.path, "evidence")
    assert sorted(after) == sorted(before)
    fresh = sorted(name for name in after if after[name] != before[name])
    assert fresh == [f"{victim.stem}.html", f"{victim.stem}.md"]
    scratch = build_release([corpus], tmp_path / "cold", use_cache=False)
    assert differing(rebuilt.path, scratch.path) == []


def test_a_change_to_shared_organisations_renders_the_pages_that_read_them(corpus, tmp_path):
    build_release([corpus], tmp_path / "warm")
    shared = corpus / "organisations.yaml"
    text = shared.read_text(encoding="utf-8")
    used = {
        line.split("organisation: ", 1)[1].strip()
        for p in corpus.glob("synth-*.yaml")
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("- organisation: ")
    }
    org = next(o for o in used if f"- id: {o}\n" in text)
    name = text.split(f"- id: {org}\n", 1)[1].splitlines()[0]
    assert name.strip().startswith("name: ")
    shared.write_text(
        text.replace(f"- id: {org}\n{name}", f"- id: {org}\n{name} Renamed", 1), encoding="utf-8"
    )
    rebuilt = build_release([corpus], tmp_path / "warm")
    scratch = build_release([corpus], tmp_path / "cold", use_cache=False)
    assert differing(rebuilt.path, scratch.path) == []
    pages = "".join(p.read_text(encoding="utf-8") for p in (rebuilt.path / "evidence").glob("*.md"))
    assert name.split("name: ", 1)[1] + " Renamed" in pages
