#!/usr/bin/env python3
"""Benchmark the release pipeline on a synthetic corpus, against the naive pipeline.

    python scripts/bench.py --cases 1000 [--no-naive] [--json PATH] [--seed S] [--keep DIR]

Measures, each in a fresh process so that peak memory is its own: the fast release (per stage,
wall time, triples per second, peak RSS); the naive pipeline a Python user would write first
(PyYAML, linkml-runtime's RDF dumper into one rdflib Graph, pySHACL over the whole graph,
rdflib's serializers); validating one changed record with a warm cache, including start-up;
and the partner catalogue queries on the release's store (p50 over repeated runs).
Writes the figures as JSON and prints a short table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def peak_rss_mb(who: int | None = None) -> float:
    """Peak resident memory of this process or (RUSAGE_CHILDREN) of its largest child, or of either."""
    if who is not None:
        return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports KiB
    return max(peak_rss_mb(resource.RUSAGE_SELF), peak_rss_mb(resource.RUSAGE_CHILDREN))


# ---- children: each runs in its own process ---------------------------------------------------
def child_fast(records: Path, out: Path) -> dict:
    from exilegraph.progress import Reporter
    from exilegraph.release import build_release

    rep = Reporter(quiet=True)
    start = time.perf_counter()
    result = build_release([records], out, reporter=rep, use_cache=False)
    took = time.perf_counter() - start
    return {
        "release_s": round(took, 3),
        "triples": result.counts.triples,
        "cases": result.counts.cases,
        "stages": {k: round(v, 3) for k, v in rep.timings.items()},
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_main_mb": peak_rss_mb(resource.RUSAGE_SELF),  # the children: record workers, store loader
        "peak_rss_largest_child_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        "errors": sum(1 for f in result.findings if f.severity == "error"),
    }


def child_naive(records: Path, out: Path) -> dict:
    import types
    import warnings

    import pyshacl
    import rdflib
    import yaml

    warnings.simplefilter("ignore")
    from linkml.generators.pythongen import PythonGenerator
    from linkml_runtime.dumpers.rdflib_dumper import RDFLibDumper
    from linkml_runtime.utils.schemaview import SchemaView

    from exilegraph.provenance import vocabulary_lines
    from exilegraph.shacl import shape_files

    stages: dict[str, float] = {}
    t = time.perf_counter()
    module = types.ModuleType("naive_model")
    sys.modules["naive_model"] = module
    exec(
        compile(PythonGenerator(str(ROOT / "schema" / "exilegraph.yaml")).serialize(), "naive_model", "exec"),
        module.__dict__,
    )
    sv = SchemaView(str(ROOT / "schema" / "exilegraph.yaml"))
    stages["setup"] = time.perf_counter() - t

    t = time.perf_counter()
    docs = [
        yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        for p in sorted(records.glob("*.yaml"))
    ]
    objs = [module.RecordFile(**d) for d in docs]
    stages["read"] = time.perf_counter() - t

    t = time.perf_counter()
    graph = rdflib.Graph()
    dumper = RDFLibDumper()
    for obj in objs:
        graph += dumper.as_rdf_graph(obj, schemaview=sv, prefix_map={"@base": "https://w3id.org/exilegraph/"})
    stages["map"] = time.perf_counter() - t

    t = time.perf_counter()
    graph.parse(data="\n".join(vocabulary_lines()), format="nt")
    shapes = rdflib.Graph()
    for f in shape_files():
        shapes.parse(f, format="turtle")
    pyshacl.validate(graph, shacl_graph=shapes, advanced=True)
    stages["validate"] = time.perf_counter() - t

    out.mkdir(parents=True, exist_ok=True)
    context = json.loads((ROOT / "schema" / "generated" / "exilegraph.context.jsonld").read_text())[
        "@context"
    ]
    for name, fmt, extra in (
        ("turtle", "turtle", {}),
        ("ntriples", "nt", {}),
        ("jsonld", "json-ld", {"context": context}),
    ):
        t = time.perf_counter()
        graph.serialize(out / f"naive.{fmt}", format=fmt, **extra)
        stages[f"write {name}"] = time.perf_counter() - t
    total = sum(stages.values())
    return {
        "naive_s": round(total, 3),
        "naive_triples": len(graph),
        "naive_stages": {k: round(v, 3) for k, v in stages.items()},
        "naive_peak_rss_mb": peak_rss_mb(),
    }


def child_rebuild(records: Path, out: Path) -> dict:
    """A curator's day: warm the caches with one build, then time a rebuild with nothing changed and one
    after a single record changed (the validation cache in use, as the CLI uses it)."""
    from exilegraph.release import build_release

    build_release([records], out)  # warm: not timed
    t = time.perf_counter()
    none = build_release([records], out)
    rebuild_none = time.perf_counter() - t
    victim = sorted(records.glob("synth-*.yaml"))[len(list(records.glob("synth-*.yaml"))) // 2]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(
        text.replace("summary: ", "summary: Revised. ", 1) if "summary: " in text else text + "\n",
        encoding="utf-8",
    )
    try:
        t = time.perf_counter()
        build_release([records], out)
        rebuild_one = time.perf_counter() - t
    finally:
        victim.write_text(text, encoding="utf-8")
    return {
        "rebuild_none_s": round(rebuild_none, 3),
        "rebuild_one_s": round(rebuild_one, 3),
        "rebuild_none_skipped": none.unchanged,
    }


def _tree(pid: int, pss: bool = False) -> list[tuple[str, int]]:
    """Memory (KB) of a process and all its descendants, from /proc (Linux), each named by what it is: the
    measured process ("main"), a forked worker of a process (the same command line as its parent) or a
    command of its own (the store loader, the Turtle writer: `python -m MODULE`).

    The resident set (RSS) by default. A forked worker's RSS counts the pages it still shares with its
    parent, so a sum of RSS counts them twice; with `pss`, each process's proportional set size, which
    divides a shared page between the processes that share it: the sum is the memory they hold together.
    PSS takes a walk of the process's page tables (a few ms), RSS a read of its status."""
    found: list[tuple[str, int]] = []
    todo = [(pid, "main", None)]
    while todo:
        p, name, parent_cmd = todo.pop()
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read()
            if name is None:
                words = cmd.split(b"\0")
                module = words[words.index(b"-m") + 1].decode() if b"-m" in words[:-1] else None
                name = (
                    "forked worker" if cmd == parent_cmd else (module or words[0].decode().rsplit("/", 1)[-1])
                )
            field, source = ("Pss:", "smaps_rollup") if pss else ("VmRSS:", "status")
            with open(f"/proc/{p}/{source}", encoding="ascii") as f:
                found.append((name, next((int(line.split()[1]) for line in f if line.startswith(field)), 0)))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo += [(int(c), None, cmd) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return found


def run_child(kind: str, records: Path, out: Path) -> dict:
    """Run one measurement in a fresh process; samples the memory of its whole process tree (the record
    workers and the store loader included): the sum of their RSS every 20 ms (`peak_rss_total_mb`) and of
    their PSS every 200 ms (`peak_pss_total_mb`, what they hold together: see `_tree`), each with the
    processes that made it up."""
    import threading

    cmd = [sys.executable, __file__, "--child", kind, "--records", str(records), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak: list = [0, []]  # the largest sum of RSS seen, and the processes that made it up
    peak_pss: list = [0, []]  # the same for PSS
    done = threading.Event()

    def sample() -> None:
        n = 0
        while not done.is_set():
            for pss, top in ((False, peak), (True, peak_pss)) if n % 10 == 0 else ((False, peak),):
                parts = _tree(proc.pid, pss)
                total = sum(kb for _, kb in parts)
                if total > top[0]:
                    top[:] = [total, parts]
            n += 1
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"the {kind} pipeline failed:\n{stderr[-3000:]}")
    out_figures = json.loads(stdout.strip().splitlines()[-1])
    if kind == "fast":
        # each with the processes that met at that peak, largest first: "main 436", "forked worker 783", ...
        for key, (total, parts) in (("peak_rss", peak), ("peak_pss", peak_pss)):
            out_figures[f"{key}_total_mb"] = round(total / 1024, 1)
            out_figures[f"{key}_parts"] = [
                f"{n} {round(kb / 1024)}" for n, kb in sorted(parts, key=lambda x: -x[1])
            ]
    return out_figures


# ---- measurements in the parent ----------------------------------------------------------------
def validate_one(records: Path, cache: Path) -> dict:
    """Warm the cache with a full run, change one record, time `exilegraph validate` on the folder."""
    exe = Path(sys.executable).parent / "exilegraph"
    env = dict(os.environ, EXILEGRAPH_CACHE=str(cache))
    t = time.perf_counter()
    subprocess.run([str(exe), "validate", str(records)], env=env, capture_output=True)
    full = time.perf_counter() - t
    victim = sorted(records.glob("*.yaml"))[len(list(records.glob("*.yaml"))) // 2]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(
        text.replace("summary: ", "summary: Revised. ", 1) if "summary: " in text else text + "\n",
        encoding="utf-8",
    )
    t = time.perf_counter()
    proc = subprocess.run([str(exe), "validate", str(records)], env=env, capture_output=True, text=True)
    one = time.perf_counter() - t
    # a contributor's check of the one file they changed, inside the dataset (references resolved against it)
    t = time.perf_counter()
    subprocess.run([str(exe), "validate", str(victim)], env=env, capture_output=True, text=True)
    named = time.perf_counter() - t
    victim.write_text(text, encoding="utf-8")
    return {
        "validate_all_s": round(full, 3),
        "validate_one_s": round(one, 3),
        "validate_file_s": round(named, 3),
        "validate_exit": proc.returncode,
    }


def query_p50(release: Path, records: Path, repeats: int = 5) -> dict:
    """Each catalogue query run on the release's store in this process (the query engine's time, without
    the CLI's worker start-up), in two forms: as a partner's question, every parameter set to a value of
    the corpus (a case, a person, KZ, the examples of the others), and, where it has optional parameters,
    as a listing over the whole release with only the required ones. `query_p50_ms` is over the questions,
    `listing_p50_ms` over the listings; a run over 5 s is not repeated. A listing in pages counts as the
    slowest of its first page, its last page and the count of its pages (`listing_pages`)."""
    from exilegraph.catalogue import catalogue, page_count_query
    from exilegraph.query import render
    from exilegraph.release.folder import ReleaseDir

    first = sorted(records.glob("synth-*.yaml"))[0].stem
    values = {"case": first, "person": f"{first}-person", "state": "KZ"}
    outlet = re.search(r"^\s*outlet: (.+)$", (records / f"{first}.yaml").read_text(encoding="utf-8"), re.M)
    if outlet:
        values["outlet"] = outlet.group(1).strip().strip("'\"")
    store = ReleaseDir(release).open_store()
    base = ReleaseDir(release).base_iri

    def timed(text: str) -> float:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            result = store.query(text)
            if hasattr(result, "__iter__"):
                list(result)  # solutions are computed lazily: consume them
            times.append((time.perf_counter() - t) * 1000)
            if times[-1] > 5000:
                break
        return round(statistics.median(times), 2)

    questions: dict[str, float] = {}
    listings: dict[str, float] = {}
    pages: dict[str, dict] = {}
    for name, entry in sorted(catalogue().items()):
        questions[name] = timed(
            render(name, {p.name: values.get(p.name, p.example) for p in entry.params}, base)
        )
        if any(p.optional for p in entry.params):
            required = {p.name: values[p.name] for p in entry.params if not p.optional}
            listings[name] = timed(render(name, required, base))
            if entry.page is not None:
                # a listing in pages: the last page too (its OFFSET skips all the others' keys) and the
                # count of the pages the CLI runs beside it; the slowest of the three is the listing's figure
                bound = render(name, required, base)
                count = page_count_query(bound, entry)
                keys = int(next(iter(store.query(count)))["keys"].value)
                last = max(1, -(-keys // entry.page.size))
                pages[name] = {
                    "pages": last,
                    "first_ms": listings[name],
                    "last_ms": timed(render(name, required, base, page=last)),
                    "count_ms": timed(count),
                }
                listings[name] = max(pages[name]["first_ms"], pages[name]["last_ms"], pages[name]["count_ms"])

    def p50(d: dict) -> float | None:
        return round(statistics.median(d.values()), 2) if d else None

    return {
        "query_p50_ms": p50(questions),
        "query_max_ms": max(questions.values(), default=None),
        "listing_p50_ms": p50(listings),
        "listing_max_ms": max(listings.values(), default=None),
        "queries": questions,
        "listings": listings,
        "listing_pages": pages,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-naive", action="store_true", help="skip the naive pipeline (it is slow)")
    ap.add_argument("--json", type=Path, default=Path("output/bench.json"))
    ap.add_argument("--keep", type=Path, help="keep the corpus and releases in this folder")
    ap.add_argument(
        "--reuse-corpus",
        action="store_true",
        help="with --keep: use the corpus already in DIR/records (made by an earlier run with these --cases and --seed)",
    )
    ap.add_argument(
        "--skip",
        default="",
        help="comma-separated measurements to leave out: rebuild, validate, queries (a 100k run: release only)",
    )
    ap.add_argument("--child", choices=["fast", "naive", "rebuild"], help=argparse.SUPPRESS)
    ap.add_argument("--records", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        fn = {"fast": child_fast, "naive": child_naive, "rebuild": child_rebuild}[args.child]
        print(json.dumps(fn(args.records, args.out)))
        return

    from exilegraph.synth import generate_corpus

    work = args.keep or Path(tempfile.mkdtemp(prefix="exilegraph-bench-"))
    records = work / "records"
    t = time.perf_counter()
    if not (args.reuse_corpus and args.keep and records.is_dir()):
        generate_corpus(args.cases, records, seed=args.seed)
    elif sum(1 for _ in records.glob("synth-*.yaml")) != args.cases:
        raise SystemExit(f"{records} does not hold a corpus of {args.cases} cases")
    figures: dict = {
        "cases": args.cases,
        "seed": args.seed,
        "synth_s": round(time.perf_counter() - t, 3),
        "cpus": os.cpu_count(),
    }
    figures.update(run_child("fast", records, work / "out"))
    figures["triples_per_s"] = round(figures["triples"] / figures["release_s"])
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if skip - {"rebuild", "validate", "queries"}:
        raise SystemExit(f"--skip takes rebuild, validate, queries; not {', '.join(sorted(skip))}")
    figures["skipped"] = sorted(skip)
    if "rebuild" not in skip:
        figures.update(run_child("rebuild", records, work / "rebuilt"))
    if "validate" not in skip:
        figures.update(validate_one(records, work / "cache"))
    if "queries" not in skip:
        figures.update(query_p50(work / "out" / "exilegraph", records))
    for k in (
        "rebuild_one_s",
        "rebuild_none_s",
        "validate_one_s",
        "query_p50_ms",
        "query_max_ms",
        "listing_max_ms",
    ):
        figures.setdefault(k, None)  # the keys stay, empty for what was skipped
    if not args.no_naive:
        figures.update(run_child("naive", records, work / "naive"))
        figures["speedup"] = round(figures["naive_s"] / figures["release_s"], 1)
    else:
        figures["naive_s"] = None
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_table(figures)
    print(f"\nfigures written to {args.json}")


def print_table(f: dict) -> None:
    rows = [
        ("cases", f["cases"]),
        ("triples", f["triples"]),
        ("release (s)", f["release_s"]),
        ("triples / s", f["triples_per_s"]),
        ("peak RSS (MB)", f["peak_rss_mb"]),
        ("  main process (MB)", f.get("peak_rss_main_mb")),
        ("  largest child (MB)", f.get("peak_rss_largest_child_mb")),
        ("  all processes together (MB)", f.get("peak_rss_total_mb")),
        ("    made of (MB)", ", ".join(f.get("peak_rss_parts") or []) or None),
        ("  all processes together, by PSS (MB)", f.get("peak_pss_total_mb")),
        ("    made of (MB)", ", ".join(f.get("peak_pss_parts") or []) or None),
        ("rebuild, nothing changed (s)", f.get("rebuild_none_s")),
        ("rebuild, one record changed (s)", f.get("rebuild_one_s")),
    ]
    rows += [(f"  {k} (s)", v) for k, v in f["stages"].items()]
    rows += [
        ("validate all, cold (s)", f.get("validate_all_s")),
        ("validate one changed (s)", f.get("validate_one_s")),
        ("validate the changed file alone (s)", f.get("validate_file_s")),
        ("catalogue query p50 (ms)", f.get("query_p50_ms")),
        ("  slowest query (ms)", f.get("query_max_ms")),
        ("listing p50, whole release (ms)", f.get("listing_p50_ms")),
        ("  slowest listing (ms)", f.get("listing_max_ms")),
    ]
    if f.get("naive_s") is not None:
        rows += [
            ("naive pipeline (s)", f["naive_s"]),
            ("naive peak RSS (MB)", f["naive_peak_rss_mb"]),
            ("speed-up", f"{f['speedup']}x"),
        ]
        rows += [(f"  naive {k} (s)", v) for k, v in f["naive_stages"].items()]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
