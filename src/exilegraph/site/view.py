"""The pages' view of a release written to a Store: the same Graph the page functions read, backed by disk.

Before an entity's page is rendered, `enter` reads the nodes the entity owns in one query; everything else
a page asks for (a linked person's name, a term's label, the citations of a source) is read node by node
and kept in a cache of bounded size. Memory follows the largest entity, not the release.
"""

from __future__ import annotations

from collections import OrderedDict

from .model import NOT_OWNED, Graph, Node
from .reader import Store

NODE_CACHE = 5_000  # nodes read for other entities' pages: terms, countries, persons, sources
LABEL_CACHE = 50_000


class _Nodes:
    """`graph.nodes` over a store: the current entity's nodes, then a cache, then the store."""

    def __init__(self, store: Store, known: frozenset[str] = frozenset()):
        self.store = store
        self.local: dict[str, Node] = {}
        self.cache: OrderedDict[str, Node | None] = OrderedDict()
        self.known = known  # IRIs known to be subjects without a look-up (the entities, in the main process)

    def get(self, iri: str, default: Node | None = None) -> Node | None:
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
        return isinstance(iri, str) and (iri in self.local or iri in self.known or self.get(iri) is not None)


class _Inverse:
    """`graph.inverse` over a store: reverse links to entities and citations only (what pages ask for)."""

    def __init__(self, store: Store):
        self.store = store
        self.local: dict[str, list[tuple[str, str]]] = {}

    def get(self, obj: str, default=()) -> list[tuple[str, str]]:
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
        found = self.graph.owners.get(node, _UNKNOWN)
        if found is _UNKNOWN:
            found = self.graph.store.owner(node) if self._may_be_owned(node) else None
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
        super().__init__(base, _Nodes(store, known), entities or {}, _Inverse(store), _Labels())  # type: ignore[arg-type]
        self.store = store
        self.owners: dict[str, str | None] = {}
        self._citations = f"{base}citation/"

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
