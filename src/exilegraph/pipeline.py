"""The per-record pipeline that `validate` and `release` share: read, type, map, SHACL-check.

Records are processed in chunks in worker processes, so a record is read and mapped once whether it
is validated or published. SHACL verdicts and the summaries the dataset-wide checks need are cached by
content hash (diskcache.py): an unchanged record is not checked again. For a release, a record's mapped
lines are cached too, so an unchanged record is neither typed nor mapped again; each worker then writes
its chunk's lines to spill files (rdf/dataset.py) instead of sending them back, so the main process
never holds the whole dataset.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .cachekey import cache_entry, cached_result, fingerprint, result_key
from .check import type_record
from .diskcache import ResultCache
from .errors import RecordError, WorkerError
from .findings import Finding
from .gcpause import paused_gc
from .mapper import Mapper
from .rdf.dataset import GraphBlock
from .rdf.terms import subject_of
from .readers import display_path, path_problem, read_file
from .records import Located, Record, RecordGraph, RecordSummary, dotted, sha256_bytes
from .resources import DEFAULT_BASE_IRI
from .shacl import report as shacl_report
from .spill import NodeMaker, cached_mapped, lines_entry, meta_entry, spill_chunk

PARALLEL_FROM = 200  # below this many records, worker processes cost more than they save
CHUNK_MAX = 700
POOL_CHUNKS = 4  # chunks a worker takes before it is replaced (see _in_pools)
KINDS = {"ExileCase": "case", "Person": "person", "Organisation": "organisation"}


@dataclass
class Processed:
    """What the later stages need of one record file, as computed by a worker."""

    path: str
    sha256: str
    findings: list[Finding] = field(default_factory=list)
    graph: RecordGraph | None = None
    summary: RecordSummary | None = None
    synthetic: bool = False
    block: GraphBlock | None = None  # where a spilled record's lines are (release); graph.lines is then empty
    nodes: list | None = None  # its JSON-LD node objects as [key, text] pairs, until spilled (release)
    digest: str | None = None  # of the record's content lines, for the changelog (release)

    @property
    def ok(self) -> bool:
        return self.graph is not None


@dataclass(frozen=True)
class Options:
    base: str = DEFAULT_BASE_IRI
    internal: bool = False
    use_cache: bool = True
    cache_dir: str | None = None
    spill_dir: str | None = None  # a release's: workers write the records' lines there
    nodes: NodeMaker | None = None  # a release's: makes each record's JSON-LD node objects

    @functools.cached_property
    def key_prefix(self) -> str:
        """Computed once per run: finding the shape files in use costs a millisecond, per record."""
        return fingerprint()

    def cache_key(self, path: str, sha256: str) -> str:
        return result_key(path, sha256, self.base, self.internal, prefix=self.key_prefix)

    def lines_key(self, path: str, sha256: str) -> str:
        return "lines:" + self.cache_key(path, sha256)

    def meta_key(self, path: str, sha256: str) -> str:
        return "meta:" + self.cache_key(path, sha256)


def _jobs(jobs: int | None) -> int:
    return max(1, jobs or min(4, os.cpu_count() or 1))


def load_one(path: Path) -> tuple[Record | None, list[Finding]]:
    """Read and type one file: the record (None when it has errors) and its findings."""
    try:
        return type_record(read_file(path))
    except RecordError as exc:
        return None, exc.findings


def summarise(record: Record, graph: RecordGraph) -> RecordSummary:
    """What the dataset-wide checks need from one record."""
    loc = record.raw.locate
    m = record.model
    defines = []
    if m.case is not None:
        defines.append(("case", m.case.id, ("case", "id")))
    defines += [("person", p.id, ("persons", i, "id")) for i, p in enumerate(m.persons or [])]
    defines += [
        ("organisation", o.id, ("organisations", i, "id")) for i, o in enumerate(m.organisations or [])
    ]
    refs = [(KINDS.get(cls, cls.lower()), ident, fpath) for cls, ident, fpath in graph.refs]
    by_subject: dict[str, list[str]] = {}
    for line in graph.lines:
        by_subject.setdefault(subject_of(line), []).append(line)
    sources = []
    for node, fpath in graph.paths.items():
        if fpath and fpath[0] == "sources" and len(fpath) == 2:
            described = hashlib.sha256("\n".join(by_subject.get(node, [])).encode("utf-8")).hexdigest()[:16]
            sources.append((node, described, fpath))

    def located(items) -> tuple[Located, ...]:
        return tuple(Located(a, b, dotted(p), *loc(p)) for a, b, p in items)

    return RecordSummary(record.path, located(defines), located(refs), located(sources))


def shacl_findings(
    records: list[Record], graphs: list[RecordGraph], base: str = DEFAULT_BASE_IRI
) -> list[list[Finding]]:
    """Layer 2 for a batch of records, run as one engine call. A violation on a node that several
    records describe (a shared source) is reported in each of them, so verdicts do not depend on
    how records are batched."""
    owners: dict[str, list[int]] = {}
    lines: set[str] = set()
    for i, g in enumerate(graphs):
        lines.update(g.lines)
        for node in g.paths:
            owners.setdefault(node, []).append(i)
    per: list[list] = [[] for _ in graphs]
    for v in shacl_report.run_engine(sorted(lines)):
        found_in = owners.get(v.focus, [0])
        if shacl_report.is_reference(v, base) or (
            len(found_in) > 1 and v.component == "MaxCountConstraintComponent"
        ):
            continue  # judged once across the dataset (undefined-reference, source-described-differently)
        for i in found_in:
            per[i].append(v)
    return [shacl_report.to_findings(vs, r, g) for vs, r, g in zip(per, records, graphs)]


def _batches(todo: list[tuple]) -> list[list[tuple]]:
    """Split records so that no two in one engine run define the same case, person or organisation:
    two records that reuse an id would otherwise be judged on each other's triples (the duplicate
    itself is reported by the dataset-wide checks). Shared sources may share a run: identical
    descriptions merge harmlessly, differing ones are an error of their own."""
    batches: list[tuple[set, list]] = []
    for entry in todo:
        graph = entry[0].graph
        ids = {n for n, p in graph.paths.items() if len(p) == 2 and p[0] in ("persons", "organisations")}
        if graph.case_iri:
            ids.add(graph.case_iri)
        for claimed, members in batches:
            if not ids & claimed:
                claimed |= ids
                members.append(entry)
                break
        else:
            batches.append((set(ids), [entry]))
    return [members for _, members in batches]


def process_chunk(paths: list[str], options: Options) -> tuple[list[Processed], dict[str, float]]:
    """Read, type, map and SHACL-check a chunk of files; SHACL verdicts come from the cache when they can.
    Returns the results and the seconds this worker spent in each stage."""
    with paused_gc():
        return _process_chunk(paths, options)


def _process_chunk(paths: list[str], options: Options) -> tuple[list[Processed], dict[str, float]]:
    clock = {"read": 0.0, "map": 0.0, "validate": 0.0}
    cache = ResultCache(Path(options.cache_dir) if options.cache_dir else None, enabled=options.use_cache)
    reuse = _from_cache(paths, options, cache) if options.spill_dir and options.use_cache else {}
    mapper = None
    out: list[Processed] = []
    todo: list[tuple[Processed, Record, str]] = []
    loaded = []
    for p in paths:
        hit = reuse.get(p)
        if hit is not None:
            out.append(hit)
            continue
        t0 = time.perf_counter()
        record, found = load_one(Path(p))
        t1 = time.perf_counter()
        clock["read"] += t1 - t0
        if record is None:
            out.append(Processed(display_path(Path(p)), "", found))
            continue
        if mapper is None:
            mapper = Mapper(options.base, internal=options.internal)
        item = Processed(
            record.path, record.sha256, found, mapper.map(record), synthetic=bool(record.model.synthetic)
        )
        clock["map"] += time.perf_counter() - t1
        loaded.append((item, record, options.cache_key(record.path, record.sha256)))
        out.append(item)
    t0 = time.perf_counter()
    cached = cache.get_many([k for _, _, k in loaded])
    for item, record, key in loaded:
        hit = cached_result(cached[key]) if key in cached else None
        if hit:
            item.findings, item.summary = hit
        else:
            todo.append((item, record, key))
    fresh = {}
    if todo:
        for batch in _batches(todo):
            layer2 = shacl_findings([r for _, r, _ in batch], [i.graph for i, _, _ in batch], options.base)
            for (item, record, key), extra in zip(batch, layer2):
                item.findings = item.findings + extra
                item.summary = summarise(record, item.graph)
                fresh[key] = cache_entry(item.findings, item.summary)
    if options.spill_dir:
        for item, _, _ in loaded:
            if options.nodes is not None:
                item.nodes = options.nodes.nodes(sorted(set(item.graph.lines)))
            fresh[options.lines_key(item.path, item.sha256)] = lines_entry(item)
    cache.put_many(fresh)
    clock["validate"] += time.perf_counter() - t0
    if options.spill_dir:
        spill_chunk(out, Path(options.spill_dir), options.base, options.nodes)
        cache.put_many(
            {options.meta_key(i.path, i.sha256): meta_entry(i) for i in out if i.graph is not None}
        )
    return out, clock


def _from_cache(paths: list[str], options: Options, cache: ResultCache) -> dict[str, Processed]:
    """The records of `paths` whose verdict and mapped lines are both cached for their current bytes.
    Anything unusual about a file (not a regular file, unreadable, a link problem) is left to load_one."""
    keys: dict[str, tuple[str, str, str, str]] = {}
    for p in paths:
        path = Path(p)
        shown = display_path(path)
        try:
            if not path.is_file() or path_problem(path, shown) is not None:
                continue
            sha = sha256_bytes(path.read_bytes())
        except OSError:
            continue
        keys[p] = (options.cache_key(shown, sha), options.lines_key(shown, sha), shown, sha)
    found = cache.get_many([k for ks in keys.values() for k in ks[:2]])
    out: dict[str, Processed] = {}
    for p, (verdict_key, lines_key, shown, sha) in keys.items():
        verdict = cached_result(found[verdict_key]) if verdict_key in found else None
        mapped = cached_mapped(found.get(lines_key), shown, sha, want_nodes=options.nodes is not None)
        if verdict is not None and mapped is not None:
            graph, synthetic, nodes = mapped
            out[p] = Processed(shown, sha, verdict[0], graph, verdict[1], synthetic=synthetic, nodes=nodes)
    return out


def _in_worker() -> None:
    """Each worker process has a core: the SHACL engine runs its queries on one thread there."""
    shacl_report.ENGINE_THREADS = 1


def process_files(
    files: list[Path], options: Options, jobs: int | None = None, reporter=None
) -> tuple[list[Processed], dict[str, float]]:
    """process_chunk over all files, in worker processes when there are many; results in file order,
    with the CPU seconds spent per stage summed over the workers.

    Raises WorkerError when a worker process dies (killed, out of memory)."""
    paths = [str(f) for f in files]
    n = _jobs(jobs)
    if len(paths) < PARALLEL_FROM or n == 1:
        return process_chunk(paths, options)
    from concurrent.futures.process import BrokenProcessPool  # (multiprocessing: not for a few records)

    # at most CHUNK_MAX records a chunk: a worker holds its chunk's records, graphs and SHACL store at once,
    # so a chunk of an eighth of 100k records held 3 GB
    size = min(CHUNK_MAX, max(50, -(-len(paths) // (n * 8))))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    out: list[Processed] = []
    clock: dict[str, float] = {}
    results = _in_pools(chunks, options, n)
    if reporter is not None:
        results = reporter.iterate(results, "records", len(chunks))
    try:
        for part, spent in results:
            out.extend(part)
            for k, v in spent.items():
                clock[k] = clock.get(k, 0.0) + v
    except BrokenProcessPool:
        raise WorkerError(
            "a worker process checking the records stopped without an answer (killed, or out of "
            "memory); nothing was published: free some memory and run again"
        ) from None
    return out, clock


def _in_pools(chunks: list[list[str]], options: Options, n: int):
    """The chunks' results in order, POOL_CHUNKS chunks a worker to a pool of `n` fresh workers: a worker's
    memory grew from chunk to chunk (to 3 GB each at 100k cases, not seen when the same chunks run in one
    process), and a fresh pair starts small."""
    from concurrent.futures import ProcessPoolExecutor

    group = n * POOL_CHUNKS
    for start in range(0, len(chunks), group):
        part = chunks[start : start + group]
        with ProcessPoolExecutor(n, initializer=_in_worker) as pool:
            yield from pool.map(process_chunk, part, [options] * len(part))
