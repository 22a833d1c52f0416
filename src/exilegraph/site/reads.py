"""What a page read from the release, as keys, so that a rebuild knows which pages a change can alter.

A key names one thing a page asked the release:

- `s:<node>`: a node's statements (every line whose subject is the node), or that it has none;
- `p:<node> <predicate>`: the objects of one predicate of a node;
- `o:<object>`: the reverse links to an entity or citation (the lines whose object it is);
- `w:<node>`: which entity owns a node (the answer is kept beside the keys: see memo.py).

A line that joined or left the release changes the keys `s:` of its subject, `p:` of its subject and
predicate and `o:` of its object (`changed_keys`). Caches that serve many pages (names, links, labels) keep
the keys their value was made from and add them to the page that uses it (`Reads.begin`/`end`).
"""

from __future__ import annotations

import zlib


class Reads:
    """The keys read since `reset`, when `on`; nothing is kept for a graph held in memory."""

    __slots__ = ("keys", "on")

    def __init__(self, on: bool = False):
        self.on = on
        self.keys: set[str] = set()

    def note(self, key: str) -> None:
        if self.on:
            self.keys.add(key)

    def merge(self, keys: frozenset[str]) -> None:
        if keys:
            self.keys |= keys

    def reset(self) -> set[str]:
        """The keys read so far; reading starts again from none."""
        keys, self.keys = self.keys, set()
        return keys

    def begin(self) -> set[str]:
        """Start the keys of one cached value; `end` with what this returned."""
        keys, self.keys = self.keys, set()
        return keys

    def end(self, outer: set[str]) -> frozenset[str]:
        """The keys read since `begin`, also added to the outer keys again."""
        mine = frozenset(self.keys)
        outer |= mine
        self.keys = outer
        return mine


def changed_keys(lines: list[str]) -> set[str]:
    """The keys that N-Triples lines (in the release's form) joining or leaving the release change."""
    out: set[str] = set()
    for line in lines:
        s, p, o = line[:-2].split(" ", 2)
        subj = s[1:-1] if s[0] == "<" else s
        out.add("s:" + subj)
        out.add(f"p:{subj} {p[1:-1]}")
        if o[0] == "<":
            out.add("o:" + o[1:-1])
        elif o.startswith("_:"):
            out.add("o:" + o)
    return out


def key_hash(key: str) -> int:
    """A key as a signed 64-bit number (what the memo stores): two keys that share one only cost a page
    rendered again."""
    data = key.encode("utf-8")
    h = (zlib.crc32(data) << 32) | zlib.adler32(data)
    return h - (1 << 64) if h >= 1 << 63 else h
