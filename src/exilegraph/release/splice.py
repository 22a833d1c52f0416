"""The release's dumps as sorted runs of records, read in place (mmap) and spliced.

Every dump is sorted: N-Triples by line, N-Quads by graph and then line, JSON-LD (one node object a line)
and Turtle (one block a subject) by subject, in the order of the N-Triples lines. A rebuild after a small
change finds records by binary search instead of reading the file, and writes the new dump as the old one's
bytes between the changed records. UTF-8 keeps the order of code points, so bytes compare as the text
was sorted.
"""

from __future__ import annotations

import hashlib
import mmap
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

COPY_PIECE = 8 << 20


class Damaged(Exception):
    """A dump is not of the shape this code writes (the release is then built in full)."""


@contextmanager
def mapped(path: Path) -> Iterator[bytes]:
    """The file's bytes, mapped read-only (b"" for an empty file). Raises OSError."""
    with open(path, "rb") as f:
        if f.seek(0, 2) == 0:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            yield mm  # type: ignore[misc]


class Records:
    """Sorted records in buf[start:end]: `key_at(i)` is the key of the record starting at i, and
    `next_start(i)` the first record start at or after i (end when there is none)."""

    def __init__(
        self, buf, start: int, end: int, key_at: Callable[[int], bytes], next_start: Callable[[int], int]
    ):
        self.buf, self.start, self.end = buf, start, end
        self.key_at, self.next_start = key_at, next_start

    def seek(self, lo: int, key: bytes, after: bool = False) -> int:
        """The first record start from `lo` (a record start) whose key is >= key (> key with `after`)."""
        end = self.end

        def before(i: int) -> bool:
            k = self.key_at(i)
            return k < key or (after and k == key)

        if lo >= end or not before(lo):
            return lo
        step = 512  # gallop: edits cluster, and the next one is usually near
        while True:
            probe = self.next_start(lo + step)
            if probe >= end or not before(probe):
                hi = probe
                break
            lo, step = probe, step * 2
        # the smallest x in (lo, hi] whose next record start is not before the key: bisect on bytes
        x_lo, x_hi = lo, hi
        while x_hi - x_lo > 1:
            mid = (x_lo + x_hi) // 2
            s = self.next_start(mid)
            if s >= end or not before(s):
                x_hi = mid
            else:
                x_lo = mid
        return self.next_start(x_hi)

    def run(self, key: bytes, lo: int | None = None) -> tuple[int, int]:
        """The byte range of the records with this key (empty where it would be)."""
        first = self.seek(self.start if lo is None else lo, key)
        return first, self.seek(first, key, after=True)

    def splice(self, edits: Iterable[tuple[bytes, bytes | None]], out) -> None:
        """Write the records with each edit's key replaced by its bytes (or removed when None; inserted in
        their place when absent). Edits come sorted by key, one per key."""
        pos = self.start
        for key, new in edits:
            first = self.seek(pos, key)
            self.copy(pos, first, out)
            pos = self.seek(first, key, after=True)
            if new:
                out.write(new)
        self.copy(pos, self.end, out)

    def copy(self, a: int, b: int, out) -> None:
        """buf[a:b] to `out`, in pieces (a dump is hundreds of megabytes)."""
        while a < b:
            n = min(b, a + COPY_PIECE)
            out.write(self.buf[a:n])
            a = n


def _line_start(buf) -> Callable[[int], int]:
    def next_start(i: int) -> int:
        if i <= 0:
            return 0
        j = buf.find(b"\n", i - 1)
        return len(buf) if j < 0 else j + 1

    return next_start


def ntriples(buf) -> Records:
    """N-Triples lines, by line."""

    def key_at(i: int) -> bytes:
        return buf[i : buf.find(b"\n", i)]

    return Records(buf, 0, len(buf), key_at, _line_start(buf))


def nquads(buf) -> Records:
    """N-Quads lines, by graph IRI (a graph's lines are one run)."""

    def key_at(i: int) -> bytes:
        line = buf[i : buf.find(b"\n", i)]
        cut = line.rfind(b" <")
        if cut < 0 or not line.endswith(b"> ."):
            raise Damaged("an N-Quads line without a graph")
        return line[cut + 2 : -3]

    return Records(buf, 0, len(buf), key_at, _line_start(buf))


def subject_key(line: str) -> str:
    """The sort key of a subject: its N-Triples line up to the end of the subject (`<iri> `)."""
    return line[: line.index("> ") + 2] if line[0] == "<" else line[: line.index(" ") + 1]


def _id_key(node_id: bytes) -> bytes:
    return node_id + b" " if node_id.startswith(b"_:") else b"<" + node_id + b"> "


JSONLD_START = b'{"@id":"'
JSONLD_END = b"]}\n"


def jsonld(buf, header_end: int) -> Records:
    """JSON-LD node objects after the header, one a line, by subject. Every line but the last ends in a
    comma, and the file in `]}`: the records end where that line starts (see jsonld_last)."""
    end = buf.rfind(JSONLD_END)
    if (
        end < header_end
        or end + len(JSONLD_END) != len(buf)
        or (end > header_end and buf[end - 1 : end] != b"\n")
    ):
        raise Damaged("no end of the JSON-LD graph")
    line_start = _line_start(buf)

    def key_at(i: int) -> bytes:
        if buf[i : i + len(JSONLD_START)] != JSONLD_START:
            raise Damaged("a JSON-LD line that does not start with its @id")
        close = buf.find(b'"', i + len(JSONLD_START))
        return _id_key(buf[i + len(JSONLD_START) : close])

    return Records(buf, header_end, end, key_at, lambda i: min(line_start(max(i, header_end)), end))


def jsonld_last(recs: Records) -> tuple[bytes, bytes] | None:
    """The key of the last node line and the line as any other (with its comma); None without nodes."""
    if recs.end == recs.start:
        return None
    buf = recs.buf
    i = buf.rfind(b"\n", recs.start, recs.end - 1) + 1 or recs.start
    i = max(i, recs.start)
    return recs.key_at(i), bytes(buf[i : recs.end - 1]) + b",\n"


def turtle(buf, prefixes: dict[str, str]) -> Records:
    """Turtle subject blocks after the @prefix lines, by subject (a block's later lines start with a tab)."""
    expand = {f"{k}:".encode(): v.encode() for k, v in prefixes.items()}
    line_start = _line_start(buf)
    start = 0
    while buf[start : start + 8] == b"@prefix ":
        start = line_start(start + 1)

    def next_start(i: int) -> int:
        s = line_start(max(i, start))
        while s < len(buf) and buf[s : s + 1] == b"\t":
            s = line_start(s + 1)
        return s

    def key_at(i: int) -> bytes:
        if buf[i : i + 1] == b"<":
            return buf[i : buf.find(b">", i) + 1] + b" "
        token = buf[i : buf.find(b" ", i)]
        cut = token.find(b":") + 1
        ns = expand.get(token[:cut])
        if not cut or ns is None or b"\\" in token:
            raise Damaged(f"a Turtle subject this code does not write: {token[:80]!r}")
        return b"<" + ns + token[cut:] + b"> "

    return Records(buf, start, len(buf), key_at, next_start)


def turtle_blocks(text: bytes, prefixes: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """(key, block) of each subject block of a Turtle text written by the same serialiser."""
    recs = turtle(text, prefixes)
    out = []
    i = recs.start
    while i < len(text):
        j = recs.next_start(i + 1)
        out.append((recs.key_at(i), bytes(text[i:j])))
        i = j
    return out


class HashedOut:
    """A binary file written once and hashed as it is written. The last `hold` bytes wait for `close`, so
    that a writer can take back a separator it wrote last."""

    def __init__(self, f: BinaryIO, hold: int = 0):
        self.f, self.hold = f, hold
        self.h = hashlib.sha256()
        self.pending = b""

    def _emit(self, data) -> None:
        self.f.write(data)
        self.h.update(data)

    def write(self, data) -> None:
        if not data:
            return
        if not self.hold:
            self._emit(data)
        elif len(data) >= self.hold:
            self._emit(self.pending)
            self._emit(data[: len(data) - self.hold])
            self.pending = bytes(data[len(data) - self.hold :])
        else:
            both = self.pending + bytes(data)
            self._emit(both[: max(0, len(both) - self.hold)])
            self.pending = both[max(0, len(both) - self.hold) :]

    def take_back(self, tail: bytes) -> bool:
        """Drop `tail` if it is what waits to be written."""
        if tail and self.pending.endswith(tail):
            self.pending = self.pending[: len(self.pending) - len(tail)]
            return True
        return False

    def close(self) -> str:
        """Write what waits; the file's SHA-256."""
        self._emit(self.pending)
        self.pending = b""
        return self.h.hexdigest()
