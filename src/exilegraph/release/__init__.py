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

from .. import findings as F
from ..diskcache import ResultCache
from ..errors import NoReleaseError, ReleaseError
from ..gcpause import paused_gc
from ..pipeline import Options, Processed, process_files
from ..progress import Reporter
from ..provenance import Build, Input, build_time, records_commit
from ..rdf.dataset import Dataset, SpilledDataset
from ..readers import display_path, find_record_files
from ..records import sha256_bytes
from ..resources import DEFAULT_BASE_IRI
from ..validate import check_dataset
from ..vocab import published_lines
from ..writers.jsonld import RecordNodes
from .assemble import Release, finish, write_full, write_patched
from .changelog import Changelog
from .describe import Counts, Publication
from .folder import INTERNAL_DIR, PUBLIC_DIR, ReleaseDir
from .patch import NotPatchable, Old, graph_key, unchanged, worth_patching
from .patch import previous as previous_release
from .place import make_folder as _make_folder
from .place import remove_stale as _remove_stale
from .place import swap_into_place, wait_for_removals  # noqa: F401 - for callers that wait


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
    cache = ResultCache(None, enabled=use_cache)
    by_path = {i.path: f for f, i in zip(files, build.inputs)}
    with rep.stage("records"):  # read, type, map and SHACL-check every (changed) record, in parallel
        old, processed, spent = _records(files, target, build, options, cache, jobs, rep)
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
    build.inputs = [Input(p.path, p.sha256, p.graph.graph) for p in ok]
    build.ended = build_time() if not os.environ.get("SOURCE_DATE_EPOCH") else build.started

    tmp = _make_folder(out, f".{target.name}.tmp-")
    try:
        r = Release(tmp, target, spill, build, key, publication, rep, cache, findings, ok)
        dumps = None
        if old is not None:
            try:
                dumps = write_patched(r, old)
            except NotPatchable:  # the previous release is not what it should be: build in full
                shutil.rmtree(tmp, ignore_errors=True)
                tmp = r.tmp = _make_folder(out, f".{target.name}.tmp-")
                with rep.stage("records"):
                    r.ok = ok = _spill_all(ok, by_path, options, jobs)
        if dumps is None:
            extra = Dataset()
            extra.add(f"{base}graph/provenance", build.lines())
            extra.add(f"{base}graph/vocabulary", published_lines())
            dumps = write_full(r, SpilledDataset(spill, [p.block for p in ok if p.block is not None], extra))
        counts, changelog = finish(r, dumps)
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
    return ReleaseResult(target, counts, changelog, findings, timings=dict(rep.timings), internal=internal)


def _records(
    files: list[Path],
    target: Path,
    build: Build,
    options: Options,
    cache: ResultCache,
    jobs: int | None,
    rep: Reporter,
) -> tuple[Old | None, list[Processed], dict[str, float]]:
    """Every record processed (read, typed, mapped, checked and spilled), or, when the release can be made
    from the previous one, only those that changed: the others come from the cache without their lines."""
    old = None
    reused: dict[str, Processed] = {}
    if options.use_cache:
        try:
            old = previous_release(target, graph_key(build.base, build.internal), build.base)
            reused = unchanged(old, build.inputs, options, cache)
        except NotPatchable:
            old = None
        if not reused or not worth_patching(len(files) - len(reused), len(files)):
            old, reused = None, {}
    todo = [f for f, i in zip(files, build.inputs) if i.path not in reused]
    done, spent = process_files(todo, options, jobs, rep) if todo else ([], {})
    fresh = iter(done)
    processed = [reused.get(i.path) or next(fresh) for i in build.inputs]
    return old, processed, spent


def _spill_all(
    ok: list[Processed], files: dict[str, Path], options: Options, jobs: int | None
) -> list[Processed]:
    """The records, each with its spilled lines: those taken from the previous release are processed
    (from the cache of their lines)."""
    missing = [files[p.path] for p in ok if p.block is None]
    done = iter(process_files(missing, options, jobs)[0] if missing else [])
    return [p if p.block is not None else next(done) for p in ok]


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
