"""What a rebuild takes from the previous release without computing it again: SHA256SUMS digests of
linked files (release/sums.py) and the inputs of each evidence page (release/carry.py)."""

from __future__ import annotations

import hashlib
import os
import time

from exilegraph.records import Located, RecordSummary
from exilegraph.release import carry, sums


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def listed(folder) -> dict[str, str]:
    return sums.read_sums(folder)


def test_linked_files_keep_their_digest_and_changed_ones_are_hashed_again(tmp_path, monkeypatch):
    old, new = tmp_path / "old", tmp_path / "new"
    for name in ("a.txt", "evidence/b.md", "evidence/c.md", "store/x.sst"):
        write(old / name, f"{name} before")
    sums.write_checksums(old)
    assert sorted(listed(old)) == ["a.txt", "evidence/b.md", "evidence/c.md"]
    time.sleep(0.01)
    (new / "evidence").mkdir(parents=True)
    os.link(old / "evidence/b.md", new / "evidence/b.md")
    os.link(old / "evidence/c.md", new / "evidence/c.md")
    write(new / "a.txt", "a.txt after")
    with open(old / "evidence/c.md", "a", encoding="utf-8") as f:  # changed in place after SHA256SUMS
        f.write(" and changed")
    hashed = []
    real = sums.file_digest
    monkeypatch.setattr(sums, "file_digest", lambda p: hashed.append(os.path.basename(p)) or real(p))
    sums.write_checksums(new, previous=sums.Previous(old))
    assert sorted(hashed) == ["a.txt", "c.md"]
    expected = {
        name: hashlib.sha256((new / name).read_bytes()).hexdigest()
        for name in ("a.txt", "evidence/b.md", "evidence/c.md")
    }
    assert listed(new) == expected


def test_known_digests_are_not_computed_again(tmp_path, monkeypatch):
    write(tmp_path / "r/a.txt", "a")
    monkeypatch.setattr(sums, "file_digest", lambda p: (_ for _ in ()).throw(AssertionError(p)))
    sums.write_checksums(tmp_path / "r", {"a.txt": "0" * 64})
    assert listed(tmp_path / "r") == {"a.txt": "0" * 64}


def test_files_are_listed_in_pathlib_order(tmp_path):
    for name in ("a-b", "a/b", "a/a-b/c", "a/a/c", "B", "store", "sub/store/x"):
        write(tmp_path / name, name)
    (tmp_path / "SHA256SUMS").write_text("", encoding="utf-8")
    expected = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    expected = [p.relative_to(tmp_path).as_posix() for p in expected if p.name != "SHA256SUMS"]
    assert [rel for rel, _ in sums.release_files(tmp_path)] == expected


def summary(path: str, defines=(), refs=()) -> carry.PageInput:
    loc = lambda kind, ident: Located(kind, ident, "", 1, 1)  # noqa: E731
    return carry.PageInput(
        path,
        f"sha-{path}",
        RecordSummary(path, tuple(loc(*d) for d in defines), tuple(loc(*r) for r in refs), ()),
    )


def test_a_page_reads_the_records_that_define_what_it_refers_to_transitively():
    records = [
        summary("orgs.yaml", [("organisation", "o1"), ("organisation", "o2")], [("organisation", "o2")]),
        summary("c1.yaml", [("case", "c1"), ("person", "p1")], [("person", "p1"), ("person", "p2")]),
        summary("c2.yaml", [("case", "c2"), ("person", "p2")], [("person", "p2"), ("organisation", "o1")]),
        summary("c3.yaml", [("case", "c3"), ("person", "p3")], [("person", "p3")]),
    ]
    pages = {p.case_id: p for p in carry.case_pages(records, "salt")}
    assert pages["c1"].records == (0, 1, 2)  # p2 is defined in c2, which relies on the organisations
    assert pages["c2"].records == (0, 2)
    assert pages["c3"].records == (3,)
    changed = list(records)
    changed[0] = carry.PageInput("orgs.yaml", "sha-changed", records[0].summary)
    again = {p.case_id: p for p in carry.case_pages(changed, "salt")}
    assert [c for c in pages if pages[c].key != again[c].key] == ["c1", "c2"]
    other_salt = {p.case_id: p.key for p in carry.case_pages(records, "other")}
    assert all(other_salt[c] != pages[c].key for c in pages)


def test_a_page_that_reads_too_many_records_has_no_key(monkeypatch):
    monkeypatch.setattr(carry, "CLOSURE_MAX", 2)
    chain = [
        summary(f"r{i}.yaml", [("case", f"c{i}"), ("person", f"p{i}")], [("person", f"p{i + 1}")])
        for i in range(5)
    ]
    pages = {p.case_id: p for p in carry.case_pages(chain, "salt")}
    assert pages["c0"].key is None and pages["c4"].key is not None
