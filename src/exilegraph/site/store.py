"""The release's triples indexed on disk for the site, so that no process holds the whole graph.

The input is an N-Triples file in the release's form (sorted, each line once, one space apart: the
release's exilegraph.nt, or what source.py tidied), so each subject's lines are one block of the file.
One pass over it, a few megabytes at a time and mostly in regular expressions, fills a SQLite index in
the work folder:

- `node`: each subject numbered, with where its block is (in the input, or in a side file for the
  subjects the vocabulary file adds statements to);
- `link`/`edge`: subject -> the nodes it may own (IRIs under the base of a kind that is owned, blank
  nodes), see model.py for what an entity owns;
- `ref`: reverse links to entities and citations (object, subject, predicate), for "referred to by" and
  "claims citing this source";
- `dangle`: the links to IRIs that are no subject (a rebuild that makes one a subject turns them into edges);
- `entity`: every case, person, organisation and source numbered in page order (kind, then IRI);
- `member`: entity -> the nodes it owns, itself included (a recursive query over `edge`); `owner`: owned
  node -> the first entity in page order that owns it. Both name the entity by its node number, not its
  rank, so that an entity that joins or leaves renumbers only `entity` (indexpatch.py);
- `term`: how many lines use each vocabulary term as a class, a value, a property.

What stays in memory is small: the entities by kind and the vocabulary terms with their uses.
"""

from __future__ import annotations

import codecs
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReleaseError
from .model import ENTITY_KINDS, NOT_OWNED, RDF_TYPE, VOCAB
from .source import Untidy

INDEX = "index.sqlite"
SIDE = "side.nt"  # blocks of the subjects the vocabulary file adds to
FORMAT = "2"  # of the index: a rebuild patches only an index of this format
REF_KINDS = frozenset(ENTITY_KINDS) | {"citation"}  # the objects whose reverse links pages show
CHUNK = 1 << 23  # bytes read at a time
_BATCH = 50_000
_TYPE = f"<{RDF_TYPE}>".encode()
_REF_KINDS = frozenset(k.encode() for k in REF_KINDS)
_NOT_OWNED = frozenset(k.encode() for k in NOT_OWNED)
_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE node (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL);
CREATE TABLE link (src INTEGER NOT NULL, dst TEXT NOT NULL);
CREATE TABLE ref (obj TEXT NOT NULL, sid INTEGER NOT NULL, pred TEXT NOT NULL);
CREATE TABLE entity (rank INTEGER PRIMARY KEY, kind TEXT NOT NULL, iri TEXT NOT NULL, id INTEGER);
CREATE TABLE term (iri TEXT NOT NULL, use TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (iri, use));
"""
# indexes once the rows are in (faster than keeping them up to date); nodes by number from then on
_INDEXES = """
CREATE INDEX node_iri ON node (iri, off, len);
CREATE INDEX ref_obj ON ref (obj, sid, pred);
UPDATE entity SET id = (SELECT node.id FROM node WHERE node.iri = entity.iri);
CREATE INDEX entity_id ON entity (id);
CREATE TABLE edge (src INTEGER NOT NULL, dst INTEGER NOT NULL, PRIMARY KEY (src, dst)) WITHOUT ROWID;
INSERT OR IGNORE INTO edge SELECT link.src, node.id FROM link JOIN node ON node.iri = link.dst;
CREATE TABLE dangle (src INTEGER NOT NULL, dst TEXT NOT NULL, PRIMARY KEY (dst, src)) WITHOUT ROWID;
INSERT OR IGNORE INTO dangle SELECT link.src, link.dst FROM link LEFT JOIN node ON node.iri = link.dst
WHERE node.id IS NULL;
DROP TABLE link;
CREATE TABLE member (e INTEGER NOT NULL, node INTEGER NOT NULL, PRIMARY KEY (e, node)) WITHOUT ROWID;
INSERT INTO member
WITH RECURSIVE reach(e, n) AS (
    SELECT id, id FROM entity
    UNION SELECT reach.e, edge.dst FROM reach JOIN edge ON edge.src = reach.n
)
SELECT e, n FROM reach;
CREATE TABLE owner (node INTEGER PRIMARY KEY, e INTEGER NOT NULL);
INSERT OR IGNORE INTO owner
SELECT member.node, member.e FROM member JOIN entity ON entity.id = member.e
WHERE member.node != entity.id ORDER BY entity.rank;
"""


@dataclass(frozen=True)
class Summary:
    """What the site keeps in memory from the pass: small next to the graph."""

    entities: dict[str, list[str]]  # kind -> sorted IRIs
    terms: dict[str, list[str]]  # vocabulary term -> how the release uses it ("class", "property", "value")
    builds: list[str]  # the builds the provenance graph describes, sorted

    def items(self) -> list[tuple[int, str, str]]:
        """(rank, kind, IRI) of every entity, in page order: cases first, then by IRI."""
        out = []
        for kind in ENTITY_KINDS:
            for iri in self.entities[kind]:
                out.append((len(out), kind, iri))
        return out


def write_store(nt: Path, extra: list[str], folder: Path, base: str) -> Summary:
    """Index the N-Triples file `nt` and the lines `extra` (in the release's form, sorted: source.tidy_lines)
    into `folder`.

    Raises source.Untidy when `nt` is not in the release's form (nothing in `folder` is then of use), and
    ReleaseError when it cannot be read or the index cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in (INDEX, SIDE):
        (folder / name).unlink(missing_ok=True)
    try:
        db = sqlite3.connect(folder / INDEX, isolation_level=None)
        try:
            db.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY; "
                "PRAGMA cache_size=-65536;"
            )
            db.executescript(_TABLES)
            db.execute("BEGIN")
            with open(folder / SIDE, "wb") as side:
                summary = RowPass(base, db, side).run(nt, extra)
            db.executemany("INSERT INTO entity (rank, kind, iri) VALUES (?, ?, ?)", summary.items())
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("input", str(nt)),
                    ("size", nt.stat().st_size),
                    ("side", str(folder / SIDE)),
                    *input_key(nt, extra, base).items(),
                ],
            )
            db.execute("COMMIT")
            db.executescript(_INDEXES)
            db.execute("ANALYZE")
        finally:
            db.close()
    except UnicodeDecodeError as exc:
        raise ReleaseError(f"cannot read {nt}: {exc}") from None
    except (OSError, sqlite3.Error) as exc:
        raise ReleaseError(f"cannot write the site's index in {folder}: {exc}") from None
    return summary


def term_uses(subjects: set[str], counts: list[tuple[str, str, int]]) -> dict[str, list[str]]:
    """The vocabulary terms and how the release uses them, from the terms that are subjects and the counts
    of the lines that use each term in each way."""
    uses: dict[str, set[str]] = {t: set() for t in subjects}
    for t, use, count in counts:
        if count > 0:
            uses.setdefault(t, set()).add(use)
    return {t: sorted(u) for t, u in sorted(uses.items()) if t != VOCAB}


def input_key(nt: Path, extra: list[str], base: str) -> dict[str, str]:
    """What an index depends on besides its input's lines, as meta rows: a rebuild patches an index only when
    they are the same (indexpatch.py); `nt` names the input as written (size and time)."""
    st = nt.stat()
    digest = hashlib.sha256("\n".join(extra).encode()).hexdigest()
    return {"format": FORMAT, "base": base, "extra": digest, "written": f"{st.st_size} {st.st_mtime_ns}"}


class RowPass:
    """One pass over the input: the block, number and rows of every subject."""

    def __init__(self, base: str, db: sqlite3.Connection, side):
        self.base, self.db, self.side = base, db, side
        self.bt = f"<{base}".encode()  # an IRI under the base, as a token
        self.vt = f"<{VOCAB}".encode()
        self.entities: dict[str, list[str]] = {k: [] for k in ENTITY_KINDS}
        self.builds: list[str] = []
        self.subjects: set[str] = set()  # vocabulary terms that are subjects
        # vocabulary terms (as tokens) -> the lines that use them as objects of rdf:type, as objects of other
        # predicates, as predicates (a rebuild that patches the index learns from the counts when a use ends)
        self.classes: dict[bytes, int] = {}
        self.values: dict[bytes, int] = {}
        self.preds: dict[bytes, int] = {}
        self.nodes: list[tuple[int, str, int, int]] = []
        self.links: list[tuple[int, str]] = []
        self.refs: list[tuple[str, int, str]] = []
        self.next_id = 0
        self.size = 0  # of the input: offsets from there on are in the side file
        self.added: dict[str, list[str]] = {}

    def run(self, nt: Path, extra: list[str]) -> Summary:
        self.size = nt.stat().st_size
        for line in extra:  # the vocabulary file's lines, by subject
            self.added.setdefault(line.split(" ", 1)[0], []).append(line)
        merge: list[tuple[int, str, bool, int, int, list[str]]] = []
        with open(nt, "rb") as fh:
            self.scan(fh, merge)
            for nid, subj, walk, start, length, more in merge:  # subjects the vocabulary file adds to
                fh.seek(start)
                have = fh.read(length).decode().split("\n")
                self.write_side(nid, subj, sorted(set(have) | set(more)))
                for line in sorted(set(more) - set(have)):
                    self.line(line.encode(), nid, walk)
        for token in sorted(self.added):  # subjects only the vocabulary file has
            lines = self.added[token]
            nid, subj, walk = self.subject(token)
            self.write_side(nid, subj, lines)
            for line in lines:
                self.line(line.encode(), nid, walk)
        self.flush()
        for values in self.entities.values():
            values.sort()
        counts = [
            (t[1:-1].decode(), use, count)
            for tokens, use in ((self.classes, "class"), (self.values, "value"), (self.preds, "property"))
            for t, count in tokens.items()
        ]
        self.db.executemany("INSERT INTO term VALUES (?, ?, ?)", counts)
        return Summary(self.entities, term_uses(self.subjects, counts), self.builds)

    def scan(self, fh, merge: list) -> None:
        """Read the input a chunk at a time; check each line is in the release's form and in order, and note
        each subject's block (its lines, one after the other) and rows."""
        bt, vt, typ = self.bt, self.vt, _TYPE
        classes, values, preds = self.classes, self.values, self.preds
        off = 0  # of the line in the input
        last = b""
        prefix = b"\n"  # the current subject's token and a space: no line starts with it
        n = nid = start = 0
        subj, walk, more = "", False, None
        carry = b""
        check = codecs.getincrementaldecoder("utf-8")().decode  # raises UnicodeDecodeError
        while True:
            data = fh.read(CHUNK)
            check(data, not data)
            if data:
                lines = (carry + data).split(b"\n")
                carry = lines.pop()
            elif carry:
                lines, carry = [carry], b""
            else:
                break
            for line in lines:
                if line <= last:
                    raise Untidy("lines out of order or repeated")
                last = line
                if not line.startswith(prefix):
                    if prefix != b"\n":
                        self.close(nid, subj, walk, start, off - 1 - start, more, merge)
                    i = line.find(b" ")
                    if i <= 0:
                        raise Untidy("a line without a subject")
                    prefix, n, start = line[: i + 1], i + 1, off
                    nid, subj, walk = self.subject(prefix[:-1].decode())
                    more = self.added.pop(prefix[:-1].decode(), None)
                j = line.find(b" ", n)
                if line[n] != 60 or j < 0 or j + 4 > len(line) or not line.endswith(b" .") or line[-3] == 32:
                    raise Untidy("a line not in the release's form")  # predicate not "<", no object...
                c = line[j + 1]
                if c == 60:  # "<": an IRI
                    if line.startswith(bt, j + 1):
                        self.line(line, nid, walk, n, j)
                    if line.startswith(vt, j + 1):
                        uses = classes if line[n:j] == typ else values
                        t = line[j + 1 : -2]
                        uses[t] = uses.get(t, 0) + 1
                elif c == 95 and walk and line.startswith(b"_:", j + 1):  # "_": a blank node
                    self.links.append((nid, line[j + 1 : -2].decode()))
                if line.startswith(vt, n):
                    t = line[n:j]
                    preds[t] = preds.get(t, 0) + 1
                off += len(line) + 1
            if len(self.nodes) >= _BATCH or len(self.links) >= _BATCH or len(self.refs) >= _BATCH:
                self.flush()
        if prefix != b"\n":
            self.close(nid, subj, walk, start, off - 1 - start, more, merge)

    def close(self, nid: int, subj: str, walk: bool, start: int, length: int, more, merge: list) -> None:
        if more:
            merge.append((nid, subj, walk, start, length, more))
        else:
            self.nodes.append((nid, subj, start, length))

    def line(self, line: bytes, nid: int, walk: bool, n: int = 0, j: int = 0) -> None:
        """The rows of one line whose object is an IRI under the base (`n` and `j`: where its predicate
        begins and ends); for a line of the vocabulary file, anything it adds."""
        if not n:  # a line of the vocabulary file: everything the scan notes
            n = line.index(b" ") + 1
            j = line.index(b" ", n)
            if line.startswith(self.vt, n):
                t = line[n:j]
                self.preds[t] = self.preds.get(t, 0) + 1
            if line.startswith(self.vt, j + 1):
                uses = self.classes if line[n:j] == _TYPE else self.values
                t = line[j + 1 : -2]
                uses[t] = uses.get(t, 0) + 1
            if line.startswith(b"_:", j + 1):
                if walk:
                    self.links.append((nid, line[j + 1 : -2].decode()))
                return
            if not line.startswith(self.bt, j + 1):
                return
        target = line[j + 2 : -3]
        k = target.find(b"/", len(self.bt) - 1)
        if k < 0:
            return
        head = target[len(self.bt) - 1 : k]
        if head in _REF_KINDS:
            self.refs.append((target.decode(), nid, line[n + 1 : j - 1].decode()))
        if walk and head not in _NOT_OWNED:
            self.links.append((nid, target.decode()))

    def write_side(self, nid: int, subj: str, lines: list[str]) -> None:
        """A subject's block in the side file: the union of its lines in the input and the vocabulary's."""
        data = "\n".join(lines).encode()
        self.nodes.append((nid, subj, self.size + self.side.tell(), len(data)))
        self.side.write(data + b"\n")

    def subject(self, token: str) -> tuple[int, str, bool]:
        """Number a subject; its number, IRI and whether it is walked for ownership. Raises Untidy when the
        token is not written as the release writes it."""
        subj = token[1:-1] if token[0] == "<" else token
        if token != (subj if subj[:1] in ("_", '"') else f"<{subj}>"):
            raise Untidy("a subject not in the release's form")
        walk = False  # only entities and the nodes they may own are walked
        base = self.base
        if token[0] == "<" and subj.startswith(base):
            head, sep, _ = subj[len(base) :].partition("/")
            if sep:
                if head in ENTITY_KINDS:
                    self.entities[head].append(subj)
                    walk = True
                elif head == "build" and "/" not in subj[len(base) + 6 :]:
                    self.builds.append(subj)
                else:
                    walk = head not in NOT_OWNED
        elif token.startswith("_:"):
            walk = True
        if subj.startswith(VOCAB):
            self.subjects.add(subj)
        nid = self.next_id
        self.next_id += 1
        return nid, subj, walk

    def flush(self) -> None:
        self.db.executemany("INSERT INTO node VALUES (?, ?, ?, ?)", self.nodes)
        self.db.executemany("INSERT INTO link VALUES (?, ?)", self.links)
        self.db.executemany("INSERT INTO ref VALUES (?, ?, ?)", self.refs)
        for rows in (self.nodes, self.links, self.refs):
            rows.clear()
