"""Build a release: read, type, validate, map, write every file aside, then move it into place.

A failure at any point leaves the previous release untouched: the new one is written into a
hidden sibling folder and only renamed over the old one when every file is complete.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from .. import findings as F
from ..diskcache import ResultCache
from ..errors import NoReleaseError, ReleaseError
from ..gcpause import paused_gc
from ..pipeline import Options, process_files
from ..progress import Reporter
from ..provenance import Build, Input, build_time, iso, records_commit
from ..rdf.dataset import Dataset, SpilledDataset
from ..readers import display_path, find_record_files
from ..records import RecordGraph, sha256_bytes
from ..resources import DEFAULT_BASE_IRI, GENERATED, schema_index
from ..site import SITE_DIR, build_site
from ..validate import check_dataset
from ..vocab import VOCAB_FILE, VOCAB_PATH, published_lines
from ..writers import FORMATS
from ..writers.jsonld import RecordNodes
from .background import Background, module_command
from .carry import PageInput, write_pages
from .changelog import Changelog, compare
from .describe import PREFIXES, Counts, Publication, count, description
from .folder import INTERNAL_DIR, PUBLIC_DIR, ReleaseDir
from .place import exchange as _exchange  # noqa: F401 - tests patch the exchange through place
from .place import make_folder as _make_folder
from .place import remove_stale as _remove_stale
from .place import swap_into_place, wait_for_removals  # noqa: F401 - for callers that wait
from .sums import Previous, write_checksums


@dataclass
class ReleaseResult:
    path: Path
    counts: Counts
    changelog: Changelog
    findings: list[F.Finding]
    timings: dict[str, float] = field(default_factory=dict)
    internal: bool = False
    unchanged: bool = False  # True when the release in place was already built from the same inputs

    def summary(self) -> str:
        c = self.counts
        kind = "internal release (restricted values included)" if self.internal else "public release"
        if self.unchanged:
            return (
                f"{kind} in {self.path} is up to date (same records, toolkit and options): {c.triples} triples, "
                f"{c.cases} cases; validation: {F.summary(self.findings)}"
            )
        return (
            f"wrote {kind} to {self.path}: {c.triples} triples, {c.cases} cases, {c.events} events, "
            f"{c.sources} sources, {c.citations} citations; validation: {F.summary(self.findings)}"
        )


def build_release(
    paths: list[Path],
    out: Path = Path("output"),
    *,
    internal: bool = False,
    base_iri: str = DEFAULT_BASE_IRI,
    reporter: Reporter | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    publication: Publication | None = None,
) -> ReleaseResult:
    """Validate the records under `paths`, map them and write the release into `out` atomically.

    `publication` gives the public download and endpoint addresses the description names.
    Example: ``build_release([Path("records")], Path("output")).summary()``.
    Raises RecordError for a path that does not exist, ReleaseError when validation finds errors, a public
    release names a local address, or the release cannot be written (the previous release is then untouched)."""
    publication = (publication or Publication()).checked(internal)
    with paused_gc():  # millions of long-lived strings and tuples: collections would only rescan them
        return _build_release(
            paths,
            out,
            internal=internal,
            base_iri=base_iri,
            reporter=reporter,
            jobs=jobs,
            use_cache=use_cache,
            publication=publication,
        )


def _build_release(
    paths: list[Path],
    out: Path,
    *,
    internal: bool,
    base_iri: str,
    reporter: Reporter | None,
    jobs: int | None,
    use_cache: bool,
    publication: Publication,
) -> ReleaseResult:
    rep = reporter or Reporter(quiet=True)
    base = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"
    files = find_record_files(paths)
    if not files:
        raise ReleaseError(f"no record files found in {', '.join(map(str, paths))}")
    build = Build(base, [], internal=internal, commit=records_commit(paths))
    build.inputs = [Input(display_path(f), _sha256(f), "") for f in files]
    target = out / (INTERNAL_DIR if internal else PUBLIC_DIR)
    key = _inputs_key(build, publication)
    if use_cache and all(i.sha256 for i in build.inputs):
        current = _up_to_date(ReleaseDir(target), key)
        if current is not None:
            _remove_stale(out)  # what a killed build left beside the release in place
            return current
    _remove_stale(out)  # what a killed build left beside the release
    spill = _make_folder(out, f".{target.name}.tmp-spill-")
    try:
        return _publish(spill, files, out, target, build, key, publication, rep, jobs, use_cache)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _publish(
    spill: Path,
    files: list[Path],
    out: Path,
    target: Path,
    build: Build,
    key: str,
    publication: Publication,
    rep: Reporter,
    jobs: int | None,
    use_cache: bool,
) -> ReleaseResult:
    base, internal = build.base, build.internal
    options = Options(
        base=base,
        internal=internal,
        use_cache=use_cache,
        spill_dir=str(spill),
        nodes=RecordNodes(),  # JSON-LD node objects made in the workers, merged by the writer
    )
    with rep.stage("records"):  # read, type, map and SHACL-check every record, in parallel
        processed, spent = process_files(files, options, jobs, rep)
    for stage, seconds in spent.items():
        rep.timings[f"{stage} (cpu)"] = seconds
    findings: list[F.Finding] = [f for p in processed for f in p.findings]
    ok = [p for p in processed if p.ok]
    if len({p.synthetic for p in ok}) > 1:
        raise ReleaseError("synthetic records are mixed with real ones; build them into separate releases")
    with rep.stage("dataset checks"):
        findings = F.ordered(findings + check_dataset([p.summary for p in ok if p.summary]))
    if F.has_errors(findings):
        errors = [f for f in findings if f.severity == F.ERROR]
        shown = "\n".join(f.text() for f in errors[:20])
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise ReleaseError(
            f"validation found {len(errors)} errors; nothing was published "
            f"(run `exilegraph validate` for the full report):\n{shown}{more}"
        )
    graphs: list[RecordGraph] = [p.graph for p in ok]  # their lines are in the spill folder
    digests = dict(sorted((p.graph.record_id, p.digest) for p in ok if p.graph.case_iri and p.digest))
    build.inputs = [Input(p.path, p.sha256, p.graph.graph) for p in ok]

    build.ended = build_time() if not os.environ.get("SOURCE_DATE_EPOCH") else build.started
    extra = Dataset()
    extra.add(f"{base}graph/provenance", build.lines())
    extra.add(f"{base}graph/vocabulary", published_lines())
    dataset = SpilledDataset(spill, [p.block for p in ok if p.block is not None], extra)

    pages = [PageInput(p.path, p.sha256, p.summary) for p in ok if p.summary is not None]
    cache = ResultCache(None, enabled=use_cache)
    tmp = _make_folder(out, f".{target.name}.tmp-")
    try:
        result = _write(
            tmp, target, dataset, graphs, digests, findings, build, rep, key, publication, pages, cache
        )
        swap_into_place(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        where = f" ({Path(exc.filename).name})" if exc.filename else ""
        raise ReleaseError(
            f"writing the release failed{where}: {exc.strerror or exc}; "
            f"the previous release in {target} is untouched"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.path = target
    result.timings = dict(rep.timings)
    return result


class _Union:
    """The dataset's N-Triples lines, iterable more than once (each pass reads them anew)."""

    def __init__(self, dataset: SpilledDataset):
        self.dataset = dataset

    def __iter__(self):
        return self.dataset.lines()


def _write(
    tmp: Path,
    target: Path,
    dataset: SpilledDataset,
    graphs: list[RecordGraph],
    digests: dict[str, str],
    findings,
    build: Build,
    rep: Reporter,
    key: str,
    publication: Publication,
    pages: list[PageInput],
    cache: ResultCache,
) -> ReleaseResult:
    from .store import STORE_DIR, StoreLoader

    base, internal = build.base, build.internal
    loader = turtle = None
    try:
        # N-Triples first: the later passes read it instead of merging the records' runs again; the store
        # loads it and the N-Quads, and Turtle is written from it, in their own processes
        nt, nq, ttl = FORMATS["ntriples"], FORMATS["nquads"], FORMATS["turtle"]
        with rep.stage(f"write {nt.name}"):
            nt.write(dataset, tmp / nt.filename)
        dataset.union_file = tmp / nt.filename
        command = module_command("exilegraph.writers.turtle", tmp / nt.filename, tmp / ttl.filename)
        turtle = Background("writing the Turtle dump", command)
        with rep.stage(f"write {nq.name}"):
            nq.write(dataset, tmp / nq.filename)
        loader = StoreLoader(tmp / STORE_DIR, tmp / nq.filename, tmp / nt.filename).start()
        for fmt in sorted(FORMATS.values(), key=lambda f: f.name):
            if fmt not in (nt, nq, ttl):
                with rep.stage(f"write {fmt.name}"):
                    fmt.write(dataset, tmp / fmt.filename)
        with rep.stage(f"write {ttl.name}"):  # what is left of it
            turtle.finish()
        files = [(f.filename, f.media_type, (tmp / f.filename).stat().st_size) for f in FORMATS.values()]
        files.sort()
        dataset.discard_spill()
        with rep.stage("describe"):
            counts = count(dataset.lines())
            changelog = compare(ReleaseDir(target), digests, _Union(dataset), base)
            void = description(
                base,
                counts=counts,
                files=files,
                issued=build.ended or build.started,
                internal=internal,
                publication=publication,
            )
            _write_turtle(void, tmp / "void.ttl")
            shutil.copyfile(GENERATED / "exilegraph.context.jsonld", tmp / "context.jsonld")
            shutil.copyfile(VOCAB_PATH, tmp / VOCAB_FILE)
            (tmp / "CHANGELOG.md").write_text(changelog.markdown(__version__), encoding="utf-8")
            _dump_json(tmp / "changelog.json", changelog.as_dict())
            (tmp / "validation.txt").write_text(
                F.to_text(findings) + F.summary(findings) + "\n", encoding="utf-8"
            )
            (tmp / "validation.json").write_text(F.to_json(findings), encoding="utf-8")
            _dump_json(
                tmp / "release.json",
                {
                    "version": __version__,
                    "schema_version": schema_index()["version"],
                    "internal": internal,
                    "base_iri": base,
                    "issued": iso(build.ended or build.started),
                    "build": build.iri,
                    "counts": counts.as_dict(),
                    "cases": digests,
                    "graphs": {
                        "records": sorted(g.graph for g in graphs),
                        "provenance": f"{base}graph/provenance",
                        "vocabulary": f"{base}graph/vocabulary",
                        "description": f"{base}graph/description",
                    },
                    "files": {name: media for name, media, _ in files},
                    "inputs_key": key,
                    "public_url": publication.download,
                    "endpoint_url": publication.endpoint,
                },
            )
        previous = Previous(target if ReleaseDir(target).exists() else None)
        with rep.stage("evidence pages"):  # while the store loads in its own process
            known = write_pages(
                tmp,
                pages,
                internal=internal,
                salt=_pages_salt(base, internal),
                previous=previous,
                cache=cache,
            )
        with rep.stage("load store"):  # what is left of it: the loader ran while the files above were written
            loader.finish(void, f"{base}graph/description")
    except BaseException:
        if turtle is not None:
            turtle.stop()
        if loader is not None:
            loader.stop()
        raise
    with rep.stage("site"):  # entity pages, index and query pages, w3id.org rules: see site/
        build_site(dataset.union_file, tmp / SITE_DIR, base, vocabulary=tmp / "vocab.ttl")
    with rep.stage("checksums"):
        write_checksums(tmp, known, previous)
    return ReleaseResult(target, counts, changelog, findings, internal=internal)


def _write_turtle(lines: list[str], path: Path) -> None:
    import pyoxigraph as ox

    triples = ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _dump_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _pages_salt(base: str, internal: bool) -> str:
    """What every evidence page depends on besides its records: the toolkit and the options."""
    from ..diskcache import digest
    from ..pipeline import fingerprint

    return digest(["evidence pages", fingerprint(), base, str(internal)])


def _inputs_key(build: Build, publication: Publication) -> str:
    """What a release is built from: the records' bytes, the toolkit (code, schema, shapes, mappings), the
    catalogue the query page embeds, the options, and the build time when SOURCE_DATE_EPOCH fixes it."""
    from ..catalogue import query_folders
    from ..diskcache import digest
    from ..pipeline import fingerprint

    queries = [
        f"{p.name}\n{p.read_text(encoding='utf-8')}" for d in query_folders() for p in sorted(d.glob("*.rq"))
    ]
    parts = [fingerprint(), build.iri, build.base, repr(publication), os.environ.get("SOURCE_DATE_EPOCH", "")]
    return digest(parts + queries)


def _up_to_date(release: ReleaseDir, key: str) -> ReleaseResult | None:
    """The release in place, when it was built from exactly these inputs and is complete; else None."""
    try:
        manifest = release.manifest
        if manifest.inputs_key != key:
            return None
        sums = (release.path / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        if not all((release.path / line.split("  ", 1)[1]).is_file() for line in sums if "  " in line):
            return None
        if not release.store_path.is_dir():
            return None
        changelog = Changelog(**json.loads((release.path / "changelog.json").read_text(encoding="utf-8")))
        reported = json.loads((release.path / "validation.json").read_text(encoding="utf-8"))["findings"]
        findings = [F.Finding(**f) for f in reported]
        return ReleaseResult(
            release.path,
            Counts(**manifest.counts),
            changelog,
            findings,
            internal=manifest.internal,
            unchanged=True,
        )
    except (NoReleaseError, OSError, ValueError, KeyError, TypeError):
        return None


def _sha256(path: Path) -> str:
    """The file's checksum; "" when it cannot be read (the pipeline reports it as a finding)."""
    try:
        if not path.is_file():  # a pipe would block; the pipeline reports what is not a regular file
            return ""
        return sha256_bytes(path.read_bytes())
    except OSError:
        return ""
