"""Build the release's static site: a page and data files per entity and vocabulary term, index pages,
the query page, its assets and the w3id.org redirect rules.

Layout (the contract with `exilegraph serve`): `index.html`, `sparql.html`,
`<kind>/<id>.html|.ttl|.jsonld|.nt`
for case, person, organisation and source, `vocab/<term>.*`, `by-state-of-concern/<x>.html`,
`by-host-state/<x>.html`, `by-category/<x>.html`, `<kind>/index.html`, `assets/`, `.htaccess`.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from ..catalogue import CatalogueQuery
from ..catalogue import catalogue as load_catalogue
from ..errors import ReleaseError
from ..gcpause import paused_gc
from .casepage import render_case
from .entitypages import render_entity, render_term
from .formats import jsonld, ntriples, turtle
from .html import Linker
from .indexes import case_rows, entity_list, index_pages, vocab_list
from .model import ENTITY_KINDS, RDF_TYPE, VOCAB, Graph, read_graph
from .querypage import asset_files, query_page
from .redirects import htaccess

SITE_DIR = "site"


@dataclass(frozen=True)
class SiteResult:
    path: Path
    pages: int  # HTML pages
    files: int  # every file written


def build_site(
    source: Path | Iterable[str],
    out_dir: Path,
    base_iri: str | None = None,
    catalogue: dict[str, CatalogueQuery] | None = None,
    site_url: str | None = None,
    jobs: int | None = None,
    vocabulary: Path | None = None,
) -> SiteResult:
    """Write the site for a release folder (its exilegraph.nt and release.json), for an N-Triples file (the
    release's, read line by line) or for N-Triples lines.

    `vocabulary` is a Turtle file whose triples (labels and comments of the terms) join the graph when it
    exists; for a release folder or file it defaults to the folder's vocab.ttl. `jobs` processes render the
    entities' files (default: one per CPU from a few hundred entities on; 1 renders in this process).
    `out_dir` is replaced as a whole: the site is written beside it and renamed into place. Raises
    ReleaseError when the release cannot be read or the site cannot be written.
    """
    if isinstance(source, Path):
        lines, base = _release_lines(source)
        base = base_iri or base
        vocabulary = vocabulary or (source if source.is_dir() else source.parent) / "vocab.ttl"
    else:
        lines, base = source, base_iri
    if not base:
        raise ReleaseError("build_site needs the base IRI of the release")
    base = base if base.endswith(("/", "#")) else base + "/"
    with paused_gc():  # millions of long-lived strings and lists: collections would rescan them all
        graph = read_graph(chain(lines, _turtle_lines(vocabulary)), base)
        return _build(graph, out_dir, catalogue, site_url, jobs)


def _build(graph: Graph, out_dir: Path, catalogue, site_url: str | None, jobs: int | None) -> SiteResult:
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    writer = _Writer(tmp)
    try:
        cat = load_catalogue() if catalogue is None else catalogue
        if jobs == 1:
            render_site(graph, cat, writer.write, site_url)
        else:
            render_parallel(graph, cat, writer, site_url, jobs)
        writer.finish()
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(f"cannot write the site to {out_dir}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SiteResult(out_dir, writer.pages, writer.files)


def _turtle_lines(path: Path | None) -> list[str]:
    """N-Triples lines of a Turtle file; none when there is no file. Raises ReleaseError if it does not parse."""
    if path is None or not path.is_file():
        return []
    import pyoxigraph as ox

    try:
        return [f"{q.triple} ." for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    except (OSError, SyntaxError, ValueError) as exc:
        raise ReleaseError(f"cannot read the vocabulary {path}: {exc}") from None


def _release_lines(source: Path) -> tuple[Iterable[str], str | None]:
    """The lines of a release folder's exilegraph.nt (or of the N-Triples file `source`), read as they are
    used, and the base IRI its release.json names."""
    release, nt = (source, source / "exilegraph.nt") if source.is_dir() else (source.parent, source)
    if not nt.is_file():
        raise ReleaseError(
            f"no exilegraph.nt in {release}: build the release first with `exilegraph release`"
        )
    try:
        base = json.loads((release / "release.json").read_text(encoding="utf-8"))["base_iri"]
    except (OSError, ValueError, KeyError, TypeError):
        base = None
    return _file_lines(nt), base


def _file_lines(nt: Path) -> Iterator[str]:
    try:
        with open(nt, encoding="utf-8") as fh:
            yield from fh
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"cannot read {nt}: {exc}") from None


class _Files:
    """`files[path] = bytes` hands each file to the writer at once: the site is never held whole in memory."""

    def __init__(self, emit: Callable[[str, bytes], None]):
        self.emit = emit

    def __setitem__(self, path: str, data: bytes) -> None:
        self.emit(path, data)

    def update(self, items: dict[str, bytes]) -> None:
        for path, data in items.items():
            self.emit(path, data)


def owners(graph: Graph) -> dict[str, str]:
    """Owned node IRI -> the entity that owns it (the first in kind and IRI order when two reach it)."""
    owner: dict[str, str] = {}
    for kind in ENTITY_KINDS:
        for iri in graph.entities[kind]:
            for n in graph.owned(iri)[1:]:
                owner.setdefault(n, iri)
    return owner


def entity_items(graph: Graph) -> list[tuple[str, str]]:
    """(kind, IRI) of every entity that gets a page, cases first."""
    return [(kind, iri) for kind in ENTITY_KINDS for iri in graph.entities[kind]]


def render_entities(
    graph: Graph,
    items: list[tuple[str, str]],
    owner: dict[str, str],
    emit: Callable[[str, bytes], None],
    linker: Linker | None = None,
) -> None:
    """The page and data files of each (kind, IRI), handed to `emit(path, bytes)`."""
    linker = linker or Linker(graph)
    files = _Files(emit)
    for kind, iri in items:
        path = linker.path(iri)
        if path is None:
            continue
        stem = path[: -len(".html")]
        lines = sorted(line for n in graph.owned(iri) for line in graph.nodes[n].lines)
        _data_files(files, stem, lines)
        html = (
            render_case(graph, iri, linker, path)
            if kind == "case"
            else render_entity(graph, iri, kind, linker, path, owner)
        )
        files[path] = html.encode("utf-8")


def render_rest(
    graph: Graph,
    catalogue: dict[str, CatalogueQuery],
    emit: Callable[[str, bytes], None],
    site_url: str | None = None,
    linker: Linker | None = None,
) -> None:
    """Everything but the entities' own files: lists, term pages, index pages, query page, assets, rules."""
    linker = linker or Linker(graph)
    files = _Files(emit)
    for kind in ENTITY_KINDS[1:]:
        files[f"{kind}/index.html"] = entity_list(graph, linker, kind).encode("utf-8")
    terms = vocabulary_terms(graph)
    for iri, used_as in terms.items():
        path = linker.path(iri)
        if path is None:
            continue
        node = graph.nodes.get(iri)
        _data_files(files, path[: -len(".html")], sorted(node.lines) if node else [])
        files[path] = render_term(graph, iri, linker, path, used_as).encode("utf-8")
    files["vocab/index.html"] = vocab_list(linker, {t: u for t, u in terms.items() if linker.path(t)}).encode(
        "utf-8"
    )
    rows = case_rows(graph, linker)
    counts = {k: len(v) for k, v in graph.entities.items()}
    for path, html in index_pages(graph, linker, rows, counts).items():
        files[path] = html.encode("utf-8")
    files["sparql.html"] = query_page(catalogue, graph.base).encode("utf-8")
    files.update(asset_files())
    files[".htaccess"] = htaccess(site_url, graph.base).encode("utf-8")


def render_site(
    graph: Graph,
    catalogue: dict[str, CatalogueQuery],
    emit: Callable[[str, bytes], None],
    site_url: str | None = None,
) -> None:
    """Hand every file of the site to `emit(path, bytes)`, in one process; the same graph, the same files."""
    linker = Linker(graph)
    render_entities(graph, entity_items(graph), owners(graph), emit, linker)
    render_rest(graph, catalogue, emit, site_url, linker)


def _data_files(files: _Files, stem: str, lines: list[str]) -> None:
    files[f"{stem}.ttl"] = turtle(lines).encode("utf-8")
    files[f"{stem}.jsonld"] = jsonld(lines).encode("utf-8")
    files[f"{stem}.nt"] = ntriples(lines).encode("utf-8")


def vocabulary_terms(graph: Graph) -> dict[str, list[str]]:
    """Every term of the vocabulary namespace the release uses or describes -> how it is used, sorted."""
    uses: dict[str, set[str]] = {}
    preds: set[str] = set()
    for iri, node in graph.nodes.items():
        preds.update(node.props)
        if iri.startswith(VOCAB):
            uses.setdefault(iri, set())
    for pred in preds:
        if pred.startswith(VOCAB):
            uses.setdefault(pred, set()).add("property")
    for obj, refs in graph.inverse.items():
        if obj.startswith(VOCAB):
            uses.setdefault(obj, set()).update("class" if p == RDF_TYPE else "value" for _, p in refs)
    return {t: sorted(u) for t, u in sorted(uses.items()) if t != VOCAB}


def render_parallel(
    graph: Graph,
    catalogue: dict[str, CatalogueQuery],
    writer: _Writer,
    site_url: str | None,
    jobs: int | None,
) -> None:
    """Entities in forked workers that share the graph copy-on-write; the rest in this process meanwhile."""
    global _SHARED
    items = entity_items(graph)
    if jobs is None:  # a worker pays for itself from a few hundred entities on
        jobs = min(os.cpu_count() or 1, max(1, len(items) // 200))
    if jobs <= 1 or "fork" not in mp.get_all_start_methods():
        render_site(graph, catalogue, writer.write, site_url)
        return
    owner = owners(graph)
    shares = [items[i::jobs] for i in range(jobs)]
    _SHARED = (graph, owner, writer.folder)
    try:
        with mp.get_context("fork").Pool(jobs - 1) as pool:
            pending = pool.map_async(_render_share, shares[1:])
            linker = Linker(graph)
            render_entities(graph, shares[0], owner, writer.write, linker)
            render_rest(graph, catalogue, writer.write, site_url, linker)
            for made, pages, files in pending.get():
                writer.made |= made
                writer.pages += pages
                writer.files += files
    finally:
        _SHARED = None


_SHARED: tuple | None = None  # what forked workers read: (graph, owner map, output folder)


def _render_share(items: list[tuple[str, str]]) -> tuple[set[Path], int, int]:
    graph, owner, folder = _SHARED
    writer = _Writer(folder)
    render_entities(graph, items, owner, writer.write)
    return writer.made, writer.pages, writer.files


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.made: set[Path] = set()
        self.pages = self.files = 0

    def write(self, rel: str, data: bytes) -> None:
        path = self.folder / rel
        if path.parent not in self.made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made.add(path.parent)
        with open(path, "wb") as fh:
            fh.write(data)
        self.files += 1
        self.pages += rel.endswith(".html")

    def finish(self) -> None:
        for d in self.made | {self.folder}:
            os.chmod(d, 0o755)
