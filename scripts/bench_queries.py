#!/usr/bin/env python3
"""Time the catalogue queries on a built release, and check that two versions of them answer alike.

    python scripts/bench_queries.py --release DIR --records DIR [--only NAME ...] [--compare OLD_QUERIES]

Each query runs as bench.py's `query_p50` runs it: as a question (every parameter set: the first
synthetic case, its person, KZ, that case's outlet, else the parameter's example) and, where it has
optional parameters, as a listing of the whole release (required parameters only). Prints the median
of `--repeats` runs (a run over 5 s is not repeated). A listing in pages (`# page:`) is its first page;
with `--pages` every page runs too and the slowest is reported. With `--compare DIR` the queries of that
folder (same file names, e.g. an older copy of queries/) run too, and the script reports whether both give
the same rows: as a multiset, and in the same order where the query has ORDER BY (a listing in pages: all
its pages joined, against the other version's listing when that one has no pages).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def parameter_values(records: Path) -> dict[str, str]:
    """The values bench.py gives: the first synthetic case (else the first record), its person, KZ, its outlet."""
    files = sorted(records.glob("synth-*.yaml")) or sorted(records.glob("*.yaml"))
    first = files[0].stem
    values = {"case": first, "person": f"{first}-person", "state": "KZ"}
    outlet = re.search(r"^\s*outlet: (.+)$", (records / f"{first}.yaml").read_text(encoding="utf-8"), re.M)
    if outlet:
        values["outlet"] = outlet.group(1).strip().strip("'\"")
    return values


def forms(entry, values: dict[str, str], each: bool = False) -> dict[str, dict[str, str]]:
    """The question (all parameters) and, with optional parameters, the listing (required ones only);
    with `each`, also the required parameters with one optional parameter at a time."""
    given = {p.name: values.get(p.name, p.example) for p in entry.params}
    required = {p.name: given[p.name] for p in entry.params if not p.optional}
    out = {"question": given}
    if any(p.optional for p in entry.params):
        out["listing"] = required
    optional = [p.name for p in entry.params if p.optional]
    if each and len(optional) > 1:
        out.update({f"+{n}": required | {n: given[n]} for n in optional})
    return out


def render_file(path: Path, params: dict[str, str], base: str) -> str:
    from exilegraph.catalogue import bind_params, parse_header
    from exilegraph.sparql_help import declare

    text = path.read_text(encoding="utf-8")
    entry = parse_header(text, path)
    return bind_params(declare(text).text, params, entry, base, path.name)


def every_page(store, path: Path, params: dict[str, str], base: str) -> tuple[float, list[tuple]]:
    """The slowest page's milliseconds and the rows of every page, in order, of a listing in pages (the
    listing's own rows when it has no pages)."""
    from exilegraph.catalogue import page_count_query, parse_header, with_page

    entry = parse_header(path.read_text(encoding="utf-8"), path)
    bound = render_file(path, params, base)
    if entry.page is None:
        return run(store, bound, 1)
    keys = int(next(iter(store.query(page_count_query(bound, entry))))["keys"].value)
    slowest, rows = 0.0, []
    for page in range(1, max(1, -(-keys // entry.page.size)) + 1):
        ms, part = run(store, with_page(bound, entry, page), 1)
        slowest, rows = max(slowest, ms), rows + part
    return slowest, rows


def run(store, text: str, repeats: int) -> tuple[float, list[tuple]]:
    """Median milliseconds over the runs, and the rows of the last run (terms as N-Triples strings)."""
    times, rows = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        result = store.query(text)
        solutions = list(result)  # computed lazily: consume them (as bench.py does)
        times.append((time.perf_counter() - t) * 1000)
        names = result.variables
        rows = [tuple(str(s[v]) if s[v] is not None else None for v in names) for s in solutions]
        if times[-1] > 5000:
            break
    return round(statistics.median(times), 1), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--release", type=Path, required=True)
    ap.add_argument("--records", type=Path, required=True)
    ap.add_argument("--queries", type=Path, default=ROOT / "queries")
    ap.add_argument("--compare", type=Path, help="a folder with other versions of the same queries")
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--form", help="run only this form: question, listing or +PARAM")
    ap.add_argument("--examples", action="store_true", help="give every parameter its example value")
    ap.add_argument("--each", action="store_true", help="also run with each optional parameter alone")
    ap.add_argument("--pages", action="store_true", help="run every page of a listing in pages")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    from exilegraph.catalogue import catalogue
    from exilegraph.release.folder import ReleaseDir

    rel = ReleaseDir(args.release)
    store, base = rel.open_store(), rel.base_iri
    values = {} if args.examples else parameter_values(args.records)
    figures: dict[str, dict[str, float]] = collections.defaultdict(dict)
    problems = 0
    for name, entry in catalogue(args.queries).items():
        if args.only and name not in args.only:
            continue
        for form, params in forms(entry, values, args.each).items():
            if args.form and form != args.form:
                continue
            ms, rows = run(store, render_file(entry.path, params, base), args.repeats)
            figures[form][name] = ms
            line = f"{name:<22} {form:<9} {ms:>10.1f} ms {len(rows):>8} rows"
            paged = form == "listing" and entry.page is not None and (args.pages or args.compare)
            if paged:
                slowest, rows = every_page(store, entry.path, params, base)
                figures["slowest page"][name] = slowest
                line += f" (all pages: {len(rows)} rows, slowest page {slowest:.1f} ms)"
            if args.compare:
                old_path = args.compare / entry.path.name
                if paged:
                    old_ms, old_rows = every_page(store, old_path, params, base)
                else:
                    old_ms, old_rows = run(store, render_file(old_path, params, base), 1)
                ordered = "ORDER BY" in entry.text.upper()
                same_bag = collections.Counter(rows) == collections.Counter(old_rows)
                same_order = not ordered or rows == old_rows
                verdict = "same" if same_bag and same_order else "ORDER DIFFERS" if same_bag else "DIFFERENT"
                problems += verdict != "same"
                line += f"   old {old_ms:>10.1f} ms {len(old_rows):>8} rows  {verdict}"
            print(line, flush=True)
    for form, d in figures.items():
        if d:
            print(f"{form} p50 {statistics.median(d.values()):.1f} ms, max {max(d.values()):.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
