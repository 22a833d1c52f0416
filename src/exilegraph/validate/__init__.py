"""Validation in three layers: the schema (per record), SHACL (per record, cached, in parallel),
and checks across the dataset (once). Findings are data; see findings.py.

The per-record work (read, type, map, SHACL) runs in worker processes in chunks; the release
uses the same path, so a record is read and mapped once whether it is validated or published.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordError
from ..findings import Finding, ordered
from ..gcpause import paused_gc
from ..mapper import Mapper, RecordGraph
from ..readers import display_path, find_record_files, read_file
from ..records import Record, sha256_bytes, type_record
from ..resources import DEFAULT_BASE_IRI
from .cache import Cache
from .dataset_checks import check_dataset, summarise
from .shacl_layer import is_reference, run_engine, to_findings

PARALLEL_FROM = 200  # below this many records, worker processes cost more than they save


@dataclass
class Processed:
    """What the later stages need of one record file, as computed by a worker."""

    path: str
    sha256: str
    findings: list[Finding] = field(default_factory=list)
    graph: RecordGraph | None = None
    summary: dict | None = None
    synthetic: bool = False

    @property
    def ok(self) -> bool:
        return self.graph is not None


@dataclass(frozen=True)
class Options:
    base: str = DEFAULT_BASE_IRI
    internal: bool = False
    build_iri: str | None = None
    use_cache: bool = True
    cache_dir: str | None = None

    def cache_key(self, path: str, sha256: str) -> str:
        return Cache.key(f"{path}|{self.base}|{int(self.internal)}", sha256)


def _jobs(jobs: int | None) -> int:
    return max(1, jobs or min(4, os.cpu_count() or 1))


def load_one(path: Path) -> tuple[Record | None, list[Finding]]:
    try:
        return type_record(read_file(path))
    except RecordError as exc:
        return None, exc.findings


def shacl_findings(records: list[Record], graphs: list[RecordGraph], base: str = DEFAULT_BASE_IRI) -> list[list[Finding]]:
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
    for v in run_engine(sorted(lines)):
        found_in = owners.get(v.focus, [0])
        if is_reference(v, base) or (len(found_in) > 1 and v.component == "MaxCountConstraintComponent"):
            continue  # judged once across the dataset (undefined-reference, source-described-differently)
        for i in found_in:
            per[i].append(v)
    return [to_findings(vs, r, g) for vs, r, g in zip(per, records, graphs)]


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
    mapper = Mapper(options.base, internal=options.internal, build_iri=options.build_iri)
    cache = Cache(Path(options.cache_dir) if options.cache_dir else None, enabled=options.use_cache)
    out: list[Processed] = []
    todo: list[tuple[Processed, Record, str]] = []
    loaded = []
    for p in paths:
        t0 = time.perf_counter()
        record, found = load_one(Path(p))
        t1 = time.perf_counter()
        clock["read"] += t1 - t0
        if record is None:
            out.append(Processed(display_path(Path(p)), "", found))
            continue
        item = Processed(record.path, record.sha256, found, mapper.map(record), synthetic=bool(record.model.synthetic))
        clock["map"] += time.perf_counter() - t1
        loaded.append((item, record, options.cache_key(record.path, record.sha256)))
        out.append(item)
    t0 = time.perf_counter()
    cached = cache.get_many([k for _, _, k in loaded])
    for item, record, key in loaded:
        hit = cached.get(key)
        if hit:
            item.findings = [Finding(*t) for t in hit["findings"]]
            item.summary = hit["summary"]
        else:
            todo.append((item, record, key))
    if todo:
        fresh = {}
        for batch in _batches(todo):
            layer2 = shacl_findings([r for _, r, _ in batch], [i.graph for i, _, _ in batch], options.base)
            for (item, record, key), extra in zip(batch, layer2):
                item.findings = item.findings + extra
                item.summary = summarise(record, item.graph)
                fresh[key] = {"findings": [f.as_tuple() for f in item.findings], "summary": item.summary}
        cache.put_many(fresh)
    clock["validate"] += time.perf_counter() - t0
    return out, clock


def _in_worker() -> None:
    """Each worker process has a core: the SHACL engine runs its queries on one thread there."""
    from . import shacl_layer

    shacl_layer.ENGINE_THREADS = 1


def process_files(files: list[Path], options: Options, jobs: int | None = None,
                  reporter=None) -> tuple[list[Processed], dict[str, float]]:
    """process_chunk over all files, in worker processes when there are many; results in file order,
    with the CPU seconds spent per stage summed over the workers."""
    paths = [str(f) for f in files]
    n = _jobs(jobs)
    if len(paths) < PARALLEL_FROM or n == 1:
        return process_chunk(paths, options)
    size = max(50, -(-len(paths) // (n * 8)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    out: list[Processed] = []
    clock: dict[str, float] = {}
    with ProcessPoolExecutor(n, initializer=_in_worker) as pool:
        results = pool.map(process_chunk, chunks, [options] * len(chunks))
        if reporter is not None:
            results = reporter.iterate(results, "records", len(chunks))
        for part, spent in results:
            out.extend(part)
            for k, v in spent.items():
                clock[k] = clock.get(k, 0.0) + v
    return out, clock


def validate_paths(paths: list[Path], *, use_cache: bool = True, jobs: int | None = None) -> list[Finding]:
    """All three layers over the record files under `paths`; unchanged records are not even parsed."""
    files = find_record_files(paths)
    options = Options(use_cache=use_cache)
    cache = Cache(enabled=use_cache)
    keys: dict[str, str] = {}
    for f in files:
        try:
            keys[str(f)] = options.cache_key(display_path(f), sha256_bytes(f.read_bytes()))
        except OSError:
            keys[str(f)] = ""
    cached = cache.get_many([k for k in keys.values() if k])
    entries = [cached[k] for k in keys.values() if k in cached]
    findings = [Finding(*t) for e in entries for t in e["findings"]]
    summaries = [e["summary"] for e in entries if e["summary"]]
    missing = [Path(p) for p, k in keys.items() if k not in cached]
    for item in process_files(missing, options, jobs)[0]:
        findings += item.findings
        if item.summary:
            summaries.append(item.summary)
    findings += check_dataset(summaries)
    return ordered(findings)
