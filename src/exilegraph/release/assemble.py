"""The files of a release, written into its hidden folder: the dumps (in full from the records' spill, or
spliced into the previous release's, see patch.py), then the description, changelog, validation report
and manifest, the evidence pages, the store, the site and SHA256SUMS.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from .. import findings as F
from ..diskcache import ResultCache, digest
from ..pipeline import Processed, fingerprint
from ..progress import Reporter
from ..provenance import Build, build_prefixes, is_content, iso
from ..rdf.dataset import SpilledDataset, quads_bytes
from ..resources import GENERATED, schema_index
from ..site import SITE_DIR, build_site
from ..site.indexpatch import KEPT
from ..site.memo import MEMO_FILE, PreviousSite
from ..vocab import VOCAB_FILE, VOCAB_PATH, published_lines
from ..writers import FORMATS
from . import patch, spliced
from .background import Background, module_command
from .carry import PageInput, write_pages
from .changelog import Changelog, compare
from .describe import PREFIXES, Counts, Publication, count, description
from .folder import REBUILD_DIR, STORE_DIR, ReleaseDir
from .splice import Damaged
from .store import (
    PATCH_DESCRIPTION,
    PATCH_GONE,
    PATCH_NEW,
    PATCH_OLD,
    PATCH_OWNED,
    PATCH_UNION_IN,
    PATCH_UNION_OUT,
    StoreLoader,
    StorePatcher,
)
from .sums import Previous, write_checksums


@dataclass
class Release:
    """What the files of one release are made from."""

    tmp: Path  # the hidden folder the release is written into
    target: Path  # where it goes; the previous release, if any, is there
    spill: Path  # the records' spill folder, also the store patch's
    build: Build
    key: str  # release._inputs_key
    publication: Publication
    rep: Reporter
    cache: ResultCache
    findings: list[F.Finding]
    ok: list[Processed]  # the records of the release, in file order

    @property
    def digests(self) -> dict[str, str]:
        """Each case's content digest, by record id (the manifest's `cases`)."""
        return dict(sorted((p.graph.record_id, p.digest) for p in self.ok if p.graph.case_iri and p.digest))


@dataclass
class Dumps:
    counts: Counts
    changelog: Changelog
    known: dict[str, str] = field(default_factory=dict)  # digests of files written from bytes held
    store: Callable[[list[str]], StoreLoader] | None = None  # starts the store, given the description
    running: list = field(default_factory=list)  # background jobs to stop if the release fails
    changed: list[str] | None = None  # patched: the lines that joined or left the union (the site's rebuild)


class _Union:
    """The dataset's N-Triples lines, iterable more than once (each pass reads them anew)."""

    def __init__(self, dataset: SpilledDataset):
        self.dataset = dataset

    def __iter__(self):
        return self.dataset.lines()


def write_full(r: Release, dataset: SpilledDataset) -> Dumps:
    """Every dump from the records' spill; the store loaded from the dumps in its own process."""
    nt, nq, ttl = FORMATS["ntriples"], FORMATS["nquads"], FORMATS["turtle"]
    running: list = []
    try:
        # N-Triples first: the later passes read it instead of merging the records' runs again; the store
        # loads it and the N-Quads, and Turtle is written from it, in their own processes
        with r.rep.stage(f"write {nt.name}"):
            nt.write(dataset, r.tmp / nt.filename)
        dataset.union_file = r.tmp / nt.filename
        command = module_command("exilegraph.writers.turtle", r.tmp / nt.filename, r.tmp / ttl.filename)
        turtle = Background("writing the Turtle dump", command)
        running.append(turtle)
        with r.rep.stage(f"write {nq.name}"):
            nq.write(dataset, r.tmp / nq.filename)
        loader = StoreLoader(r.tmp / STORE_DIR, r.tmp / nq.filename, r.tmp / nt.filename).start()
        running.append(loader)
        for fmt in sorted(FORMATS.values(), key=lambda f: f.name):
            if fmt not in (nt, nq, ttl):
                with r.rep.stage(f"write {fmt.name}"):
                    fmt.write(dataset, r.tmp / fmt.filename)
        with r.rep.stage(f"write {ttl.name}"):  # what is left of it
            turtle.finish()
        dataset.discard_spill()
        with r.rep.stage("describe"):
            counts = count(dataset.lines())
            changelog = compare(ReleaseDir(r.target), r.digests, _Union(dataset), r.build.base)
    except BaseException:
        for job in running:
            job.stop()
        raise
    return Dumps(counts, changelog, store=lambda void: loader, running=running)


def write_patched(r: Release, old: patch.Old) -> Dumps:
    """Every dump spliced into the previous release's; the store patched from its store once the
    description is known. Raises NotPatchable when the previous release is not as expected (nothing of
    it has changed; the caller builds in full)."""
    base = r.build.base
    with r.rep.stage("changes"):
        now = {p.graph.graph: _block_lines(p) for p in r.ok if p.block is not None}
        now[f"{base}graph/provenance"] = sorted(set(r.build.lines()))
        now[f"{base}graph/vocabulary"] = sorted(set(published_lines()))
        gone = old.record_graphs - {p.graph.graph for p in r.ok}
        ch = patch.changes(old, now, gone)
    running: list = []
    try:
        with r.rep.stage("write spliced dumps"):
            made = spliced.write(old, ch, r.tmp)
        if not made.turtle:  # written from the N-Triples dump, as a full build does
            with r.rep.stage("write turtle"):
                nt, ttl = (r.tmp / FORMATS[n].filename for n in ("ntriples", "turtle"))
                job = Background(
                    "writing the Turtle dump", module_command("exilegraph.writers.turtle", nt, ttl)
                )
                running.append(job)
                job.finish()
                made.digests.pop(FORMATS["turtle"].filename, None)
    except Damaged as exc:
        for job in running:
            job.stop()
        raise patch.NotPatchable(str(exc)) from None
    with r.rep.stage("describe"):
        counts = _counted(ReleaseDir(r.target), ch)
        content = (sum(is_content(x, base) for x in ch.added), sum(is_content(x, base) for x in ch.removed))
        changelog = compare(ReleaseDir(r.target), r.digests, [], base, counted=content)
        _store_patch(r.spill, ch)
        owned = [f"{base}graph/provenance", *build_prefixes(base)]
        (r.spill / PATCH_OWNED).write_text("".join(x + "\n" for x in owned), encoding="utf-8")

    def store(void: list[str]) -> StoreLoader:
        (r.spill / PATCH_DESCRIPTION).write_text(
            "\n".join([f"{base}graph/description", *void]) + "\n", encoding="utf-8"
        )
        return StorePatcher(r.tmp / STORE_DIR, old.file(STORE_DIR), r.spill).start()

    return Dumps(counts, changelog, made.digests, store, running, changed=ch.added + ch.removed)


def _block_lines(p: Processed) -> list[str]:
    """A changed record's graph, as its spilled N-Quads block holds it."""
    assert p.block is not None
    with open(p.block.file, "rb") as f:
        f.seek(p.block.offset)
        text = f.read(p.block.length).decode("utf-8")
    return patch.quads_to_lines(text, p.block.graph)


def _counted(previous: ReleaseDir, ch: patch.Changes) -> Counts:
    """The previous release's counts with the lines that joined and left the union."""
    before = Counts(**previous.manifest.counts).as_dict()
    plus, minus = count(ch.added).as_dict(), count(ch.removed).as_dict()
    return Counts(**{k: before[k] + plus[k] - minus[k] for k in before})


def _store_patch(folder: Path, ch: patch.Changes) -> None:
    """The files StorePatcher reads (store.py)."""
    changed = sorted(ch.graphs.items())
    (folder / PATCH_OLD).write_bytes(b"".join(quads_bytes(g, before) for g, (before, _) in changed))
    (folder / PATCH_NEW).write_bytes(b"".join(quads_bytes(g, after) for g, (_, after) in changed))
    (folder / PATCH_GONE).write_text("".join(g + "\n" for g in ch.gone), encoding="utf-8")
    (folder / PATCH_UNION_OUT).write_text("".join(x + "\n" for x in ch.left), encoding="utf-8")
    (folder / PATCH_UNION_IN).write_text("".join(x + "\n" for x in ch.joined), encoding="utf-8")


def finish(r: Release, dumps: Dumps) -> tuple[Counts, Changelog]:
    """The description, changelog, report and manifest, the evidence pages, the store, the site, SHA256SUMS."""
    build, tmp, base, internal = r.build, r.tmp, r.build.base, r.build.internal
    try:
        with r.rep.stage("describe"):
            files = sorted(
                (f.filename, f.media_type, (tmp / f.filename).stat().st_size) for f in FORMATS.values()
            )
            void = description(
                base,
                counts=dumps.counts,
                files=files,
                issued=build.ended or build.started,
                internal=internal,
                publication=r.publication,
            )
            _small_files(r, dumps, void, files)
            assert dumps.store is not None
            store = dumps.store(void)
            dumps.running.append(store)
        previous = Previous(r.target if ReleaseDir(r.target).exists() else None)
        with r.rep.stage("evidence pages"):  # while the store loads in its own process
            pages = [PageInput(p.path, p.sha256, p.summary) for p in r.ok if p.summary is not None]
            salt = digest(["evidence pages", fingerprint(), base, str(internal)])
            known = write_pages(tmp, pages, internal=internal, salt=salt, previous=previous, cache=r.cache)
        # the site reads the N-Triples dump through an index on disk and holds no graph, so it renders while
        # the store loads or is patched in its own process: the two hold little memory at once
        with r.rep.stage("site"):  # entity pages, index and query pages, w3id.org rules: see site/
            before = None
            if dumps.changed is not None:  # the previous site and what its pages read
                before = PreviousSite(
                    r.target / SITE_DIR,
                    r.target / REBUILD_DIR / MEMO_FILE,
                    dumps.changed,
                    previous.written,
                    index=r.target / REBUILD_DIR / KEPT,
                    nt=r.target / FORMATS["ntriples"].filename,
                )
            build_site(
                tmp / FORMATS["ntriples"].filename,
                tmp / SITE_DIR,
                base,
                vocabulary=tmp / "vocab.ttl",
                reporter=r.rep,
                memo=tmp / REBUILD_DIR / MEMO_FILE,
                previous=before,
                keep=tmp / REBUILD_DIR / KEPT,
            )
        with r.rep.stage("load store"):  # what is left of it: it ran while the files above were written
            store.finish(void, f"{base}graph/description")
    except BaseException:
        for job in dumps.running:
            job.stop()
        raise
    with r.rep.stage("checksums"):
        write_checksums(tmp, {**dumps.known, **known}, previous)
    return dumps.counts, dumps.changelog


def _small_files(r: Release, dumps: Dumps, void: list[str], files: list[tuple[str, str, int]]) -> None:
    build, tmp, base = r.build, r.tmp, r.build.base
    _write_turtle(void, tmp / "void.ttl")
    shutil.copyfile(GENERATED / "exilegraph.context.jsonld", tmp / "context.jsonld")
    shutil.copyfile(VOCAB_PATH, tmp / VOCAB_FILE)
    (tmp / "CHANGELOG.md").write_text(dumps.changelog.markdown(__version__), encoding="utf-8")
    _dump_json(tmp / "changelog.json", dumps.changelog.as_dict())
    findings = r.findings
    (tmp / "validation.txt").write_text(F.to_text(findings) + F.summary(findings) + "\n", encoding="utf-8")
    (tmp / "validation.json").write_text(F.to_json(findings), encoding="utf-8")
    _dump_json(
        tmp / "release.json",
        {
            "version": __version__,
            "schema_version": schema_index()["version"],
            "internal": build.internal,
            "base_iri": base,
            "issued": iso(build.ended or build.started),
            "build": build.iri,
            "counts": dumps.counts.as_dict(),
            "cases": r.digests,
            "graphs": {
                "records": sorted(p.graph.graph for p in r.ok),
                "provenance": f"{base}graph/provenance",
                "vocabulary": f"{base}graph/vocabulary",
                "description": f"{base}graph/description",
            },
            "files": {name: media for name, media, _ in files},
            "inputs_key": r.key,
            "graph_key": patch.graph_key(base, build.internal),
            "public_url": r.publication.download,
            "endpoint_url": r.publication.endpoint,
        },
    )


def _write_turtle(lines: list[str], path: Path) -> None:
    import pyoxigraph as ox

    triples = ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _dump_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
