"""A rebuild patches the previous release's site index (site/indexpatch.py): what it holds is what a full
write of the new N-Triples file holds, table for table, and the site is the one a build from scratch writes;
anything the patch cannot trust makes it write the index in full."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import exilegraph.site.build as site_build
from exilegraph.release import build_release
from exilegraph.release.folder import REBUILD_DIR
from exilegraph.site import indexpatch
from exilegraph.site.build import _turtle_lines
from exilegraph.site.indexpatch import KEPT, NotPatched, patch_store
from exilegraph.site.source import tidy_file, tidy_lines
from exilegraph.site.store import INDEX, SIDE, write_store
from test_release_patch import PATCHED, copy_as, corpus, rebuild, records_of  # noqa: F401 (a fixture)
from test_site_incremental import CHANGES


def contents(folder: Path, nt: Path | None = None) -> dict[str, object]:
    """Every table of an index of the N-Triples file `nt` (default: the kept index's release's) with node
    numbers replaced by IRIs and offsets by the blocks' bytes."""
    db = sqlite3.connect(folder / INDEX)
    nt = nt or folder.parent.parent / "exilegraph.nt"
    data = nt.read_bytes() + (folder / SIDE).read_bytes()
    iri = {}
    blocks = {}
    for nid, name, off, length in db.execute("SELECT id, iri, off, len FROM node"):
        iri[nid] = name
        blocks[name] = data[off : off + length]
    out = {
        "node": blocks,
        "edge": sorted((iri[a], iri[b]) for a, b in db.execute("SELECT src, dst FROM edge")),
        "dangle": sorted((iri[a], b) for a, b in db.execute("SELECT src, dst FROM dangle")),
        "ref": sorted((o, iri[s], p) for o, s, p in db.execute("SELECT obj, sid, pred FROM ref")),
        "entity": [
            (r, k, i, iri[n])
            for r, k, i, n in db.execute("SELECT rank, kind, iri, id FROM entity ORDER BY rank")
        ],
        "member": sorted((iri[e], iri[n]) for e, n in db.execute("SELECT e, node FROM member")),
        "owner": {iri[n]: iri[e] for n, e in db.execute("SELECT node, e FROM owner")},
        "term": sorted(r for r in db.execute("SELECT iri, use, n FROM term") if r[2]),
    }
    db.close()
    return out


def full_index(release: Path, folder: Path) -> dict[str, object]:
    base = json.loads((release / "release.json").read_text(encoding="utf-8"))["base_iri"]
    extra = tidy_lines(_turtle_lines(release / "vocab.ttl"))
    write_store(release / "exilegraph.nt", extra, folder, base)
    return contents(folder, release / "exilegraph.nt")


@pytest.fixture
def spy(monkeypatch) -> list[str]:
    """What each rebuild's patch of the index did: "patched" or why it was not."""
    seen: list[str] = []
    real = site_build.patch_store

    def patch(*args, **kwargs):
        try:
            summary = real(*args, **kwargs)
        except NotPatched as exc:
            seen.append(str(exc))
            raise
        seen.append("patched")
        return summary

    monkeypatch.setattr(site_build, "patch_store", patch)
    return seen


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_patched_index_is_a_full_one(corpus, tmp_path, spy, change):  # noqa: F811
    out = tmp_path / "out"
    before = contents(build_release([corpus], out).path / REBUILD_DIR / KEPT)
    CHANGES[change](corpus)
    rebuilt, timings = rebuild(corpus, out)
    assert PATCHED in timings and spy == ["patched"]
    mine = contents(rebuilt.path / REBUILD_DIR / KEPT)
    assert mine == full_index(rebuilt.path, tmp_path / "full")
    assert mine != before
    # test_site_incremental.py compares the site of each of these rebuilds with a build from scratch


def test_two_patches_in_a_row_are_a_full_index(corpus, tmp_path, spy):  # noqa: F811
    out = tmp_path / "out"
    build_release([corpus], out)
    CHANGES["a record removed"](corpus)
    rebuild(corpus, out)
    CHANGES["a locator changed"](corpus)
    rebuilt, _ = rebuild(corpus, out)
    assert spy == ["patched", "patched"]
    assert contents(rebuilt.path / REBUILD_DIR / KEPT) == full_index(rebuilt.path, tmp_path / "full")


def test_the_kept_index_is_not_published(corpus, tmp_path):  # noqa: F811
    release = build_release([corpus], tmp_path / "out")
    sums = (release.path / "SHA256SUMS").read_text(encoding="utf-8")
    assert (release.path / REBUILD_DIR / KEPT / INDEX).is_file() and KEPT not in sums


def _no_index(release: Path) -> None:
    (release / REBUILD_DIR / KEPT / INDEX).unlink()


def _damaged_index(release: Path) -> None:
    (release / REBUILD_DIR / KEPT / INDEX).write_bytes(b"not a database" * 100)


def _input_edited(release: Path) -> None:
    nt = release / "exilegraph.nt"
    nt.write_bytes(nt.read_bytes().replace(b"> .\n", b">  .\n", 1))


FALLBACKS = {"no index": _no_index, "a damaged index": _damaged_index, "another input": _input_edited}


@pytest.mark.parametrize("case", sorted(FALLBACKS) + ["too many changes"])
def test_an_index_that_cannot_be_patched_is_written_in_full(corpus, tmp_path, spy, monkeypatch, case):  # noqa: F811
    out = tmp_path / "out"
    first = build_release([corpus], out).path
    if case == "too many changes":
        monkeypatch.setattr(indexpatch, "MAX_CHANGED", 0)
    else:
        FALLBACKS[case](first)
    CHANGES["a locator changed"](corpus)
    rebuilt, timings = rebuild(corpus, out)
    if case != "another input":  # an edited dump makes the whole rebuild start afresh
        assert PATCHED in timings
        assert len(spy) == 1 and spy[0] != "patched"
    mine = contents(rebuilt.path / REBUILD_DIR / KEPT)  # kept again, for the next rebuild
    assert mine == full_index(rebuilt.path, tmp_path / "full")


def test_another_vocabulary_or_base_is_not_patched(corpus, tmp_path):  # noqa: F811
    release = build_release([corpus], tmp_path / "out").path
    base = json.loads((release / "release.json").read_text(encoding="utf-8"))["base_iri"]
    extra = tidy_lines(_turtle_lines(release / "vocab.ttl"))
    kept, nt = release / REBUILD_DIR / KEPT, release / "exilegraph.nt"
    before = (kept / INDEX).read_bytes()
    patch_store(kept, nt, nt, [], extra, tmp_path / "same", base)  # nothing changed: it patches
    with pytest.raises(NotPatched):
        patch_store(kept, nt, nt, [], extra[1:], tmp_path / "vocab", base)
    with pytest.raises(NotPatched):
        patch_store(kept, nt, nt, [], extra, tmp_path / "base", "https://example.org/other/")
    line = nt.read_text(encoding="utf-8").split("\n", 1)[0]  # a change the files do not show
    with pytest.raises(NotPatched):
        patch_store(kept, nt, nt, [line], extra, tmp_path / "lines", base)
    assert (kept / INDEX).read_bytes() == before  # the kept index is only read


BASE = "https://example.org/eg/"
EG = f"{BASE}vocab/"
LINES = [
    f"<{BASE}case/a> <{EG}event> <{BASE}event/e1> .",
    f'<{BASE}case/a> <{EG}title> "A" .',
    f"<{BASE}person/p> <{EG}event> <{BASE}event/e1> .",
    f"<{BASE}person/p> <{EG}event> <{BASE}event/gone> .",
    f"<{BASE}person/p> <{EG}note> _:b1 .",
    f"<{BASE}person/p> <{EG}case> <{BASE}case/a> .",
    f"<{BASE}event/e1> <{EG}citation> <{BASE}citation/c1> .",
    f"<{BASE}event/e1> <{EG}case> <{BASE}case/a> .",
    f"<{BASE}citation/c1> <http://www.w3.org/ns/prov#wasDerivedFrom> <{BASE}source/s> .",
    f'<{BASE}source/s> <http://purl.org/dc/terms/title> "S" .',
    f"_:b1 <{EG}next> _:b2 .",
    f"_:b2 <{EG}next> _:b1 .",
]
STEPS = {  # each from the one before: lines added, lines removed
    "an entity that comes first takes a node": ([f"<{BASE}case/0> <{EG}event> <{BASE}event/e1> ."], []),
    "a node linked to becomes a subject": (
        [f"<{BASE}event/gone> <{EG}note> _:b3 .", f'_:b3 <{EG}x> "y" .'],
        [],
    ),
    "an entity leaves": ([], [LINES[0], LINES[1], f"<{BASE}case/0> <{EG}event> <{BASE}event/e1> ."]),
    "a blank node leaves, a term's last use too": (
        [],
        [LINES[10], LINES[4], f"<{BASE}event/gone> <{EG}note> _:b3 ."],
    ),
    "a node moves to another owner": (
        [f"<{BASE}source/s> <{EG}event> <{BASE}event/e1> ."],
        [LINES[2]],
    ),
}


def test_each_change_patched_in_turn_is_a_full_index(tmp_path):
    lines = set(tidy_lines(LINES))
    old = tmp_path / "old"
    old.mkdir()
    old_nt = tidy_file(sorted(lines), old)
    kept = tmp_path / "kept0"
    write_store(old_nt, [], kept, BASE)
    owners_before = contents(kept, old_nt)["owner"]
    moved = set()
    for i, (step, (plus, minus)) in enumerate(STEPS.items(), 1):
        new_lines = (lines | set(tidy_lines(plus))) - set(tidy_lines(minus))
        new = tmp_path / f"new{i}"
        new.mkdir()
        nt = tidy_file(sorted(new_lines), new)
        changed = sorted(lines ^ new_lines)
        assert changed, step
        patched = patch_store(kept, old_nt, nt, changed, [], tmp_path / f"kept{i}", BASE)
        full = write_store(nt, [], tmp_path / f"full{i}", BASE)
        mine = contents(tmp_path / f"kept{i}", nt)
        assert mine == contents(tmp_path / f"full{i}", nt), step
        assert patched == full, step
        moved |= {n for n, e in mine["owner"].items() if owners_before.get(n, e) != e}
        owners_before = mine["owner"]
        lines, old_nt, kept = new_lines, nt, tmp_path / f"kept{i}"
    assert f"{BASE}event/e1" in moved
