"""A patched rebuild renders only the site files a change can alter and links the others from the previous
release (site/memo.py): its site is the one a build from scratch writes, file for file and byte for byte."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from exilegraph.release import build_release
from exilegraph.release.folder import REBUILD_DIR
from exilegraph.site.memo import MEMO_FILE
from test_release_patch import PATCHED, copy_as, corpus, rebuild, records_of  # noqa: F401 (a fixture)

ENTITY_FOLDERS = ("case", "person", "organisation", "source")


def site_files(release: Path) -> dict[str, bytes]:
    site = release / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def inodes(release: Path) -> dict[str, tuple[int, int]]:
    site = release / "site"
    out = {}
    for p in site.rglob("*"):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(site).as_posix()] = (st.st_dev, st.st_ino)
    return out


def change_a_locator(records: Path) -> str:
    victim = records_of(records)[5]
    text = victim.read_text(encoding="utf-8")
    found = re.search(r"locator: ([^\"\n]+)\n", text)  # an unquoted one
    assert found
    victim.write_text(
        text.replace(found.group(0), f"locator: {found.group(1)} and on\n", 1), encoding="utf-8"
    )
    return victim.stem


def add_a_record(records: Path) -> str:
    return copy_as(records_of(records)[3], "synth-00099").stem


def remove_a_record(records: Path) -> str:
    victim = records_of(records)[7]
    victim.unlink()
    return victim.stem


def rename_a_person(records: Path) -> str:
    """The subject of a case: her name is the case's title, on the index pages and on the pages of the
    sources its claims cite."""
    victim = records_of(records)[2]
    text = victim.read_text(encoding="utf-8")
    found = re.search(r"preferred_name: (.+)\n", text)
    assert found
    victim.write_text(text.replace(found.group(0), f"preferred_name: {found.group(1)} Renamed\n", 1), "utf-8")
    return victim.stem


CHANGES = {
    "a locator changed": change_a_locator,
    "a record added": add_a_record,
    "a record removed": remove_a_record,
    "a person renamed": rename_a_person,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_patched_site_is_a_full_builds_and_links_what_did_not_change(corpus, tmp_path, change):  # noqa: F811
    first = build_release([corpus], tmp_path / "out")
    before = inodes(first.path)
    case_id = CHANGES[change](corpus)
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings and "site links" in timings
    scratch = build_release([corpus], tmp_path / "scratch", use_cache=False)
    mine, theirs = site_files(rebuilt.path), site_files(scratch.path)
    assert sorted(mine) == sorted(theirs)
    assert [p for p in mine if mine[p] != theirs[p]] == []
    after = inodes(rebuilt.path)
    linked = {p for p, ino in after.items() if before.get(p) == ino}
    entity_files = {p for p in after if p.split("/")[0] in ENTITY_FOLDERS and not p.endswith("/index.html")}
    assert linked <= entity_files  # index pages, lists and the rest are written anew
    assert len(linked) >= len(entity_files) // 2
    assert not any(p.startswith(f"case/{case_id}.") for p in linked)
    if change == "a person renamed":  # pages that show her name elsewhere were rendered again
        name = f"case/{case_id}.html"
        showing = [
            p
            for p in before
            if p.startswith("source/") and p.endswith(".html") and name in theirs[p].decode()
        ]
        assert showing and not set(showing) & linked


def test_a_rebuild_without_the_memo_renders_the_site_in_full(corpus, tmp_path):  # noqa: F811
    first = build_release([corpus], tmp_path / "out")
    before = inodes(first.path)
    os.unlink(first.path / REBUILD_DIR / MEMO_FILE)
    change_a_locator(corpus)
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings
    after = inodes(rebuilt.path)
    assert not {p for p, ino in after.items() if before.get(p) == ino}
    scratch = build_release([corpus], tmp_path / "scratch", use_cache=False)
    assert site_files(rebuilt.path) == site_files(scratch.path)
    assert (rebuilt.path / REBUILD_DIR / MEMO_FILE).is_file()  # the next rebuild has one again


def test_the_memo_is_not_published(corpus, tmp_path):  # noqa: F811
    release = build_release([corpus], tmp_path / "out")
    sums = (release.path / "SHA256SUMS").read_text(encoding="utf-8")
    assert (release.path / REBUILD_DIR / MEMO_FILE).is_file() and REBUILD_DIR not in sums
    assert "site/provenance.html" in sums


def test_a_site_file_modified_after_the_release_was_written_is_rendered_again(corpus, tmp_path):  # noqa: F811
    first = build_release([corpus], tmp_path / "out")
    page = first.path / "site" / "person" / f"{records_of(corpus)[0].stem}-person.html"
    original = page.read_bytes()
    page.write_bytes(original + b"<!-- edited -->")
    # file times tick by a few milliseconds: an edit right after the build can carry SHA256SUMS's very time
    later = (first.path / "SHA256SUMS").stat().st_mtime_ns + 1_000_000_000
    os.utime(page, ns=(later, later))
    change_a_locator(corpus)
    rebuilt, timings = rebuild(corpus, tmp_path / "out")
    assert PATCHED in timings
    assert (rebuilt.path / "site" / page.relative_to(first.path / "site")).read_bytes() == original
