"""Rebuilds made from the previous release (release/patch.py): after any kind of change the release equals
a build from scratch of the same records, byte for byte, and its store holds the same quads."""

from __future__ import annotations

import errno
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import RECORDS
from exilegraph.errors import ReleaseError
from exilegraph.progress import Reporter
from exilegraph.release import build_release, wait_for_removals
from exilegraph.release.store import PATCHES_FILE
from exilegraph.synth import generate_corpus
from test_release_cache import differing

PATCHED = "write spliced dumps"  # a stage only a patched rebuild has


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    records = tmp_path / "records"
    generate_corpus(12, records, seed=3)
    return records


def store_content(release: Path) -> tuple[list[str], list[str]]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(release / "store"))
    return sorted(map(str, store)), sorted(map(str, store.named_graphs()))


def rebuild(records: Path, out: Path, **options) -> tuple[object, dict[str, float]]:
    rep = Reporter(quiet=True)
    return build_release([records], out, reporter=rep, **options), rep.timings


def assert_as_from_scratch(rebuilt, records: Path, tmp_path: Path, **options) -> None:
    scratch = build_release([records], tmp_path / "scratch", use_cache=False, **options)
    assert differing(rebuilt.path, scratch.path) == []
    assert store_content(rebuilt.path) == store_content(scratch.path)
    assert rebuilt.counts == scratch.counts


def records_of(records: Path) -> list[Path]:
    return sorted(records.glob("synth-*.yaml"))


def revise(path: Path, words: str = "Revised. ") -> None:
    path.write_text(
        path.read_text(encoding="utf-8").replace("summary: ", f"summary: {words}", 1), encoding="utf-8"
    )


def copy_as(source: Path, new_id: str) -> Path:
    """Another case made from `source`: its ids renamed, its sources (shared with `source`) kept."""
    target = source.with_name(f"{new_id}.yaml")
    text = source.read_text(encoding="utf-8")
    assert "https://example.org/synthetic/" in text and f"-{source.stem}-src-" not in text
    text = text.replace(f"id: {source.stem}\n", f"id: {new_id}\n").replace(
        f"{source.stem}-person", f"{new_id}-person"
    )
    assert f"/{source.stem}-src-" in text  # its sources are the same nodes as the original's
    target.write_text(text, encoding="utf-8")
    return target


def rename_an_organisation(records: Path) -> str:
    shared = records / "organisations.yaml"
    text = shared.read_text(encoding="utf-8")
    used = {
        m for p in records_of(records) for m in re.findall(r"- organisation: (\S+)", p.read_text("utf-8"))
    }
    org = next(o for o in sorted(used) if f"- id: {o}\n" in text)
    name = text.split(f"- id: {org}\n", 1)[1].splitlines()[0]
    shared.write_text(
        text.replace(f"- id: {org}\n{name}", f"- id: {org}\n{name} Renamed", 1), encoding="utf-8"
    )
    return org


CHANGES = {
    "one record revised": lambda records: revise(records_of(records)[5]),
    "a record added that shares sources": lambda records: copy_as(records_of(records)[3], "synth-00099"),
    "a record removed": lambda records: records_of(records)[7].unlink(),
    "shared organisations changed": rename_an_organisation,
    "two records revised": lambda records: [revise(p) for p in records_of(records)[1:3]],
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_patched_rebuild_equals_a_build_from_scratch(corpus, tmp_path, change):
    build_release([corpus], tmp_path / "out")
    CHANGES[change](corpus)
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings
    assert_as_from_scratch(rebuilt, corpus, tmp_path)


def test_lines_another_record_still_holds_stay_when_a_record_goes(corpus, tmp_path):
    original = records_of(corpus)[3]
    copy_as(original, "synth-00099")  # cites the same sources: their lines are in two graphs
    build_release([corpus], tmp_path / "out")
    original.unlink()
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings and rebuilt.changelog.cases_removed == [original.stem]
    assert_as_from_scratch(rebuilt, corpus, tmp_path)


def test_patches_on_patches_and_back(corpus, tmp_path):
    build_release([corpus], tmp_path / "out")
    victim = records_of(corpus)[2]
    original = victim.read_text(encoding="utf-8")
    for words in ("First. ", "Second. "):
        revise(victim, words)
        rebuilt, timings = rebuild(corpus, tmp_path / "out")
        assert PATCHED in timings
    assert (rebuilt.path / "store" / PATCHES_FILE).read_text(encoding="ascii").strip() == "2"
    victim.write_text(original, encoding="utf-8")
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings and rebuilt.changelog.cases_changed == [victim.stem]
    assert_as_from_scratch(rebuilt, corpus, tmp_path)


def test_an_internal_release_is_patched_too(corpus, tmp_path):
    build_release([corpus], tmp_path / "out", internal=True)
    revise(records_of(corpus)[4])
    rebuilt, timings = rebuild(corpus, tmp_path / "out", internal=True)
    assert PATCHED in timings
    assert_as_from_scratch(rebuilt, corpus, tmp_path, internal=True)


def test_a_damaged_previous_dump_means_a_full_build(corpus, tmp_path):
    first = build_release([corpus], tmp_path / "out")
    dump = first.path / "exilegraph.jsonld"
    st = os.stat(dump)
    dump.write_bytes(dump.read_bytes().replace(b'{"@id":"', b'{"@type":"x","@id":"', 1))
    os.utime(dump, ns=(st.st_atime_ns, st.st_mtime_ns))  # as if the damage came before SHA256SUMS
    revise(records_of(corpus)[5])
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings and "write ntriples" in timings  # tried, then built in full
    assert_as_from_scratch(rebuilt, corpus, tmp_path)


def test_a_previous_release_changed_after_it_was_written_is_not_patched(corpus, tmp_path):
    first = build_release([corpus], tmp_path / "out")
    dump = first.path / "exilegraph.nt"
    with open(dump, "a", encoding="utf-8") as f:
        f.write("<https://example.org/x> <https://example.org/y> <https://example.org/z> .\n")
    # file times tick by a few milliseconds: an edit made right after the build can carry SHA256SUMS's very
    # time; a person's edit comes later, as here
    later = (first.path / "SHA256SUMS").stat().st_mtime_ns + 1_000_000_000
    os.utime(dump, ns=(later, later))
    revise(records_of(corpus)[5])
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED not in timings
    assert_as_from_scratch(rebuilt, corpus, tmp_path)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def hidden(out: Path) -> list[str]:
    wait_for_removals()
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def test_a_failure_while_splicing_leaves_the_previous_release(corpus, tmp_path, monkeypatch):
    from exilegraph.release import spliced

    first = build_release([corpus], tmp_path / "out")
    before, quads = snapshot(first.path), store_content(first.path)
    revise(records_of(corpus)[5])

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "exilegraph.jsonld")

    monkeypatch.setattr(spliced, "_jsonld", full)
    with pytest.raises(ReleaseError, match="No space left on device.*previous release .* untouched"):
        build_release([corpus], tmp_path / "out")
    assert snapshot(first.path) == before and store_content(first.path) == quads
    assert hidden(tmp_path / "out") == []


def test_a_failed_store_patch_leaves_the_previous_release(corpus, tmp_path, monkeypatch):
    from exilegraph.release import store

    first = build_release([corpus], tmp_path / "out")
    before, quads = snapshot(first.path), store_content(first.path)
    revise(records_of(corpus)[5])
    real = store.module_command

    def failing(module, *args):
        if args and args[0] == "--patch":
            return [sys.executable, "-c", "import sys; sys.exit('OSError: the patch went wrong')"]
        return real(module, *args)

    monkeypatch.setattr(store, "module_command", failing)
    with pytest.raises(ReleaseError, match="patching the store failed: OSError: the patch went wrong"):
        build_release([corpus], tmp_path / "out")
    assert snapshot(first.path) == before and store_content(first.path) == quads
    assert hidden(tmp_path / "out") == []


def test_the_changelog_of_a_patched_rebuild_is_a_full_builds(corpus, tmp_path):
    for out in ("patched", "full"):
        build_release([corpus], tmp_path / out)
    revise(records_of(corpus)[5])
    copy_as(records_of(corpus)[3], "synth-00099")
    patched, timings = rebuild(corpus, tmp_path / "patched")
    full, full_timings = rebuild(corpus, tmp_path / "full", use_cache=False)
    assert PATCHED in timings and PATCHED not in full_timings
    assert patched.changelog == full.changelog and patched.changelog.cases_added == ["synth-00099"]
    for name in ("CHANGELOG.md", "changelog.json"):
        assert (patched.path / name).read_bytes() == (full.path / name).read_bytes()


def test_the_curated_records_are_patched_as_built(tmp_path, monkeypatch):
    """The repository's records: several languages, shared organisations with events, conflicts."""
    import shutil

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    build_release([records], tmp_path / "out")
    case = next(
        p for p in sorted(records.glob("*.yaml")) if "  summary: >-\n" in p.read_text(encoding="utf-8")
    )
    head, tail = case.read_text(encoding="utf-8").split("  summary: >-\n", 1)
    indent = tail[: len(tail) - len(tail.lstrip(" "))]
    case.write_text(f"{head}  summary: >-\n{indent}Révisé — «новый». {tail.lstrip(' ')}", encoding="utf-8")
    rebuilt, timings = rebuild(records, tmp_path / "out")
    assert PATCHED in timings
    assert_as_from_scratch(rebuilt, records, tmp_path)
