"""A rebuild made from the previous release in the same folder, when few records changed.

A record's named graph depends only on its own bytes and on what `graph_key` covers (the toolkit and the
options): the build that made it is named once, in the provenance graph. So the graphs of records whose
path and bytes the previous release's provenance lists are that release's, byte for byte, and only the
changed records are read, typed and mapped. The difference between the two releases is then a few named
graphs (the changed records', the provenance graph, any that are gone) and the lines that joined or left
the union; every dump is the previous one's bytes with those records spliced in (splice.py), and the
store the previous one's, patched (store.StorePatcher).

What a rebuild needs of an unchanged record besides its graph comes from the results cache: its verdict and
summary (for the dataset-wide checks and the evidence pages) and a small entry with its graph's names and
content digest (spill.meta_entry). Anything missing, a previous release of another toolkit or options, or
too many changes: the release is built in full (NotPatchable).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..diskcache import ResultCache, digest
from ..errors import NoReleaseError
from ..pipeline import Options, Processed, cached_result, fingerprint
from ..provenance import Input, build_prefixes
from ..rdf.namespaces import PROV, SDO
from ..rdf.terms import parse_literal, split_line
from ..spill import cached_meta
from .folder import ReleaseDir
from .splice import Damaged, Records, mapped, nquads, ntriples
from .store import STORE_DIR
from .sums import SUMS

PATCH_MIN = 200  # changed records a rebuild patches at least; beyond this and a fifth of all, build in full
FILES = ("exilegraph.nt", "exilegraph.nq", "exilegraph.jsonld", "exilegraph.ttl")


class NotPatchable(Exception):
    """The release cannot be made from the previous one; it is built in full."""


def graph_key(base: str, internal: bool) -> str:
    """What every record's graph, the vocabulary and the dumps' layout depend on besides the records."""
    return digest(["graphs", fingerprint(), base, str(internal)])


@dataclass
class Old:
    """The previous release a rebuild is made from."""

    release: ReleaseDir
    base: str
    graphs: dict[tuple[str, str], str]  # (path, sha256) of an input -> its graph, where only one has them
    record_graphs: set[str] = field(default_factory=set)

    def file(self, name: str) -> Path:
        return self.release.path / name

    @property
    def provenance(self) -> str:
        return f"{self.base}graph/provenance"


def previous(target: Path, key: str, base: str) -> Old:
    """The release in `target`, if a rebuild can be made from it. Raises NotPatchable."""
    release = ReleaseDir(target)
    try:
        manifest = release.manifest
    except NoReleaseError:
        raise NotPatchable("no previous release") from None
    if manifest.graph_key != key or manifest.base_iri != base:
        raise NotPatchable("the previous release was made by another toolkit or with other options")
    try:
        written = os.stat(release.path / SUMS).st_mtime_ns
        for name in FILES:
            if os.stat(release.path / name).st_mtime_ns > written:
                raise NotPatchable(f"{name} changed after the previous release was written")
    except OSError:
        raise NotPatchable("the previous release is incomplete") from None
    if not (release.path / STORE_DIR).is_dir():
        raise NotPatchable("the previous release has no store")
    old = Old(release, base, {}, set(manifest.graphs.get("records", [])))
    old.graphs = _inputs(read_graph(old, old.provenance))
    return old


def read_graph(old: Old, graph: str) -> list[str]:
    """The N-Triples lines of one named graph of the previous release's N-Quads dump ([] when absent).
    Raises NotPatchable when the dump is damaged."""
    try:
        with mapped(old.file("exilegraph.nq")) as buf:
            a, b = nquads(buf).run(graph.encode("utf-8"))
            text = bytes(buf[a:b]).decode("utf-8")
    except (OSError, UnicodeDecodeError, Damaged) as exc:
        raise NotPatchable(f"the previous N-Quads dump cannot be read: {exc}") from None
    return quads_to_lines(text, graph)


def quads_to_lines(text: str, graph: str) -> list[str]:
    """N-Quads lines of one graph (text ending in a line break) as N-Triples lines."""
    tail = f" <{graph}> ."
    lines = text.split("\n")[:-1] if text else []
    if not all(line.endswith(tail) for line in lines):
        raise NotPatchable("an N-Quads block holds another graph")
    return [line[: -len(tail)] + " ." for line in lines]


def _inputs(provenance: list[str]) -> dict[tuple[str, str], str]:
    """(path, sha256) -> graph, from the provenance graph's input files (schema:name, schema:sha256) and
    the graphs derived from them; inputs of identical bytes under two names are left out."""
    names: dict[str, list[str]] = {}
    shas: dict[str, str] = {}
    derived: dict[str, str] = {}
    for line in provenance:
        s, p, o = split_line(line)
        if p == SDO + "name" and o.startswith('"'):
            names.setdefault(s, []).append(parse_literal(o).value)
        elif p == SDO + "sha256" and o.startswith('"'):
            shas[s] = parse_literal(o).value
        elif p == PROV + "wasDerivedFrom" and o.startswith("<"):
            derived[s] = o[1:-1]
    out: dict[tuple[str, str], str] = {}
    taken: set[tuple[str, str]] = set()
    for graph, f in derived.items():
        if len(names.get(f, [])) != 1 or f not in shas:
            continue
        key = (names[f][0], shas[f])
        if key in taken:
            out.pop(key, None)
        else:
            taken.add(key)
            out[key] = graph
    return out


def unchanged(old: Old, inputs: list[Input], options: Options, cache: ResultCache) -> dict[str, Processed]:
    """The records (by shown path) the previous release holds with these bytes, as Processed without lines:
    verdict and summary from the cache, graph names and digest from their meta entries."""
    graphs = {i.path: old.graphs[(i.path, i.sha256)] for i in inputs if (i.path, i.sha256) in old.graphs}
    shas = {i.path: i.sha256 for i in inputs}
    keys = {p: (options.cache_key(p, shas[p]), options.meta_key(p, shas[p])) for p in graphs}
    found = cache.get_many([k for pair in keys.values() for k in pair])
    out: dict[str, Processed] = {}
    for path, (verdict_key, meta_key) in keys.items():
        verdict = cached_result(found[verdict_key]) if verdict_key in found else None
        meta = cached_meta(found.get(meta_key), path, shas[path])
        if verdict is None or meta is None or meta[0].graph != graphs[path]:
            continue
        graph, synthetic, content = meta
        out[path] = Processed(
            path, shas[path], verdict[0], graph, verdict[1], synthetic=synthetic, digest=content
        )
    return out


def worth_patching(changed: int, total: int) -> bool:
    return changed <= max(PATCH_MIN, total // 5)


@dataclass
class Changes:
    """What differs between the previous release's graphs and this one's."""

    graphs: dict[str, tuple[list[str], list[str]]]  # changed named graph -> (lines before, lines now)
    gone: list[str]  # named graphs no record makes any more
    added: list[str]  # lines of the union that were not in it, sorted
    removed: list[str]  # lines that left the union, sorted
    joined: list[str]  # lines that joined a changed graph (a superset of `added`)
    left: list[str]  # lines that left a changed graph (a superset of `removed`)


def changes(old: Old, now: dict[str, list[str]], gone: set[str]) -> Changes:
    """The difference, given each changed or new graph's sorted lines and the graphs that are gone.
    Raises NotPatchable when the previous dumps or store cannot be read as expected."""
    graphs: dict[str, tuple[list[str], list[str]]] = {}
    for g in sorted(set(now) | gone):
        before, after = read_graph(old, g), now.get(g, [])
        if before != after:
            graphs[g] = (before, after)
    joined, left, held = set(), set(), set()
    for before, after in graphs.values():
        b, a = set(before), set(after)
        joined |= a - b
        left |= b - a
        held |= a
    try:
        with mapped(old.file("exilegraph.nt")) as buf:
            added = _absent(ntriples(buf), sorted(joined))
    except (OSError, Damaged) as exc:
        raise NotPatchable(f"the previous N-Triples dump cannot be read: {exc}") from None
    # lines about the build are the provenance graph's alone (they are not content: see provenance.py)
    owned = build_prefixes(old.base)
    maybe = sorted(left - held)
    removed = sorted(
        [x for x in maybe if x.startswith(owned)]
        + _not_elsewhere(old, [x for x in maybe if not x.startswith(owned)], set(graphs))
    )
    return Changes(graphs, sorted(gone & set(graphs)), added, removed, sorted(joined), sorted(left))


def _absent(recs: Records, lines: list[str]) -> list[str]:
    """The sorted `lines` that are not in the sorted dump."""
    out, pos = [], recs.start
    for line in lines:
        key = line.encode("utf-8")
        pos = recs.seek(pos, key)
        if pos >= recs.end or recs.key_at(pos) != key:
            out.append(line)
    return out


def _not_elsewhere(old: Old, lines: list[str], changed: set[str]) -> list[str]:
    """The lines (each in the previous union) that no unchanged named graph holds: the previous store says
    which graphs hold each triple, and their blocks which hold this very text. (A look-up costs 0.1-1 ms:
    only the lines of changed records come here, a few hundred each.)"""
    if not lines:
        return []
    import pyoxigraph as ox

    try:
        store = ox.Store.read_only(str(old.file(STORE_DIR)))
        triples = list(ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    except (OSError, SyntaxError, ValueError) as exc:
        raise NotPatchable(f"the previous store cannot be read: {exc}") from None
    if len(triples) != len(lines):
        raise NotPatchable("a line of the union is not one triple")
    skip = changed | {f"{old.base}graph/description"}
    blocks: dict[str, set[str]] = {}
    out = []
    for line, t in zip(lines, triples):
        holders = {
            q.graph_name.value
            for q in store.quads_for_pattern(t.subject, t.predicate, t.object, None)
            if isinstance(q.graph_name, ox.NamedNode)
        } - skip
        for g in holders:
            if g not in blocks:
                blocks[g] = set(read_graph(old, g))
        if not any(line in blocks[g] for g in holders):
            out.append(line)
    del store
    return out
