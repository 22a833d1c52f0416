"""The release's page stages at scale: evidence pages and the site written by forked workers are the same
files as written in one process, the site reads the release's N-Triples file, and a changed record is one
error from a worker too."""

from __future__ import annotations

from pathlib import Path

import pytest

from exilegraph.check import find_record_files
from exilegraph.errors import RecordError
from exilegraph.evidence.pages import write_evidence_pages
from exilegraph.release import build_release
from exilegraph.site import build_site
from exilegraph.site.model import read_graph
from exilegraph.synth import generate_corpus

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
BASE = "https://w3id.org/exilegraph/"


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> list[str]:
    """The curated records (cases that rely on organisations.yaml) and synthetic ones, in release order."""
    synth = tmp_path_factory.mktemp("synth")
    generate_corpus(12, synth, seed=3)
    return [str(p) for p in find_record_files([RECORDS])] + [str(p) for p in find_record_files([synth])]


@pytest.mark.parametrize("internal", [False, True])
def test_evidence_workers_write_the_same_pages(tmp_path, mixed, internal):
    one = write_evidence_pages(tmp_path / "one", mixed, internal=internal, jobs=1)
    two = write_evidence_pages(tmp_path / "two", mixed, internal=internal, jobs=2)
    three = write_evidence_pages(tmp_path / "three", mixed, internal=internal, jobs=3)
    assert one == two == three and len(one) == 2 * 19
    pages = files_of(tmp_path / "one")
    assert pages == files_of(tmp_path / "two") == files_of(tmp_path / "three")
    # a page of a case that relies on an organisation defined in another file shows that organisation's events
    assert any(
        "Events of organisations the case relies on" in text.decode("utf-8")
        for name, text in pages.items()
        if name.endswith(".md")
    )


def test_evidence_worker_reports_a_changed_record(tmp_path, mixed):
    changed = tmp_path / "changed.yaml"
    changed.write_text("case:\n  id: fixture-changed\n", encoding="utf-8")  # no subject: not a valid record
    with pytest.raises(RecordError, match=r"changed\.yaml:1:1: error \[changed-record\]"):
        write_evidence_pages(tmp_path / "out", [*mixed, str(changed)], jobs=2)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release([RECORDS], tmp_path_factory.mktemp("rel"), use_cache=False).path


def test_site_from_the_release_file_is_the_release_site(tmp_path, release):
    from_file = build_site(release / "exilegraph.nt", tmp_path / "file", BASE)
    lines = (release / "exilegraph.nt").read_text(encoding="utf-8").splitlines()
    from_lines = build_site(lines, tmp_path / "lines", BASE, vocabulary=release / "vocab.ttl", jobs=2)
    assert files_of(from_file.path) == files_of(from_lines.path) == files_of(release / "site")
    assert (from_file.pages, from_file.files) == (from_lines.pages, from_lines.files)


def test_graph_makes_each_line_once():
    lines = [
        f'<{BASE}case/a> <http://schema.org/name> "A" .',
        f"<{BASE}case/a> <http://schema.org/about> <{BASE}person/p> .",
        f'<{BASE}case/a> <http://schema.org/name> "A" .',
        '_:b1 <http://schema.org/name> "x\\"y"@en .',
    ]
    graph = read_graph(lines, BASE)
    assert sorted(graph.nodes[f"{BASE}case/a"].lines) == sorted(set(lines[:2]))
    assert graph.nodes["_:b1"].lines == [lines[3]]
    assert graph.inverse[f"{BASE}person/p"] == [(f"{BASE}case/a", "http://schema.org/about")]
    assert graph.entities["case"] == [f"{BASE}case/a"]
