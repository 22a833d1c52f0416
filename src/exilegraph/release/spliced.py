"""The dumps of a rebuild made from the previous release (patch.py): its files with the changes spliced in.

N-Triples: the lines that left the union removed, those that joined it inserted. N-Quads: the changed graphs'
blocks replaced, removed or inserted. JSON-LD and Turtle: the node object or block of every subject with a
line that joined or left, made again from its lines in the new N-Triples dump, by the writers that make
the whole files (a subject's node object and block depend on its own lines only). Each file is hashed as it
is written, so SHA256SUMS need not read it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..rdf.dataset import quads_bytes
from ..writers import FORMATS
from ..writers import jsonld as jsonld_writer
from ..writers import turtle as turtle_writer
from .patch import Changes, Old
from .splice import (
    Damaged,
    HashedOut,
    Records,
    jsonld,
    jsonld_last,
    mapped,
    nquads,
    ntriples,
    subject_key,
    turtle,
    turtle_blocks,
)


@dataclass
class Spliced:
    digests: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256
    turtle: bool = True  # False: the Turtle dump could not be spliced; write it from the N-Triples dump


def write(old: Old, ch: Changes, tmp: Path) -> Spliced:
    """Write the four dumps into `tmp`. Raises Damaged when a previous dump is not of the shape expected
    (before anything is written that a full build would not overwrite) and OSError when writing fails."""
    out = Spliced()
    nt, nq = FORMATS["ntriples"].filename, FORMATS["nquads"].filename
    edits = sorted(
        [(line.encode("utf-8"), None) for line in ch.removed]
        + [(line.encode("utf-8"), (line + "\n").encode("utf-8")) for line in ch.added]
    )
    out.digests[nt] = _splice(old.file(nt), tmp / nt, ntriples, edits)
    graphs = [
        (g.encode("utf-8"), quads_bytes(g, after) or None) for g, (_, after) in sorted(ch.graphs.items())
    ]
    out.digests[nq] = _splice(old.file(nq), tmp / nq, nquads, graphs)
    subjects = sorted({subject_key(line) for line in (*ch.added, *ch.removed)})
    lines = _subject_lines(tmp / nt, subjects)
    _jsonld(old, tmp, lines, out)
    try:
        _turtle(old, tmp, lines, out)
    except Damaged:
        out.turtle = False
    return out


def _splice(source: Path, target: Path, layout, edits) -> str:
    with mapped(source) as buf, open(target, "wb") as f:
        sink = HashedOut(f)
        layout(buf).splice(edits, sink)
        return sink.close()


def _subject_lines(nt: Path, subjects: list[str]) -> dict[str, list[str]]:
    """Each subject's lines in the new N-Triples dump (none for a subject that is gone)."""
    out: dict[str, list[str]] = {}
    with mapped(nt) as buf:
        recs = ntriples(buf)
        pos = recs.start
        for key in subjects:
            prefix = key.encode("utf-8")
            pos = recs.seek(pos, prefix)
            found = []
            while pos < recs.end and buf[pos : pos + len(prefix)] == prefix:
                end = recs.next_start(pos + 1)
                found.append(bytes(buf[pos : end - 1]).decode("utf-8"))
                pos = end
            out[key] = found
    return out


def _jsonld(old: Old, tmp: Path, lines: dict[str, list[str]], out: Spliced) -> None:
    name = FORMATS["jsonld"].filename
    head = jsonld_writer.header().encode("utf-8")
    maker = jsonld_writer.RecordNodes()
    edits: dict[bytes, bytes | None] = {}
    for key, found in lines.items():
        nodes = maker.nodes(found) if found else []
        if len(nodes) > 1:
            raise Damaged("one subject gave two node objects")
        edits[key.encode("utf-8")] = (nodes[0][1] + ",\n").encode("utf-8") if nodes else None
    with mapped(old.file(name)) as buf, open(tmp / name, "wb") as f:
        if buf[: len(head)] != head:
            raise Damaged("the JSON-LD dump has another context")
        recs: Records = jsonld(buf, len(head))
        last = jsonld_last(recs)
        if last is not None:
            edits.setdefault(*last)  # every node line ends in a comma; the last one's is taken back below
        sink = HashedOut(f, hold=2)
        sink.write(head)
        recs.splice(sorted(edits.items()), sink)
        sink.write(b"\n]}\n" if sink.take_back(b",\n") else b"]}\n")
        out.digests[name] = sink.close()


def _turtle(old: Old, tmp: Path, lines: dict[str, list[str]], out: Spliced) -> None:
    import pyoxigraph as ox

    name = FORMATS["turtle"].filename
    prefixes = turtle_writer.prefixes()
    present = [line for found in lines.values() for line in found]
    made: list[tuple[bytes, bytes]] = []
    if present:
        triples = ox.parse("\n".join(present).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        made = turtle_blocks(text, prefixes)
    expected = [key.encode("utf-8") for key, found in lines.items() if found]
    if [key for key, _ in made] != expected:
        raise Damaged("the Turtle blocks are not one a subject")
    edits = dict(made) | {key.encode("utf-8"): None for key, found in lines.items() if not found}
    with mapped(old.file(name)) as buf, open(tmp / name, "wb") as f:
        recs = turtle(buf, prefixes)
        if present and bytes(buf[: recs.start]) != text[: turtle(text, prefixes).start]:
            raise Damaged("the Turtle dump has other prefixes")
        sink = HashedOut(f)
        sink.write(buf[: recs.start])
        recs.splice(sorted(edits.items()), sink)
        out.digests[name] = sink.close()
