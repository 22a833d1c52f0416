"""The release's triples grouped for pages: by subject, with the nodes each entity owns.

Input is N-Triples lines as the release writes them (one triple a line, IRIs without spaces), so a
line splits on its first two spaces; objects stay N-Triples terms until a page shows them. An entity
(case, person, organisation, source) owns the nodes under the base IRI that it reaches and that are
not entities themselves: a case's events, citations, conflicts, residences, statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import ReleaseError
from .reads import Reads
from .source import split_line

ENTITY_KINDS = ("case", "person", "organisation", "source")
NOT_OWNED = set(ENTITY_KINDS) | {"build", "file", "graph", "software", "commit", "vocab", "schema"}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOCAB = "https://w3id.org/exilegraph/vocab/"

_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Term:
    """One RDF term: an IRI (`iri` set), a blank node (`blank` set) or a literal (`lang` or `datatype`)."""

    value: str
    iri: bool = False
    blank: bool = False
    lang: str | None = None
    datatype: str | None = None


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match) -> str:
        s = m.group(1)
        if s[0] in "uU":
            return chr(int(s[1:], 16))
        return _SIMPLE.get(s, s)

    return _UNESCAPE.sub(one, text)


def term(text: str) -> Term:
    """Read one N-Triples term. Raises ReleaseError for text that is no term."""
    found = _TERMS.get(text)
    if found is None:
        found = _read_term(text)
        if len(_TERMS) >= 50_000:
            _TERMS.clear()
        _TERMS[text] = found
    return found


_TERMS: dict[str, Term] = {}  # dates, places, names and terms repeat from claim to claim: each read once


def _read_term(text: str) -> Term:
    first = text[:1]
    if first == '"' and text[-1] == '"' and "\\" not in text and text.count('"') == 2:
        return Term(text[1:-1])  # the common plain literal, no escapes
    if first == "<" and text.endswith(">"):
        return Term(_unescape(text[1:-1]), iri=True)
    if first == '"':
        end = text.rfind('"')
        tail = text[end + 1 :]
        if end > 0 and (not tail or tail[0] == "@" or (tail.startswith("^^<") and tail.endswith(">"))):
            value = _unescape(text[1:end])
            if not tail:
                return Term(value)
            if tail[0] == "@":
                return Term(value, lang=tail[1:])
            return Term(value, datatype=tail[3:-1])
    if text.startswith("_:"):
        return Term(text[2:], blank=True)
    raise ReleaseError(f"cannot read the N-Triples term {text[:80]!r}")


@dataclass(slots=True)
class Node:
    """The statements about one subject: predicate IRI -> object terms as N-Triples text, sorted."""

    iri: str
    props: dict[str, list[str]] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        """The node's N-Triples lines, made again from its statements (the graph does not keep them)."""
        s = self.iri if self.iri[:1] in ("_", '"') else f"<{self.iri}>"
        return [f"{s} <{p}> {o} ." for p, values in self.props.items() for o in values]

    def all(self, pred: str) -> list[str]:
        return self.props.get(pred, [])

    def first(self, pred: str) -> str | None:
        values = self.props.get(pred)
        return values[0] if values else None

    def types(self) -> list[str]:
        return [v[1:-1] for v in self.props.get(RDF_TYPE, ())]


class Nodes(Protocol):
    """What pages ask of `Graph.nodes`: a dict in memory (read_graph), or a view of a store (view.py)."""

    def get(self, iri: str, default: Node | None = None, /) -> Node | None: ...

    def __getitem__(self, iri: str, /) -> Node: ...

    def __contains__(self, iri: object, /) -> bool: ...


@dataclass
class Graph:
    """Every subject of the release, the entities by kind, and reverse links (object IRI -> subjects).

    Pages use `nodes` and `inverse` only through `get`, `[]` and `in`, so a store on disk can stand in for
    the dicts (view.StoreGraph).
    """

    base: str
    nodes: Nodes
    entities: dict[str, list[str]]  # kind -> sorted entity IRIs
    inverse: dict[str, list[tuple[str, str]]]  # object IRI -> (subject IRI, predicate IRI)
    labels: dict[str, str | None] = field(default_factory=dict)  # filled as pages ask
    _owned: dict[str, list[str]] = field(default_factory=dict)
    reads: Reads = field(default_factory=Reads)  # what pages read (on for a store: view.py)

    def node(self, iri: str) -> Node | None:
        return self.nodes.get(iri)

    def kind(self, iri: str) -> str | None:
        """`case`, `person`, ... for an IRI under the base; None for anything else."""
        if not iri.startswith(self.base):
            return None
        head, sep, _ = iri[len(self.base) :].partition("/")
        return head if sep else None

    def owned(self, iri: str) -> list[str]:
        """The entity and the nodes it owns, in a stable order (the entity first, then by IRI)."""
        if iri in self._owned:
            return self._owned[iri]
        nodes, base = self.nodes, self.base
        n = len(base)
        seen = {iri}
        todo = [iri]
        while todo:
            node = nodes.get(todo.pop())
            if node is None:
                continue
            for values in node.props.values():
                for v in values:
                    first = v[0]
                    if first == "<":
                        target = v[1:-1]
                        if target in seen or target not in nodes:
                            continue
                        # not owned: IRIs outside the base and the base's own kinds (`kind` inlined)
                        if not target.startswith(base):
                            continue
                        head, sep, _ = target[n:].partition("/")
                        if not sep or head in NOT_OWNED:
                            continue
                    elif first == "_" and v.startswith("_:"):
                        target = v
                        if target in seen or target not in nodes:
                            continue
                    else:
                        continue
                    seen.add(target)
                    todo.append(target)
        seen.discard(iri)
        self._owned[iri] = out = [iri, *sorted(seen)]
        return out

    def own_lines(self, iri: str) -> list[str]:
        """The N-Triples lines of an entity and its owned nodes, sorted."""
        return sorted(line for n in self.owned(iri) for line in self.nodes[n].lines)

    def objects(self, iri: str, pred: str) -> list[str]:
        """The objects of one predicate of a node: a page that asks only this does not depend on the node's
        other statements."""
        node = self.nodes.get(iri)
        return node.all(pred) if node is not None else []

    def label(self, iri: str) -> str | None:
        if iri in self.labels:
            self.reads.note("s:" + iri)  # what the label was made from
            return self.labels[iri]
        node = self.nodes.get(iri)
        found = None
        if node is not None:
            for pred in (
                SKOS + "prefLabel",
                RDFS + "label",
                "http://schema.org/name",
                "http://purl.org/dc/terms/title",
            ):
                values = node.all(pred)
                if values:
                    found = _pick_label(values)
                    break
        self.labels[iri] = found
        return found


def _pick_label(values: list[str]) -> str:
    """An English label when there is one, else the first in sorted order."""
    terms = [term(v) for v in sorted(values)]
    for t in terms:
        if t.lang in (None, "en") or (t.lang or "").startswith("en-"):
            return t.value
    return terms[0].value


def read_graph(lines: Iterable[str], base: str) -> Graph:
    """Group N-Triples lines by subject; repeated triples count once. Raises ReleaseError for a line that is
    no triple."""
    nodes: dict[str, Node] = {}
    inverse: dict[str, list[tuple[str, str]]] = {}
    # predicates and object IRIs repeat across the release: one string each instead of one per line
    shared: dict[str, str] = {}
    node = Node("")
    for raw in lines:
        parts = split_line(raw)
        if parts is None:
            continue
        subj, p, rest = parts
        if subj != node.iri:
            node = nodes.get(subj) or nodes.setdefault(subj, Node(subj))
        pred = p[1:-1]
        pred = shared.get(pred) or shared.setdefault(pred, pred)
        values = node.props.get(pred)
        if values is None:
            values = node.props[pred] = []
        if rest[0] == "<":
            rest = shared.get(rest) or shared.setdefault(rest, rest)
            values.append(rest)
            obj = rest[1:-1]
            refs = inverse.get(obj)
            if refs is None:
                refs = inverse[obj] = []
            refs.append((subj, pred))
        else:
            values.append(rest)
    del shared
    entities: dict[str, list[str]] = {k: [] for k in ENTITY_KINDS}
    graph = Graph(base, nodes, entities, inverse)
    for subj in nodes:
        kind = graph.kind(subj)
        if kind in entities:
            entities[kind].append(subj)
    for values in entities.values():
        values.sort()
    for node in nodes.values():  # a set per node, not one for the whole release: far less memory
        for pred, values in node.props.items():
            if len(values) > 1:
                if len(set(values)) != len(values):
                    node.props[pred] = sorted(set(values))
                else:
                    values.sort()
    for obj, refs in inverse.items():
        if len(set(refs)) != len(refs):
            inverse[obj] = sorted(set(refs))
    return graph
