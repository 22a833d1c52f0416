"""The pages' view of a release written to a Store: the same Graph the page functions read, backed by disk.

Before an entity's page is rendered, `enter` reads the nodes the entity owns in one query; everything else
a page asks for (a linked person's name, a term's label, the citations of a source) is read node by node
and kept in a cache of bounded size. Memory follows the largest entity, not the release.
"""

from __future__ import annotations

from collections import OrderedDict

from .model import NOT_OWNED, Graph, Node
from .reader import Store
from .reads import Reads

NODE_CACHE = 5_000  # nodes read for other entities' pages: terms, countries, persons, sources
LABEL_CACHE = 50_000


class _Nodes:
    """`graph.nodes` over a store: the current entity's nodes, then a cache, then the store."""

    def __init__(self, store: Store, reads: Reads, known: frozenset[str] = frozenset()):
        self.store = store
        self.reads = reads
        self.local: dict[str, Node] = {}
        self.cache: OrderedDict[str, Node | None] = OrderedDict()
        self.known = known  # IRIs known to be subjects without a look-up (the entities, in the main process)

    def get(self, iri: str, default: Node | None = None) -> Node | None:
        self.reads.note("s:" + iri)
        return self.find(iri, default)

    def find(self, iri: str, default: Node | None = None) -> Node | None:
        """`get` without noting the read: for a caller that notes what it uses of the node."""
        node = self.local.get(iri)
        if node is not None:
            return node
        cache = self.cache
        if iri in cache:
            cache.move_to_end(iri)
            node = cache[iri]
        else:
            node = cache[iri] = self.store.node(iri)
            if len(cache) > NODE_CACHE:
                cache.popitem(last=False)
        return default if node is None else node

    def __getitem__(self, iri: str) -> Node:
        node = self.get(iri)
        if node is None:
            raise KeyError(iri)
        return node

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str):
            return False
        self.reads.note("s:" + iri)
        return iri in self.local or iri in self.known or self.find(iri) is not None


class _Inverse:
    """`graph.inverse` over a store: reverse links to entities and citations only (what pages ask for)."""

    def __init__(self, store: Store, reads: Reads):
        self.store = store
        self.reads = reads
        self.local: dict[str, list[tuple[str, str]]] = {}

    def get(self, obj: str, default=()) -> list[tuple[str, str]]:
        self.reads.note("o:" + obj)
        found = self.local.get(obj)
        if found is None:
            found = self.store.refs(obj)
        return found or default


_UNKNOWN = object()


class Owners:
    """The owner map of the pages (owned node -> entity): the current entity's bundle first, then the store."""

    def __init__(self, graph: StoreGraph):
        self.graph = graph

    def get(self, node: str, default: str | None = None) -> str | None:
        graph = self.graph
        found = graph.owners.get(node, _UNKNOWN)
        if found is _UNKNOWN:
            found = graph.store.owner(node) if self._may_be_owned(node) else None
        if graph.reads.on:  # the answer is kept: a rebuild asks the new index the same (memo.py)
            graph.reads.keys.add("w:" + node)
            graph.answers[node] = found  # type: ignore[assignment]
        return default if found is None else found  # type: ignore[return-value]

    def _may_be_owned(self, node: str) -> bool:
        """A blank node or an IRI under the base of a kind entities own: the others are never asked for."""
        base = self.graph.base
        return node.startswith("_:") or (
            node.startswith(base) and node[len(base) :].partition("/")[0] not in NOT_OWNED
        )


class _Labels(dict):
    """Graph.labels with a bound: emptied when full (labels are found again on demand)."""

    def __setitem__(self, key, value) -> None:
        if len(self) >= LABEL_CACHE:
            self.clear()
        super().__setitem__(key, value)


class StoreGraph(Graph):
    """A Graph whose nodes, reverse links and ownership are read from a Store."""

    def __init__(self, store: Store, base: str, entities: dict[str, list[str]] | None = None):
        known = frozenset(i for iris in (entities or {}).values() for i in iris)
        reads = Reads(on=True)
        nodes, inverse = _Nodes(store, reads, known), _Inverse(store, reads)
        super().__init__(base, nodes, entities or {}, inverse, _Labels(), reads=reads)  # type: ignore[arg-type]
        self.store = store
        self.owners: dict[str, str | None] = {}
        self.answers: dict[str, str | None] = {}  # owners asked since the last `take_answers`
        self._citations = f"{base}citation/"

    def objects(self, iri: str, pred: str) -> list[str]:
        self.reads.note(f"p:{iri} {pred}")
        node = self.nodes.find(iri)  # type: ignore[attr-defined]
        return node.all(pred) if node is not None else []

    def enter(self, rank: int, iri: str, kind: str) -> None:
        """Read what the page of entity `iri` (of kind `kind` and page rank `rank`) needs at once; it
        answers first until the next entity."""
        found = self.store.bundle(
            rank, iri, case=kind == "case", citations=self._citations if kind == "source" else None
        )
        self.nodes.local = found.nodes  # type: ignore[attr-defined]
        self.inverse.local = found.refs  # type: ignore[attr-defined]
        self.owners = found.owners
        self._owned.clear()
        self._owned[iri] = [iri, *sorted(n for n in found.owned if n != iri)]
        # what the entity owns depends on its nodes' statements and on whether the nodes they point at
        # have any: a page that uses `owned` has read those
        note = self.reads.note
        for n in found.owned:
            note("s:" + n)
            for values in found.nodes[n].props.values():
                for v in values:
                    if v[0] == "<" and self._ownable(v[1:-1]):
                        note("s:" + v[1:-1])
                    elif v.startswith("_:"):
                        note("s:" + v)

    def _ownable(self, iri: str) -> bool:
        base = self.base
        if not iri.startswith(base):
            return False
        head, sep, _ = iri[len(base) :].partition("/")
        return bool(sep) and head not in NOT_OWNED
