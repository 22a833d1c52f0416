"""Reading the site's index (store.py): a node by IRI, an entity's bundle, reverse links, owners.

Each process opens the index itself (a SQLite connection must not cross a fork) and reads blocks with
pread, so forked workers share nothing but the files.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .model import Node
from .store import INDEX


@dataclass
class Bundle:
    """An entity's nodes and what its page looks up about them, read in a few queries."""

    owned: list[str] = field(default_factory=list)  # the nodes it owns, itself included
    nodes: dict[str, Node] = field(default_factory=dict)  # those, and the citations and claims about it
    owners: dict[str, str | None] = field(default_factory=dict)  # node -> its owner (None: no entity)
    refs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # object -> (subject, predicate)


_OWNER = "LEFT JOIN owner ON owner.node = {0} LEFT JOIN entity ON entity.id = owner.e"
_ENTITY = "(SELECT id FROM entity WHERE rank = ?)"  # members and owners are entities' node numbers
_MEMBERS = (
    "SELECT node.iri, node.off, node.len FROM member JOIN node ON node.id = member.node WHERE member.e = "
    + _ENTITY
)
_OWNED = (
    "SELECT node.iri, node.off, node.len, entity.iri FROM member JOIN node ON node.id = member.node "
    + _OWNER.format("member.node")
    + " WHERE member.e = "
    + _ENTITY
)
_REFS = (
    "SELECT node.iri, ref.pred, entity.iri FROM ref JOIN node ON node.id = ref.sid "
    + _OWNER.format("ref.sid")
    + " WHERE ref.obj = ?"
)
_CITING = (  # the citations that point at an entity, and the claims that cite them
    "SELECT c.iri, c.off, c.len, k.iri, r2.pred, k.off, k.len, entity.iri "
    "FROM (SELECT DISTINCT sid FROM ref WHERE obj = ?) AS r1 "
    "JOIN node AS c ON c.id = r1.sid LEFT JOIN ref AS r2 ON r2.obj = c.iri "
    "LEFT JOIN node AS k ON k.id = r2.sid " + _OWNER.format("r2.sid") + " WHERE c.iri >= ? AND c.iri < ?"
)


class Store:
    """Read access to a folder written by store.write_store, opened anew in each process that uses it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._pid = -1
        self._db: sqlite3.Connection | None = None
        self._fds = (-1, -1)
        self._size = 0

    def _open(self) -> sqlite3.Connection:
        if self._pid != os.getpid() or self._db is None:
            db = sqlite3.connect(f"file:{self.folder / INDEX}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(db.execute("SELECT key, value FROM meta"))
            self._fds = (os.open(meta["input"], os.O_RDONLY), os.open(meta["side"], os.O_RDONLY))
            self._size = int(meta["size"])
            self._db, self._pid = db, os.getpid()
        return self._db

    def close(self) -> None:
        """Close this process's connection and files (before a fork, and at the end)."""
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
            for fd in self._fds:
                os.close(fd)
        self._db, self._fds, self._pid = None, (-1, -1), -1

    def _read(self, iri: str, off: int, length: int) -> Node:
        if off < self._size:
            data = os.pread(self._fds[0], length, off)
        else:
            data = os.pread(self._fds[1], length, off - self._size)
        return parse_block(iri, data)

    def node(self, iri: str) -> Node | None:
        """The statements about `iri`, None when it is no subject."""
        row = self._open().execute("SELECT off, len FROM node WHERE iri = ?", (iri,)).fetchone()
        return self._read(iri, *row) if row else None

    def bundle(self, rank: int, iri: str, case: bool = False, citations: str | None = None) -> Bundle:
        """What the page of entity `iri` (of page rank `rank`) reads at once: the nodes it owns with their
        owners (not for a `case`, whose page does not ask), the reverse links to it with the owners of their
        subjects, and, when `citations` is the IRI prefix of citations, the citations among those subjects
        with the claims citing them (a source's page lists them)."""
        db = self._open()
        found = Bundle()
        nodes, owners, refs = found.nodes, found.owners, found.refs
        if case:
            for node, off, length in db.execute(_MEMBERS, (rank,)):
                found.owned.append(node)
                nodes[node] = self._read(node, off, length)
            return found
        for node, off, length, owner in db.execute(_OWNED, (rank,)):
            found.owned.append(node)
            nodes[node] = self._read(node, off, length)
            owners[node] = owner
        mine = refs[iri] = []
        for subj, pred, owner in db.execute(_REFS, (iri,)):
            mine.append((subj, pred))
            owners[subj] = owner
        if citations:
            upper = citations[:-1] + chr(ord(citations[-1]) + 1)
            for cit, off, length, subj, pred, soff, slength, owner in db.execute(
                _CITING, (iri, citations, upper)
            ):
                if cit not in refs:
                    if cit not in nodes:
                        nodes[cit] = self._read(cit, off, length)
                    refs[cit] = []
                if subj is not None:
                    refs[cit].append((subj, pred))
                    owners[subj] = owner
                    if subj not in nodes:
                        nodes[subj] = self._read(subj, soff, slength)
        return found

    def refs(self, obj: str) -> list[tuple[str, str]]:
        """(subject, predicate) of every statement whose object is `obj`, an entity or a citation."""
        return (
            self._open()
            .execute(
                "SELECT node.iri, ref.pred FROM ref JOIN node ON node.id = ref.sid WHERE ref.obj = ?", (obj,)
            )
            .fetchall()
        )

    def owner(self, node: str) -> str | None:
        """The entity that owns `node` (the first in page order), None for a node no entity owns."""
        row = (
            self._open()
            .execute(
                "SELECT entity.iri FROM node JOIN owner ON owner.node = node.id "
                "JOIN entity ON entity.id = owner.e WHERE node.iri = ?",
                (node,),
            )
            .fetchone()
        )
        return row[0] if row else None


def parse_block(iri: str, data: bytes) -> Node:
    """A node from its block: its N-Triples lines in the release's form."""
    props: dict[str, list[str]] = {}
    for line in data.decode("utf-8").split("\n"):
        _, p, o = line[:-2].split(" ", 2)
        p = p[1:-1]
        values = props.get(p)
        if values is None:
            props[p] = [o]
        else:
            values.append(o)
    return Node(iri, props)
