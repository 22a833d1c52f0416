"""Embedded SPARQL: run a query on a release's store, with parameters, a time limit and readable output.

A query is SPARQL text, a path to a .rq file, or the name of a catalogue query (see catalogue.py for
the catalogue's header format and how parameters are bound). The same bound text runs unchanged on
a server (`render`).

The query runs in a worker process (`python -m exilegraph.query --worker`) that is killed when the time
limit passes: pyoxigraph's Python API cannot interrupt a query; an engine crash there is one error, not
the end of `exilegraph query`. The text is checked first (sparqlguard.py: size, nesting) and ORDER BY
runs as totally ordered keys, as on `exilegraph serve`. The store's default graph holds the union
of the release's named graphs, de-duplicated (see store.py): a query without GRAPH sees every triple once,
and GRAPH ?g finds the record that states it.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .catalogue import (
    CatalogueQuery,
    bind_params,
    check_syntax,
    page_count_query,
    parse_params,
    resolve,
    with_page,
)
from .errors import QueryError
from .release.folder import ReleaseDir
from .resources import DEFAULT_BASE_IRI, schema_index
from .server.formats import write_csv
from .server.worker import describe_crash
from .sparql_help import check, declare, standard_prefixes, vocabulary_warnings
from .sparqlguard import check_query, order_rewrite

DEFAULT_RELEASE = Path("output") / "exilegraph"
FORMATS = ("table", "csv", "tsv", "json")
MAX_CELL = 50  # characters of a table cell; csv, tsv and json give full values


@dataclass
class QueryResult:
    """What a query returned: `kind` is select, ask or graph; `payload` SPARQL JSON results or N-Triples."""

    kind: str
    payload: bytes
    base: str = DEFAULT_BASE_IRI

    def _solutions(self):
        return ox.parse_query_results(self.payload, format=ox.QueryResultsFormat.JSON)

    @property
    def variables(self) -> list[str]:
        return [v.value for v in self._solutions().variables] if self.kind == "select" else []

    def rows(self) -> list[tuple]:
        """Solutions as tuples of pyoxigraph terms (None where unbound), in the query's order."""
        if self.kind != "select":
            return []
        sols = self._solutions()
        names = sols.variables
        return [tuple(s[v] for v in names) for s in sols]

    def values(self) -> list[dict[str, str | None]]:
        """Solutions as {variable: lexical value or IRI string, None where unbound}."""
        names = self.variables
        return [{n: (t.value if t is not None else None) for n, t in zip(names, row)} for row in self.rows()]

    @property
    def boolean(self) -> bool | None:
        return bool(self._solutions()) if self.kind == "ask" else None

    def triples(self) -> list[ox.Triple]:
        """The graph of a CONSTRUCT or DESCRIBE, without repeats, sorted."""
        if self.kind != "graph":
            return []
        return sorted({q.triple for q in ox.parse(self.payload, format=ox.RdfFormat.N_TRIPLES)}, key=str)


def execute(
    release: Path | ReleaseDir, text: str, timeout: float | None = 30.0, isolated: bool = False
) -> QueryResult:
    """Run an already bound query on the release's store; in a worker process when there is a time limit.

    Raises NoReleaseError without a release there, QueryError when the query fails or runs too long.
    With `isolated` (or a time limit) it runs in a worker process, so an engine crash is a QueryError."""
    rel = release if isinstance(release, ReleaseDir) else ReleaseDir(release)
    folder = rel.require(store=True).store_path
    check_query(text)
    rewritten = order_rewrite(text)  # the engine cannot order mixed values: see sparqlguard.py
    if rewritten is not None:
        try:
            check_syntax(rewritten)
            text = rewritten
        except QueryError:
            pass  # the rewrite misread an unusual ORDER BY: run the text as given
    base = rel.base_iri
    if not timeout and not isolated:
        try:
            kind, payload = _evaluate(str(folder), text)
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"the query failed on the store at {folder}: {exc}") from None
        return QueryResult(kind, payload, base)
    try:
        kind, payload = _in_worker(folder, text, timeout)
    except _EngineCrash as crash:
        raise QueryError(f"the query engine crashed on this query ({crash})") from None
    return QueryResult(kind, payload, base)


class _EngineCrash(Exception):
    pass


def _in_worker(folder: Path, text: str, timeout: float | None) -> tuple[str, bytes]:
    env = dict(os.environ, RUST_BACKTRACE="0")
    src = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "exilegraph.query", "--worker"],
            capture_output=True,
            env=env,
            input=json.dumps({"store": str(folder), "query": text}).encode("utf-8"),
            timeout=timeout or None,
        )
    except subprocess.TimeoutExpired:
        raise QueryError(
            f"the query ran for more than {timeout:g} s and was stopped; narrow it down "
            "(more specific patterns, LIMIT) or allow more time with --timeout"
        ) from None
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode == 2:  # the worker's own error: its message is the last line
        lines = stderr.strip().splitlines()
        raise QueryError(f"the query failed: {lines[-1] if lines else 'worker exit status 2'}")
    if done.returncode != 0:
        raise _EngineCrash(describe_crash(stderr, done.returncode))
    kind, _, payload = done.stdout.partition(b"\n")
    return kind.decode(), payload


def _evaluate(store_dir: str, text: str) -> tuple[str, bytes]:
    """Run one query on the store, returning (kind, payload). The worker process calls this."""
    store = ox.Store.read_only(store_dir)
    result = store.query(text)
    if isinstance(result, ox.QueryTriples):
        return "graph", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
    kind = "ask" if isinstance(result, ox.QueryBoolean) else "select"
    return kind, result.serialize(format=ox.QueryResultsFormat.JSON)


def run_query(
    query_or_file: str,
    release: Path = DEFAULT_RELEASE,
    params: dict[str, str] | None = None,
    timeout: float | None = 30.0,
    isolated: bool = False,
    warn=None,
) -> QueryResult:
    """Resolve, check, bind and run a query (SPARQL text, a .rq file or a catalogue name) on a release.

    The standard prefixes (sparql_help.standard_prefixes) need no declaration; `warn`, when given, receives
    one message per term of our namespace the vocabulary does not define.
    Example: ``run_query("cases-by-state", Path("output/exilegraph"), {"state": "KZ"}).values()``.
    Raises QueryError for a syntax error, an unknown query or parameter, a failure or time-out, and
    NoReleaseError when there is no release (or store) at `release`."""
    text = render(query_or_file, params, ReleaseDir(release).base_iri, warn)
    return execute(release, text, timeout, isolated)


def render(
    query_or_file: str,
    params: dict[str, str] | None = None,
    base: str = DEFAULT_BASE_IRI,
    warn=None,
    page: int | None = None,
) -> str:
    """The final text of a query, with the standard prefixes it lacks declared and its parameters bound, ready
    to send to any SPARQL endpoint; for a catalogue query that comes in pages, page `page` (the first when
    None). Raises QueryError."""
    return _render(query_or_file, params, base, warn, page)[0]


def _render(
    query_or_file: str, params: dict[str, str] | None, base: str, warn, page: int | None
) -> tuple[str, CatalogueQuery | None, str]:
    text, entry, label = resolve(query_or_file)
    check_query(text)  # a query nested thousands deep would crash the parser below
    declared = declare(text)
    check(declared, label)
    if warn is not None:
        for message in vocabulary_warnings(text):
            warn(message)
    bound = bind_params(declared.text, params or {}, entry, base, label)
    if page is not None and (entry is None or entry.page is None):
        raise QueryError(f"{label} does not come in pages; leave out --page")
    if entry is not None and entry.page is not None:
        return with_page(bound, entry, page or 1), entry, bound
    return bound, entry, bound


def run(
    query_or_file: str,
    release: Path,
    fmt: str = "table",
    params: list[str] | tuple[str, ...] = (),
    timeout: float | None = 30.0,
    warn=None,
    page: int | None = None,
    note=None,
) -> str:
    """`exilegraph query`: the result in the requested format, as text; warnings go to `warn`. For a
    catalogue query in pages, page `page` (default the first), and `note` receives which page of how many
    it was and how to ask for the next."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    rel = ReleaseDir(release)
    text, entry, bound = _render(query_or_file, parse_params(params), rel.base_iri, warn, page)
    result = execute(release, text, timeout, isolated=True)
    if entry is not None and entry.page is not None and note is not None and result.kind == "select":
        note(page_note(release, entry, bound, page or 1, timeout))
    return format_result(result, fmt)


def page_note(release: Path, entry: CatalogueQuery, bound: str, page: int, timeout: float | None) -> str:
    """Which page of how many a paged catalogue query answered, and the option for the next one.

    Raises QueryError when counting the pages fails or runs too long."""
    assert entry.page is not None
    counted = execute(release, page_count_query(bound, entry), timeout, isolated=True).values()
    keys = int(counted[0]["keys"] or 0) if counted else 0
    pages = max(1, -(-keys // entry.page.size))
    what = f"{entry.page.size} {entry.page.unit} a page"
    if page > pages:
        return f"page {page} is past the last page ({pages}; {what})"
    nxt = f"; the next: --page {page + 1}" if page < pages else ""
    return f"page {page} of {pages} ({what}){nxt}"


# ---- output ----------------------------------------------------------------------------------------
def format_result(result: QueryResult, fmt: str = "table") -> str:
    """SELECT and ASK: an aligned table, or SPARQL 1.1 CSV, TSV or JSON results. CONSTRUCT and DESCRIBE:
    Turtle for table, N-Triples for csv and tsv, JSON-LD (expanded, no context) for json."""
    if result.kind == "graph":
        triples = result.triples()
        rdf = {
            "json": ox.RdfFormat.JSON_LD,
            "csv": ox.RdfFormat.N_TRIPLES,
            "tsv": ox.RdfFormat.N_TRIPLES,
        }.get(fmt, ox.RdfFormat.TURTLE)
        prefixes = _prefixes() if rdf == ox.RdfFormat.TURTLE else None
        out = (ox.serialize(triples, format=rdf, prefixes=prefixes) or b"").decode("utf-8")
        return out if out.endswith("\n") or not out else out + "\n"
    if fmt == "json":
        return result.payload.decode("utf-8") + "\n"
    if fmt == "csv" and result.kind == "select":  # RFC 4180: Oxigraph leaves IRIs with commas unquoted
        out = io.BytesIO()
        write_csv(result._solutions(), out)
        return out.getvalue().decode("utf-8")
    if fmt in ("csv", "tsv"):
        form = ox.QueryResultsFormat.CSV if fmt == "csv" else ox.QueryResultsFormat.TSV
        out = result._solutions().serialize(format=form).decode("utf-8")
        return out if out.endswith("\n") else out + "\n"
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    return table(result)


def table(result: QueryResult) -> str:
    """Aligned columns for people: IRIs shortened (base-relative or prefixed), long values cut with '…'."""
    names = result.variables
    prefixes = sorted(((ns, p) for p, ns in _prefixes().items()), key=lambda x: -len(x[0]))
    rows = [[_cell(t, result.base, prefixes) for t in row] for row in result.rows()]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(out) + "\n"


def _cell(term, base: str, prefixes: list[tuple[str, str]]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        v = term.value
        if v.startswith(base):
            return v[len(base) :]
        for ns, p in prefixes:
            if v.startswith(ns) and re.match(r"^[\w.-]*$", v[len(ns) :]):
                return f"{p}:{v[len(ns) :]}"
        return f"<{v}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    text = " ".join(str(term.value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _prefixes() -> dict[str, str]:
    out = {k: v for k, v in schema_index()["prefixes"].items() if k != "linkml"}
    return out | standard_prefixes()


def _worker() -> int:
    """`python -m exilegraph.query --worker`: read {store, query} as JSON on stdin, write kind + payload."""
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    try:
        kind, payload = _evaluate(job["store"], job["query"])
    except (OSError, SyntaxError, RuntimeError, ValueError, MemoryError, QueryError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    sys.stdout.buffer.write(kind.encode() + b"\n" + payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover - the worker process
    if sys.argv[1:] == ["--worker"]:
        sys.exit(_worker())
    sys.exit("usage: python -m exilegraph.query --worker  (internal: runs one query for `exilegraph query`)")
