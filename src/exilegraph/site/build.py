"""Build the release's static site: a page and data files per entity and vocabulary term, index pages,
the query page, its assets and the w3id.org redirect rules.

Layout (the contract with `exilegraph serve`): `index.html`, `sparql.html`, `<kind>/<id>.html|.ttl|.jsonld|.nt`
for case, person, organisation and source, `vocab/<term>.*`, `by-state-of-concern/<x>.html`,
`by-host-state/<x>.html`, `by-category/<x>.html`, `<kind>/index.html`, `assets/`, `.htaccess`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..catalogue import CatalogueQuery, catalogue as load_catalogue
from ..errors import ReleaseError
from .casepage import render_case
from .entitypages import render_entity
from .entitypages import render_term
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


def build_site(source: Path | Iterable[str], out_dir: Path, base_iri: str | None = None,
               catalogue: dict[str, CatalogueQuery] | None = None, site_url: str | None = None) -> SiteResult:
    """Write the site for a release folder (its exilegraph.nt and release.json) or for N-Triples lines.

    `out_dir` is replaced as a whole: the site is written beside it and renamed into place. Raises
    ReleaseError when the release cannot be read or the site cannot be written.
    """
    if isinstance(source, Path):
        lines, base = _release_lines(source)
        base = base_iri or base
    else:
        lines, base = source, base_iri
    if not base:
        raise ReleaseError("build_site needs the base IRI of the release")
    base = base if base.endswith(("/", "#")) else base + "/"
    graph = read_graph(lines, base)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    writer = _Writer(tmp)
    try:
        render_site(graph, load_catalogue() if catalogue is None else catalogue, writer.write, site_url)
        writer.finish()
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(f"cannot write the site to {out_dir}: {exc}") from None
    return SiteResult(out_dir, writer.pages, writer.files)


def _release_lines(release: Path) -> tuple[Iterable[str], str | None]:
    nt = release / "exilegraph.nt"
    if not nt.is_file():
        raise ReleaseError(f"no exilegraph.nt in {release}: build the release first with `exilegraph release`")
    try:
        base = json.loads((release / "release.json").read_text(encoding="utf-8"))["base_iri"]
    except (OSError, ValueError, KeyError, TypeError):
        base = None
    try:
        return nt.read_text(encoding="utf-8").splitlines(), base
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


def render_site(graph: Graph, catalogue: dict[str, CatalogueQuery], emit: Callable[[str, bytes], None],
                site_url: str | None = None) -> None:
    """Hand every file of the site to `emit(path, bytes)`. The same graph gives the same files and bytes."""
    linker = Linker(graph)
    files = _Files(emit)
    owner: dict[str, str] = {}
    owned: dict[str, list[str]] = {}
    for kind in ENTITY_KINDS:
        for iri in graph.entities[kind]:
            owned[iri] = graph.owned(iri)
            for n in owned[iri][1:]:
                owner.setdefault(n, iri)
    for kind in ENTITY_KINDS:
        for iri in graph.entities[kind]:
            path = linker.path(iri)
            if path is None:
                continue
            stem = path[:-len(".html")]
            lines = sorted(line for n in owned[iri] for line in graph.nodes[n].lines)
            _data_files(files, stem, lines)
            html = render_case(graph, iri, linker, path) if kind == "case" else \
                render_entity(graph, iri, kind, linker, path, owner)
            files[path] = html.encode("utf-8")
        if kind != "case":
            files[f"{kind}/index.html"] = entity_list(graph, linker, kind).encode("utf-8")
    terms = vocabulary_terms(graph)
    for iri, used_as in terms.items():
        path = linker.path(iri)
        if path is None:
            continue
        node = graph.nodes.get(iri)
        _data_files(files, path[:-len(".html")], sorted(node.lines) if node else [])
        files[path] = render_term(graph, iri, linker, path, used_as).encode("utf-8")
    files["vocab/index.html"] = vocab_list(linker, {t: u for t, u in terms.items() if linker.path(t)}).encode("utf-8")
    rows = case_rows(graph, linker)
    counts = {k: len(v) for k, v in graph.entities.items()}
    for path, html in index_pages(graph, linker, rows, counts).items():
        files[path] = html.encode("utf-8")
    files["sparql.html"] = query_page(catalogue, graph.base).encode("utf-8")
    files.update(asset_files())
    files[".htaccess"] = htaccess(site_url, graph.base).encode("utf-8")
    return files


def _data_files(files: _Files, stem: str, lines: list[str]) -> None:
    files[f"{stem}.ttl"] = turtle(lines).encode("utf-8")
    files[f"{stem}.jsonld"] = jsonld(lines).encode("utf-8")
    files[f"{stem}.nt"] = ntriples(lines).encode("utf-8")


def vocabulary_terms(graph: Graph) -> dict[str, list[str]]:
    """Every term of the vocabulary namespace the release uses or describes -> how it is used, sorted."""
    uses: dict[str, set[str]] = {}
    for node in graph.nodes.values():
        if node.iri.startswith(VOCAB):
            uses.setdefault(node.iri, set())
        for pred, values in node.props.items():
            if pred.startswith(VOCAB):
                uses.setdefault(pred, set()).add("property")
            for v in values:
                if v.startswith("<" + VOCAB):
                    uses.setdefault(v[1:-1], set()).add("class" if pred == RDF_TYPE else "value")
    return {t: sorted(u) for t, u in sorted(uses.items()) if t != VOCAB}


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
