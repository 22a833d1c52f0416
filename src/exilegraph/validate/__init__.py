"""Validation in three layers: the schema (per record), SHACL (per record, cached, in parallel),
and checks across the dataset (once). Findings are data; see findings.py."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..errors import RecordError
from ..findings import ERROR, Finding
from ..mapper import Mapper, RecordGraph
from ..readers import display_path, find_record_files, read_file
from ..records import Record, sha256_bytes, type_record
from ..resources import DEFAULT_BASE_IRI
from .cache import Cache
from .dataset_checks import check_dataset, summarise
from .shacl_layer import is_reference, run_engine, to_findings

PARALLEL_FROM = 200  # below this many records, worker processes cost more than they save


def _jobs(jobs: int | None) -> int:
    return max(1, jobs or min(4, os.cpu_count() or 1))


def load_one(path: Path) -> tuple[Record | None, list[Finding]]:
    try:
        return type_record(read_file(path))
    except RecordError as exc:
        return None, exc.findings


def load_records(paths: list[Path], jobs: int | None = None) -> tuple[list[Record], list[Finding]]:
    """Layer 1 on every record file: (typed records, findings)."""
    records, findings = [], []
    for f in find_record_files(paths):
        record, found = load_one(f)
        findings += found
        if record is not None:
            records.append(record)
    return records, findings


def shacl_findings(records: list[Record], graphs: list[RecordGraph], base: str = DEFAULT_BASE_IRI) -> list[list[Finding]]:
    """Layer 2 for a batch of records, run as one engine call; findings attributed to each record."""
    owner: dict[str, int] = {}
    lines: set[str] = set()
    for i, g in enumerate(graphs):
        lines.update(g.lines)
        for node in g.paths:
            owner.setdefault(node, i)
    shared = {n for n, i in owner.items() if sum(n in g.paths for g in graphs) > 1} if len(graphs) > 1 else set()
    per: list[list] = [[] for _ in graphs]
    for v in run_engine(sorted(lines)):
        if is_reference(v, base) or (v.focus in shared and v.component == "MaxCountConstraintComponent"):
            continue  # judged once across the dataset (undefined-reference, source-described-differently)
        per[owner.get(v.focus, 0)].append(v)
    return [to_findings(vs, r, g) for vs, r, g in zip(per, records, graphs)]


def _validate_files(paths: list[str]) -> list[tuple[str, dict]]:
    """Layers 1 and 2 on files not in the cache (runs in worker processes): (path, cache entry)."""
    mapper = Mapper(DEFAULT_BASE_IRI)
    out, ok = [], []
    for p in paths:
        record, found = load_one(Path(p))
        if record is None:
            out.append((p, {"findings": [f.as_dict() for f in found], "summary": None}))
        else:
            ok.append((p, record, mapper.map(record), found))
    if ok:
        layer2 = shacl_findings([r for _, r, _, _ in ok], [g for _, _, g, _ in ok])
        for (p, record, graph, found), extra in zip(ok, layer2):
            out.append((p, {"findings": [f.as_dict() for f in found + extra], "summary": summarise(record, graph),
                            "sha256": record.sha256}))
    return out


def validate_paths(paths: list[Path], *, use_cache: bool = True, jobs: int | None = None) -> list[Finding]:
    """All three layers over the record files under `paths`; unchanged records come from the cache."""
    files = find_record_files(paths)
    cache = Cache(enabled=use_cache)
    keys = {}
    for f in files:  # keys use the path as findings show it, as the release's check does
        try:
            keys[str(f)] = Cache.key(display_path(f), sha256_bytes(f.read_bytes()))
        except OSError:
            keys[str(f)] = ""
    cached = cache.get_many([k for k in keys.values() if k])
    entries = {p: cached[k] for p, k in keys.items() if k in cached}
    missing = [p for p in keys if p not in entries]
    fresh = _run_missing(missing, _jobs(jobs))
    cache.put_many({keys[p]: e for p, e in fresh if keys[p]})
    entries.update(fresh)
    findings = [Finding.from_dict(d) for e in entries.values() for d in e["findings"]]
    findings += check_dataset([e["summary"] for e in entries.values() if e["summary"]])
    return sorted(set(findings))


def _run_missing(missing: list[str], jobs: int) -> list[tuple[str, dict]]:
    if len(missing) < PARALLEL_FROM or jobs == 1:
        return _validate_files(missing) if missing else []
    size = -(-len(missing) // (jobs * 4))
    chunks = [missing[i:i + size] for i in range(0, len(missing), size)]
    with ProcessPoolExecutor(jobs) as pool:
        return [item for part in pool.map(_validate_files, chunks) for item in part]


def check_records(records: list[Record], graphs: list[RecordGraph], *, jobs: int | None = None,
                  use_cache: bool = True, base: str = DEFAULT_BASE_IRI) -> list[Finding]:
    """Layers 2 and 3 for records already typed and mapped (the release's path)."""
    cache = Cache(enabled=use_cache)
    keys = [Cache.key(r.path, r.sha256) for r in records]
    cached = cache.get_many(keys)
    findings: list[Finding] = []
    todo = [i for i, k in enumerate(keys) if k not in cached]
    for i, k in enumerate(keys):
        if k in cached:
            findings += [Finding.from_dict(d) for d in cached[k]["findings"]]
    fresh = {}
    if todo:
        layer2 = shacl_findings([records[i] for i in todo], [graphs[i] for i in todo], base)
        for i, found in zip(todo, layer2):
            findings += found
            layer1 = [f for f in records[i].raw.findings]
            fresh[keys[i]] = {"findings": [f.as_dict() for f in layer1 + found],
                              "summary": summarise(records[i], graphs[i]), "sha256": records[i].sha256}
    cache.put_many(fresh)
    findings += check_dataset([summarise(r, g) for r, g in zip(records, graphs)])
    return sorted(set(findings))  # the caller merges these with load_records' findings (duplicates collapse)
