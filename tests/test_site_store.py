"""The site's index on disk (site/source.py, store.py, reader.py, view.py) answers what the in-memory graph
(model.read_graph) answers: every node, what each entity owns and who owns each node, the reverse links
pages show; and the site it gives is the same whatever order, spacing, chunking or cache size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import exilegraph.site.html as site_html
import exilegraph.site.store as site_store
import exilegraph.site.view as site_view
from exilegraph.errors import ReleaseError
from exilegraph.release import build_release
from exilegraph.site import build_site
from exilegraph.site.build import _turtle_lines
from exilegraph.site.model import ENTITY_KINDS, Graph, read_graph
from exilegraph.site.reader import Store
from exilegraph.site.source import Untidy, tidy_file, tidy_line, tidy_lines
from exilegraph.site.store import REF_KINDS, write_store
from exilegraph.synth import generate_corpus

BASE = "https://w3id.org/exilegraph/"


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A synthetic corpus: organisations shared between cases, publishers shared between sources (nodes
    more than one entity reaches)."""
    synth = tmp_path_factory.mktemp("synth")
    generate_corpus(25, synth, seed=5)
    return build_release([synth], tmp_path_factory.mktemp("rel"), use_cache=False).path


@pytest.fixture(scope="module")
def indexed(release, tmp_path_factory) -> tuple[Graph, Store, list[tuple[int, str, str]]]:
    lines = (release / "exilegraph.nt").read_text(encoding="utf-8").splitlines()
    extra = _turtle_lines(release / "vocab.ttl")
    graph = read_graph([*lines, *extra], BASE)
    work = tmp_path_factory.mktemp("index")
    summary = write_store(release / "exilegraph.nt", tidy_lines(extra), work, BASE)
    assert summary.entities == graph.entities
    return graph, Store(work), summary.items()


def owners(graph: Graph) -> dict[str, str]:
    """The owner map as the site computed it in memory: the first entity, in page order, that reaches a node."""
    owner: dict[str, str] = {}
    for kind in ENTITY_KINDS:
        for iri in graph.entities[kind]:
            for n in graph.owned(iri)[1:]:
                owner.setdefault(n, iri)
    return owner


def test_every_node_reads_back_as_in_memory(indexed):
    graph, store, _ = indexed
    assert len(graph.nodes) > 1000
    for iri, node in graph.nodes.items():
        assert store.node(iri) == node, iri
    assert store.node(f"{BASE}case/no-such-case") is None


def test_ownership_and_owners_match_the_walk_in_memory(indexed):
    graph, store, items = indexed
    for rank, kind, iri in items:
        found = store.bundle(rank, iri, case=kind == "case")
        assert [iri, *sorted(n for n in found.owned if n != iri)] == graph.owned(iri)
        assert all(found.nodes[n] == graph.nodes[n] for n in found.owned)
    owner = owners(graph)
    for iri in graph.nodes:
        assert store.owner(iri) == owner.get(iri), iri


def test_a_node_two_entities_reach_belongs_to_the_first(tmp_path):
    """A case and a person reach the same event; blank nodes in a cycle; a link to a node that is no subject."""
    eg = f"{BASE}vocab/"
    lines = [
        f"<{BASE}case/a> <{eg}event> <{BASE}event/e1> .",
        f"<{BASE}person/p> <{eg}event> <{BASE}event/e1> .",
        f"<{BASE}person/p> <{eg}event> <{BASE}event/gone> .",
        f"<{BASE}person/p> <{eg}note> _:b1 .",
        f"<{BASE}person/p> <{eg}case> <{BASE}case/a> .",
        f"<{BASE}event/e1> <{eg}citation> <{BASE}citation/c1> .",
        f"<{BASE}event/e1> <{eg}case> <{BASE}case/a> .",
        f"<{BASE}citation/c1> <http://www.w3.org/ns/prov#wasDerivedFrom> <{BASE}source/s> .",
        f'<{BASE}source/s> <http://purl.org/dc/terms/title> "S" .',
        f"_:b1 <{eg}next> _:b2 .",
        f"_:b2 <{eg}next> _:b1 .",
    ]
    graph = read_graph(lines, BASE)
    path = tidy_file(lines, tmp_path)
    summary = write_store(path, [], tmp_path, BASE)
    store = Store(tmp_path)
    owner = owners(graph)
    assert owner[f"{BASE}event/e1"] == f"{BASE}case/a" and owner["_:b2"] == f"{BASE}person/p"
    for rank, kind, iri in summary.items():
        found = store.bundle(rank, iri, case=kind == "case", citations=f"{BASE}citation/")
        assert [iri, *sorted(n for n in found.owned if n != iri)] == graph.owned(iri)
        if kind != "case":  # a case's page asks for no owner
            assert all(found.owners[n] == owner.get(n) for n in found.owned)
    assert f"{BASE}event/e1" in graph.owned(f"{BASE}person/p")
    for iri in graph.nodes:
        assert store.owner(iri) == owner.get(iri)
    assert sorted(store.refs(f"{BASE}case/a")) == sorted(graph.inverse[f"{BASE}case/a"])


def test_reverse_links_match_the_inverse_in_memory(indexed):
    graph, store, items = indexed
    objects = [o for o in graph.inverse if graph.kind(o) in REF_KINDS]
    assert any(graph.kind(o) == "citation" for o in objects) and any(
        graph.kind(o) == "source" for o in objects
    )
    for obj in objects:
        assert sorted(store.refs(obj)) == sorted(graph.inverse[obj]), obj
    owner = owners(graph)
    for rank, kind, iri in items:
        if kind == "case":
            continue
        found = store.bundle(rank, iri, citations=f"{BASE}citation/" if kind == "source" else None)
        assert sorted(found.refs.pop(iri)) == sorted(graph.inverse.get(iri, ()))
        for cit, refs in found.refs.items():  # a source's citations, with the claims that cite them
            assert graph.kind(cit) == "citation" and sorted(refs) == sorted(graph.inverse.get(cit, ()))
        for node, who in found.owners.items():
            assert who == owner.get(node), node


def test_vocabulary_file_adds_to_the_nodes(tmp_path):
    eg = f"{BASE}vocab/"
    nt = tmp_path / "in.nt"
    nt.write_text(
        f"<{BASE}case/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{eg}ExileCase> .\n"
        f'<{eg}Arrest> <http://www.w3.org/2000/01/rdf-schema#label> "arrest"@en .\n',
        encoding="utf-8",
    )
    extra = tidy_lines(
        [
            f'<{eg}Arrest> <http://www.w3.org/2000/01/rdf-schema#comment> "taken in"@en .',
            f'<{eg}Arrest> <http://www.w3.org/2000/01/rdf-schema#label> "arrest"@en .',
            f"<{eg}ExileCase> <http://www.w3.org/2000/01/rdf-schema#label> <{eg}Label> .",
        ]
    )
    summary = write_store(nt, extra, tmp_path / "work", BASE)
    store = Store(tmp_path / "work")
    assert sorted(store.node(f"{eg}Arrest").lines) == sorted({nt.read_text().splitlines()[1], *extra[:2]})
    assert store.node(f"{eg}ExileCase").lines == [extra[2]]
    assert summary.terms[f"{eg}ExileCase"] == ["class"] and summary.terms[f"{eg}Label"] == ["value"]
    assert summary.entities["case"] == [f"{BASE}case/x"]


def test_lines_out_of_order_or_spaced_otherwise_are_tidied(tmp_path):
    lines = [
        f'<{BASE}person/p> <http://schema.org/name> "P"  .',  # two spaces before the dot
        "# a comment",
        "",
        f"<{BASE}case/a> <{BASE}vocab/subject> <{BASE}person/p>.",
        f"<{BASE}case/a> <{BASE}vocab/subject> <{BASE}person/p> .",  # the same triple again
    ]
    assert tidy_line(lines[1]) is None and tidy_line(lines[3]) == lines[4]
    path = tidy_file(lines, tmp_path)
    assert path.read_text(encoding="utf-8").splitlines() == [
        lines[4],
        f'<{BASE}person/p> <http://schema.org/name> "P" .',
    ]
    untidy = tmp_path / "untidy.nt"
    untidy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Untidy):
        write_store(untidy, [], tmp_path / "work", BASE)
    with pytest.raises(ReleaseError, match="not an N-Triples line"):
        tidy_file(["<a> <b> ."], tmp_path)


def test_site_of_an_untidy_file_is_the_release_site(tmp_path, release):
    """A dump in another order, with repeated lines and a comment: tidied first, the same site."""
    lines = (release / "exilegraph.nt").read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "rel"
    folder.mkdir()
    (folder / "exilegraph.nt").write_text(
        "# reversed\n" + "\n".join([*reversed(lines), lines[0]]), encoding="utf-8"
    )
    (folder / "release.json").write_text(json.dumps({"base_iri": BASE}), encoding="utf-8")
    (folder / "vocab.ttl").write_bytes((release / "vocab.ttl").read_bytes())
    built = build_site(folder, tmp_path / "site", jobs=1)
    assert files_of(built.path) == files_of(release / "site")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the work folder is gone


def test_small_chunks_and_caches_give_the_same_site(tmp_path, release, monkeypatch):
    """A subject's lines across chunk ends, and every cache emptied again and again."""
    monkeypatch.setattr(site_store, "CHUNK", 97)
    monkeypatch.setattr(site_view, "NODE_CACHE", 3)
    monkeypatch.setattr(site_view, "LABEL_CACHE", 3)
    monkeypatch.setattr(site_html, "_REMEMBERED", 3)
    built = build_site(release, tmp_path / "site", jobs=2)
    assert files_of(built.path) == files_of(release / "site")


def test_bad_input_is_one_error(tmp_path):
    folder = tmp_path / "rel"
    folder.mkdir()
    (folder / "release.json").write_text(json.dumps({"base_iri": BASE}), encoding="utf-8")
    (folder / "exilegraph.nt").write_text(f"<{BASE}case/a> <{BASE}vocab/x> .\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not an N-Triples line"):
        build_site(folder, tmp_path / "site")
    (folder / "exilegraph.nt").write_bytes(f'<{BASE}case/a> <{BASE}vocab/x> "\xff" .\n'.encode("latin-1"))
    with pytest.raises(ReleaseError, match="cannot read"):
        build_site(folder, tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]  # nothing half-written is left
