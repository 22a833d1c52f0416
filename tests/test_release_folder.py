"""The release folder (exilegraph.release.folder) and how a new release is moved into place
(exilegraph.release.swap_into_place): a reader sees the old or the new release, never none."""

from __future__ import annotations

import json
import os
import sys
import threading

import pytest

from exilegraph.errors import NoReleaseError
from exilegraph.release import _remove_stale, swap_into_place
from exilegraph.release import place as place_module
from exilegraph.release.folder import Manifest, ReleaseDir
from exilegraph.release.place import wait_for_removals
from exilegraph.resources import DEFAULT_BASE_IRI

MANIFEST = {
    "version": "1.2.3",
    "base_iri": "https://example.org/eg/",
    "issued": "2024-01-01T00:00:00Z",
    "build": "https://example.org/eg/build/1",
    "cases": {"a": "d1"},
    "unknown_key": 1,
}


def make_release(folder, marker: str = "old", manifest: dict | None = None):
    folder.mkdir(parents=True)
    (folder / "release.json").write_text(json.dumps(manifest or MANIFEST), encoding="utf-8")
    (folder / "marker.txt").write_text(marker, encoding="utf-8")
    return folder


def test_an_empty_folder_holds_no_release(tmp_path):
    rd = ReleaseDir(tmp_path / "exilegraph")
    assert not rd.exists() and rd.identity() is None
    with pytest.raises(NoReleaseError) as err:
        rd.require()
    assert str(tmp_path / "exilegraph") in str(err.value) and "exilegraph release" in str(err.value)
    with pytest.raises(NoReleaseError):
        _ = rd.manifest
    assert rd.base_iri == DEFAULT_BASE_IRI


def test_a_release_without_its_store_is_refused_when_the_store_is_needed(tmp_path):
    rd = ReleaseDir(make_release(tmp_path / "exilegraph"))
    assert rd.require() is rd
    with pytest.raises(NoReleaseError, match="store"):
        rd.require(store=True)
    with pytest.raises(NoReleaseError, match="store"):
        rd.open_store()


def test_the_manifest_is_read_into_a_typed_value(tmp_path):
    rd = ReleaseDir(make_release(tmp_path / "exilegraph"))
    m = rd.manifest
    assert isinstance(m, Manifest)
    assert (m.version, m.base_iri, m.cases, m.internal) == (
        "1.2.3",
        "https://example.org/eg/",
        {"a": "d1"},
        False,
    )
    assert rd.base_iri == "https://example.org/eg/"
    assert rd.ntriples == tmp_path / "exilegraph" / "exilegraph.nt"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", json.dumps({"version": "1"}), "", '{"base_iri": 3}'])
def test_a_damaged_manifest_is_named_in_the_error(tmp_path, text):
    folder = tmp_path / "exilegraph"
    folder.mkdir()
    (folder / "release.json").write_text(text, encoding="utf-8")
    rd = ReleaseDir(folder)
    assert rd.exists()
    with pytest.raises(NoReleaseError) as err:
        _ = rd.manifest
    assert str(folder / "release.json") in str(err.value)
    assert rd.base_iri == DEFAULT_BASE_IRI


def test_the_base_iri_is_the_default_when_the_manifest_does_not_give_one(tmp_path):
    manifest = {k: v for k, v in MANIFEST.items() if k != "base_iri"}
    rd = ReleaseDir(make_release(tmp_path / "exilegraph", manifest=manifest))
    assert rd.base_iri == DEFAULT_BASE_IRI


def test_identity_changes_when_a_new_release_is_moved_into_place(tmp_path):
    target = make_release(tmp_path / "exilegraph", "old")
    rd = ReleaseDir(target)
    before = rd.identity()
    assert before is not None and rd.identity() == before
    swap_into_place(make_release(tmp_path / ".exilegraph.tmp-new", "new"), target)
    after = rd.identity()
    assert after is not None and after != before


def hidden(folder) -> list[str]:
    wait_for_removals()  # the previous release is removed by a detached process
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_swap_over_an_existing_release_leaves_the_new_one_and_no_leftovers(tmp_path):
    target = make_release(tmp_path / "exilegraph", "old")
    swap_into_place(make_release(tmp_path / ".exilegraph.tmp-1", "new"), target)
    assert (target / "marker.txt").read_text(encoding="utf-8") == "new"
    assert hidden(tmp_path) == []


def test_swap_into_an_empty_place(tmp_path):
    target = tmp_path / "exilegraph"
    swap_into_place(make_release(tmp_path / ".exilegraph.tmp-1", "new"), target)
    assert (target / "marker.txt").read_text(encoding="utf-8") == "new" and hidden(tmp_path) == []


def test_swap_without_an_atomic_exchange_also_leaves_no_leftovers(tmp_path, monkeypatch):
    monkeypatch.setattr(place_module, "exchange", lambda a, b: False)
    target = make_release(tmp_path / "exilegraph", "old")
    swap_into_place(make_release(tmp_path / ".exilegraph.tmp-1", "new"), target)
    assert (target / "marker.txt").read_text(encoding="utf-8") == "new"
    assert hidden(tmp_path) == []


def test_stale_folders_of_a_killed_build_are_removed(tmp_path):
    make_release(tmp_path / "exilegraph")
    for name in (".exilegraph.old-123", ".exilegraph.tmp-x", ".exilegraph-internal.tmp-y"):
        (tmp_path / name / "store").mkdir(parents=True)
    (tmp_path / ".exilegraph.tmp-file").write_text("a file, not a folder", encoding="utf-8")
    (tmp_path / ".other").mkdir()
    _remove_stale(tmp_path)
    assert hidden(tmp_path) == [".exilegraph.tmp-file", ".other"]
    assert (tmp_path / "exilegraph" / "release.json").is_file()


@pytest.mark.skipif(
    sys.platform != "linux",
    reason="the atomic exchange (renameat2 RENAME_EXCHANGE) is Linux only; "
    "elsewhere the old release is renamed aside first and a reader may see a short gap",
)
def test_a_reader_never_finds_the_release_missing_during_a_swap(tmp_path):
    target = make_release(tmp_path / "exilegraph", "0")
    manifest = str(target / "release.json")
    stop = threading.Event()
    polls, missing = [0], [0]

    def poll():
        while not stop.is_set():
            polls[0] += 1
            if not os.path.exists(manifest):
                missing[0] += 1

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        for i in range(1, 51):
            swap_into_place(make_release(tmp_path / f".exilegraph.tmp-{i}", str(i)), target)
    finally:
        stop.set()
        reader.join()
    assert (target / "marker.txt").read_text(encoding="utf-8") == "50"
    assert polls[0] > 0 and missing[0] == 0
    assert hidden(tmp_path) == []
