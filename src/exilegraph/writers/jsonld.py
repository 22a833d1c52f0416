"""JSON-LD compacted with the generated context: one node object per subject, term names as keys.

Written from the sorted triples (pyoxigraph's JSON-LD writer takes no context, and compacting
with pyld is ~9 s per 1k cases). Values are explicit where the context would not give them back
exactly, so that expanding the file with any JSON-LD processor yields the same graph.

In a release the record workers make each record's node objects (`RecordNodes`, handed down to the
pipeline, which caches them with the record's lines) and the writer merges the chunks' sorted runs: the
main process only copies text. A subject two records describe is one node when both made the same object
of it; otherwise the file is made again from the whole dump, which gives the same result.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from ..rdf.dataset import NODE_RUN_SUFFIX, Dataset, SpilledDataset
from ..rdf.namespaces import RDF_TYPE_IRI as RDF_TYPE
from ..rdf.namespaces import XSD_STRING
from ..rdf.terms import split_line, unescape
from ..resources import GENERATED


@cache
def context() -> dict:
    return json.loads((GENERATED / "exilegraph.context.jsonld").read_text(encoding="utf-8"))["@context"]


@cache
def _terms() -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """IRI -> (term, coercion) for simple terms, and prefix -> namespace."""
    ctx = context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@")}
    vocab = ctx.get("@vocab", "")

    def expand(value: str) -> str:
        if "://" in value:
            return value
        pre, sep, local = value.partition(":")
        if sep and pre in prefixes:
            return prefixes[pre] + local
        return vocab + value

    terms: dict[str, tuple[str, str | None]] = {}
    for term, d in sorted(ctx.items()):
        if term.startswith("@") or not isinstance(d, dict) or "@id" not in d or "@context" in d:
            continue
        full = expand(d["@id"])
        coercion = d.get("@type")
        if coercion and coercion not in ("@id",):
            coercion = expand(coercion)
        terms.setdefault(full, (term, coercion))
    return terms, prefixes


def _compact(iri: str, spaces: tuple[dict[str, str], list[tuple[str, str]]]) -> str:
    """`prefix:local` for the first prefix whose namespace the IRI extends by a local name without / or #;
    `spaces` is `_namespaces(prefixes)`."""
    by_ns, others = spaces
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    pre = by_ns.get(iri[:cut]) if 0 < cut < len(iri) else None
    if pre is not None:
        return f"{pre}:{iri[cut:]}"
    # a namespace not ending in / or # is never used: JSON-LD 1.1 would not expand such a compact IRI back
    return iri


def _namespaces(prefixes: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Namespaces ending in / or # by value (the first prefix of each wins, as in a scan), and the rest.
    An IRI can only extend such a namespace by a local name if the namespace ends at its last / or #."""
    by_ns: dict[str, str] = {}
    others = []
    for pre, ns in prefixes.items():
        if ns.endswith(("/", "#")):
            by_ns.setdefault(ns, pre)
        else:
            others.append((pre, ns))
    return by_ns, others


def node_objects(dataset: Dataset | SpilledDataset) -> list[dict]:
    """The node objects, one per subject, in the order of the N-Triples dump."""
    return [node for _, node in _keyed_nodes(dataset.lines())]


def iter_nodes(lines: Iterable[str]) -> Iterator[dict]:
    """Node objects from sorted N-Triples lines, one subject at a time (see _keyed_nodes)."""
    return (node for _, node in _keyed_nodes(lines))


def _keyed_nodes(lines: Iterable[str]) -> Iterator[tuple[str, dict]]:
    """(sort key, node object) from sorted N-Triples lines, made one subject at a time: a subject's lines
    are consecutive in the sorted dump (they share the prefix up to the subject's end), so nothing else is
    held. Subjects come in the dump's order, which for IRIs that extend one another (`case/c1/event/1`
    and `case/c1`) is not the order of the bare IRIs. The key, the line's text up to the end of its
    subject, sorts subjects in that order."""
    terms, prefixes = _terms()
    compact_cache: dict[str, str] = {}
    spaces = _namespaces(prefixes)

    def compact(iri: str) -> str:
        c = compact_cache.get(iri)
        if c is None:
            if len(compact_cache) > 200_000:  # subjects' own IRIs are rarely repeated: bound the memory
                compact_cache.clear()
            c = compact_cache[iri] = _compact(iri, spaces)
        return c

    node: dict | None = None
    key = ""
    for line in lines:
        s, p, o = split_line(line)
        if node is None or node["@id"] != s:
            if node is not None:
                yield key, _single(node)
            node = {"@id": s}
            key = line[: line.index("> ") + 2] if line[0] == "<" else line[: line.index(" ") + 1]
        if p == RDF_TYPE:
            node.setdefault("@type", []).append(compact(o[1:-1]))
            continue
        term, coercion = terms.get(p) or (compact(p), None)
        if o.startswith("_:"):
            value = {"@id": o}
        elif o[0] == "<":
            value = compact(o[1:-1]) if coercion == "@id" else {"@id": o[1:-1]}
        else:
            close = o.rindex('"')
            text, suffix = unescape(o[1:close]), o[close + 1 :]
            if suffix.startswith("@"):
                value = {"@value": text, "@language": suffix[1:]}
            elif not suffix and coercion is None:
                value = text
            else:
                dt = suffix[3:-1] if suffix else XSD_STRING
                value = {"@value": text, "@type": compact(dt)}
        node.setdefault(term, []).append(value)
    if node is not None:
        yield key, _single(node)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class RecordNodes:
    """The node objects of one record's lines, for the record workers (see spill.NodeMaker)."""

    def nodes(self, lines: list[str]) -> list[list[str]]:
        return [[key, _dumps(node)] for key, node in _keyed_nodes(lines)]


def _run(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="\n") as f:
        for key in f:
            yield key[:-1], next(f)


class _Differ(Exception):
    """Two chunks made different node objects of one subject."""


def _merged(dataset: SpilledDataset) -> Iterator[str]:
    """The node objects' text from the workers' runs and the graphs held in memory, in key order.
    Raises _Differ when the same subject has two different objects."""
    mine = ((key, _dumps(node) + "\n") for key, node in _keyed_nodes(dataset.extra.lines()))
    runs = [_run(p) for p in dataset.runs(NODE_RUN_SUFFIX)]
    last_key = last_text = None
    for key, text in heapq.merge(*runs, mine, key=lambda kv: kv[0]):
        if key == last_key:
            if text != last_text:
                raise _Differ
            continue
        if last_text is not None:
            yield last_text
        last_key, last_text = key, text
    if last_text is not None:
        yield last_text


def _single(node: dict) -> dict:
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in node.items()}


def write(dataset: Dataset | SpilledDataset, path: Path) -> None:
    """The context first, then one node object per line: readable, diffable, streamable."""
    if isinstance(dataset, SpilledDataset) and dataset.runs(NODE_RUN_SUFFIX):
        try:
            return _write(path, _merged(dataset))
        except _Differ:
            pass
    _write(path, (_dumps(node) + "\n" for node in iter_nodes(dataset.lines())))


def header() -> str:
    """What the file holds before its first node object."""
    return '{"@context": ' + json.dumps(context(), ensure_ascii=False, indent=1) + ',\n"@graph": [\n'


def _write(path: Path, nodes: Iterator[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(header())
        first = True
        for text in nodes:
            if not first:
                f.write(",\n")
            f.write(text[:-1])
            first = False
        f.write("\n]}\n" if not first else "]}\n")
