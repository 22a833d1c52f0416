"""Build the release's static site: a page and data files per entity and vocabulary term, index pages,
the query page, its assets and the w3id.org redirect rules.

Layout (the contract with `exilegraph serve`): `index.html`, `sparql.html`, `provenance.html` (the build
that made the release), `<kind>/<id>.html|.ttl|.jsonld|.nt` for case, person, organisation and source,
`vocab/<term>.*`, `by-state-of-concern/<x>.html`, `by-host-state/<x>.html`, `by-category/<x>.html`,
`<kind>/index.html`, `assets/`, `.htaccess`.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import CatalogueQuery
from ..catalogue import catalogue as load_catalogue
from ..errors import ReleaseError
from ..gcpause import paused_gc
from ..progress import Reporter
from .casepage import PROVENANCE_PAGE, provenance_page, render_case
from .entitypages import render_entity, render_term
from .formats import jsonld, ntriples, turtle
from .html import Linker
from .indexes import CaseRow, case_row, entity_list, index_pages, sorted_rows, vocab_list
from .indexpatch import NotPatched, keep_index, patch_store
from .memo import EntityReads, Memo, PreviousSite, row_from_json, row_json, start_memo
from .model import ENTITY_KINDS
from .querypage import asset_files, query_page
from .reader import Store
from .reads import key_hash
from .redirects import htaccess
from .source import Untidy, file_lines, tidy_file, tidy_lines
from .store import Summary, write_store
from .view import Owners, StoreGraph
from .writer import Files, Writer

SITE_DIR = "site"
CHUNK = 50  # entities a worker renders per task: small enough to share the work evenly


@dataclass(frozen=True)
class SiteResult:
    path: Path
    pages: int  # HTML pages
    files: int  # every file written


@dataclass
class Rendered:
    """What rendering entities leaves for the index pages and the result: small, one row per entity."""

    rows: list[CaseRow] = field(default_factory=list)  # every case
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> IRI -> name, but cases
    made: set[Path] = field(default_factory=set)  # folders written
    pages: int = 0
    files: int = 0
    reads: list[EntityReads] = field(default_factory=list)  # what each entity's files read (memo.py)
    answers: dict[str, str | None] = field(default_factory=dict)  # owners the pages asked about

    def add(self, other: Rendered) -> None:
        """Take in another part's rows, names and counts; its reads are the caller's (they go to the memo)."""
        self.rows += other.rows
        for kind, names in other.names.items():
            self.names.setdefault(kind, {}).update(names)
        self.made |= other.made
        self.pages += other.pages
        self.files += other.files


def build_site(
    source: Path | Iterable[str],
    out_dir: Path,
    base_iri: str | None = None,
    catalogue: dict[str, CatalogueQuery] | None = None,
    site_url: str | None = None,
    jobs: int | None = None,
    vocabulary: Path | None = None,
    reporter: Reporter | None = None,
    memo: Path | None = None,
    previous: PreviousSite | None = None,
    keep: Path | None = None,
) -> SiteResult:
    """Write the site for a release folder (its exilegraph.nt and release.json), for an N-Triples file (the
    release's, read line by line) or for N-Triples lines.

    `vocabulary` is a Turtle file whose triples (labels and comments of the terms) join the graph when it
    exists; for a release folder or file it defaults to the folder's vocab.ttl. `jobs` processes render the
    entities' files (default: one per CPU from a few hundred entities on; 1 renders in this process).
    The triples are first written to an index beside `out_dir` (stage `site index`, see store.py), then
    the pages are rendered from it (stage `site pages`). With `memo`, what each entity's files read is
    written there (memo.py); with `previous` too, only the entities a change can alter are rendered and the
    other files are linked from the previous site; when `previous` has an index kept for its N-Triples
    file, the index is patched from it rather than written in full (indexpatch.py). With `keep`, the index
    is moved there at the end, for the next rebuild. `out_dir` is replaced as a whole: the site is
    written beside it and renamed into place. Raises ReleaseError when the release cannot be read or the
    site cannot be written.
    """
    nt = None
    if isinstance(source, Path):
        nt, base = _release_file(source)
        base = base_iri or base
        vocabulary = vocabulary or (source if source.is_dir() else source.parent) / "vocab.ttl"
    else:
        base = base_iri
    if not base:
        raise ReleaseError("build_site needs the base IRI of the release")
    base = base if base.endswith(("/", "#")) else base + "/"
    extra = _turtle_lines(vocabulary)
    out_dir = Path(out_dir)
    rep = reporter or Reporter(quiet=True)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.index-", dir=out_dir.parent))
    except OSError as exc:
        raise ReleaseError(f"cannot write the site to {out_dir}: {exc}") from None
    store = Store(work)
    try:
        with paused_gc():  # many small objects that live as long as a page: collections would only cost
            with rep.stage("site index"):
                summary, kept = _index(source if nt is None else None, nt, extra, work, base, previous, rep)
            with rep.stage("site pages"):
                done = _build(store, base, summary, out_dir, catalogue, site_url, jobs, memo, previous, rep)
            store.close()
            if keep is not None and kept:
                try:
                    keep_index(work, keep)
                except OSError:  # the next rebuild writes it in full
                    pass
            return done
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)


def _index(
    lines: Iterable[str] | None,
    nt: Path | None,
    extra: list[str],
    work: Path,
    base: str,
    previous: PreviousSite | None = None,
    rep: Reporter | None = None,
) -> tuple[Summary, bool]:
    """Index the file `nt` as it is when it is in the release's form, else (and for `lines`) a tidied copy;
    patched from the previous release's index when there is one that can be. Also whether the index is
    `nt`'s (one a rebuild can patch)."""
    added = tidy_lines(extra)
    if nt is not None:
        if previous is not None and previous.index is not None and previous.nt is not None:
            try:
                return patch_store(previous.index, previous.nt, nt, previous.changed, added, work, base), True
            except NotPatched as exc:
                if rep is not None:
                    rep.say(f"  site index written in full: {exc}")
        try:
            return write_store(nt, added, work, base), True
        except Untidy:
            lines = file_lines(nt)
    return write_store(tidy_file(lines or (), work), added, work, base), False


def _build(
    store: Store,
    base: str,
    summary: Summary,
    out_dir: Path,
    catalogue: dict[str, CatalogueQuery] | None,
    site_url: str | None,
    jobs: int | None,
    memo_path: Path | None = None,
    previous: PreviousSite | None = None,
    rep: Reporter | None = None,
) -> SiteResult:
    rep = rep or Reporter(quiet=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    writer = Writer(tmp)
    memo: Memo | None = None
    try:
        cat = load_catalogue() if catalogue is None else catalogue
        graph = StoreGraph(store, base, summary.entities)
        linker = Linker(graph)
        items = summary.items()
        done = Rendered()
        if memo_path is not None:
            with rep.stage("site links"):  # entities whose files cannot have changed: linked
                memo, carried = start_memo(memo_path, base, previous, store.folder, summary, tmp, writer.made)
            items = [item for item in items if item[2] not in carried]
            for iri, c in carried.items():
                if c.kind == "case":
                    done.rows.append(row_from_json(c.shown))
                else:
                    done.names.setdefault(c.kind, {})[iri] = c.shown
                done.files += len(c.files)
                done.pages += sum(f.endswith(".html") for f in c.files)

        def sink(part: Rendered) -> None:
            if memo is not None:
                memo.add(part.reads, part.answers)
            done.add(part)

        if jobs is None:  # a worker pays for itself from a few hundred entities on
            jobs = min(os.cpu_count() or 1, max(1, len(items) // 200))
        if jobs <= 1 or "fork" not in mp.get_all_start_methods():
            for i in range(0, len(items), CHUNK):
                sink(render_entities(graph, items[i : i + CHUNK], writer.write, linker))
            render_terms(graph, summary, cat, writer.write, site_url, linker)
        else:
            _render_parallel(
                store,
                base,
                items,
                writer.folder,
                jobs,
                lambda: render_terms(graph, summary, cat, writer.write, site_url, linker),
                sink,
            )
        render_lists(graph, done, writer.write, linker)
        writer.made |= done.made
        writer.pages += done.pages
        writer.files += done.files
        writer.finish()
        if memo is not None:
            memo.finish()
            memo = None
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except (OSError, sqlite3.Error) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(f"cannot write the site to {out_dir}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if memo is not None:
            memo.close()
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


def _release_file(source: Path) -> tuple[Path, str | None]:
    """A release folder's exilegraph.nt (or the N-Triples file `source`) and the base IRI its release.json
    names. Raises ReleaseError when there is no such file."""
    release, nt = (source, source / "exilegraph.nt") if source.is_dir() else (source.parent, source)
    if not nt.is_file():
        raise ReleaseError(
            f"no exilegraph.nt in {release}: build the release first with `exilegraph release`"
        )
    try:
        base = json.loads((release / "release.json").read_text(encoding="utf-8"))["base_iri"]
    except (OSError, ValueError, KeyError, TypeError):
        base = None
    return nt, base


def render_entities(
    graph: StoreGraph,
    items: list[tuple[int, str, str]],
    emit: Callable[[str, bytes], None],
    linker: Linker | None = None,
) -> Rendered:
    """The page and data files of each (rank, kind, IRI), handed to `emit(path, bytes)`; the index row of
    each case and the name of each other entity returned."""
    linker = linker or Linker(graph)
    files = Files(emit)
    owner = Owners(graph)
    done = Rendered()
    for rank, kind, iri in items:
        graph.reads.reset()
        files.paths = []
        graph.enter(rank, iri, kind)
        if kind == "case":
            row = case_row(graph, linker, iri)
            done.rows.append(row)
            shown = row_json(row)
        else:
            shown = done.names.setdefault(kind, {})[iri] = linker.name(iri)
        path = linker.path(iri)
        if path is not None:
            stem = path[: -len(".html")]
            lines = sorted(line for n in graph.owned(iri) for line in graph.nodes[n].lines)
            _data_files(files, stem, lines)
            html = (
                render_case(graph, iri, linker, path)
                if kind == "case"
                else render_entity(graph, iri, kind, linker, path, owner)
            )
            files[path] = html.encode("utf-8")
        keys = sorted({key_hash(k) for k in graph.reads.reset()})
        done.reads.append(EntityReads(iri, kind, files.paths, keys, shown))
    done.answers, graph.answers = graph.answers, {}
    return done


def render_terms(
    graph: StoreGraph,
    summary: Summary,
    catalogue: dict[str, CatalogueQuery],
    emit: Callable[[str, bytes], None],
    site_url: str | None = None,
    linker: Linker | None = None,
) -> None:
    """What does not depend on the entities' pages: term pages, the vocabulary list, the provenance page,
    query page, assets, rules."""
    linker = linker or Linker(graph)
    files = Files(emit)
    terms = summary.terms
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
    files[PROVENANCE_PAGE] = provenance_page(graph, summary.builds, linker).encode("utf-8")
    files["sparql.html"] = query_page(catalogue, graph.base).encode("utf-8")
    files.update(asset_files())
    files[".htaccess"] = htaccess(site_url, graph.base).encode("utf-8")


def render_lists(
    graph: StoreGraph, done: Rendered, emit: Callable[[str, bytes], None], linker: Linker
) -> None:
    """The lists of persons, organisations and sources, and the index pages of the cases."""
    files = Files(emit)
    for kind in ENTITY_KINDS[1:]:
        files[f"{kind}/index.html"] = entity_list(linker, kind, done.names.get(kind, {})).encode("utf-8")
    counts = {k: len(v) for k, v in graph.entities.items()}
    for path, html in index_pages(graph, linker, sorted_rows(done.rows), counts).items():
        files[path] = html.encode("utf-8")


def _data_files(files: Files, stem: str, lines: list[str]) -> None:
    files[f"{stem}.ttl"] = turtle(lines).encode("utf-8")
    files[f"{stem}.jsonld"] = jsonld(lines).encode("utf-8")
    files[f"{stem}.nt"] = ntriples(lines).encode("utf-8")


def _render_parallel(
    store: Store,
    base: str,
    items: list[tuple[int, str, str]],
    folder: Path,
    jobs: int,
    meanwhile: Callable[[], None],
    sink: Callable[[Rendered], None],
) -> None:
    """Entities in forked workers, a chunk at a time, each chunk's result handed to `sink`; `meanwhile` in
    this process. The workers read the store themselves: nothing large is shared."""
    global _WORKER
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    store.close()  # each process opens its own connection
    _WORKER = (store, base, folder)
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            pending = pool.imap_unordered(_render_chunk, chunks)
            meanwhile()
            for part in pending:
                sink(part)
    finally:
        _WORKER = None


_WORKER: tuple[Store, str, Path] | None = None  # what forked workers start from: store, base IRI, folder
_GRAPH: StoreGraph | None = None  # a worker's view of the store, made at its first chunk


def _render_chunk(items: list[tuple[int, str, str]]) -> Rendered:
    global _GRAPH
    store, base, folder = _WORKER  # type: ignore[misc]
    if _GRAPH is None:
        _GRAPH = StoreGraph(store, base)
    writer = Writer(folder)
    done = render_entities(_GRAPH, items, writer.write)
    done.made |= writer.made
    done.pages += writer.pages
    done.files += writer.files
    return done
