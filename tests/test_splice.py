"""Splicing sorted dumps (release/splice.py): the result is the sorted file made from scratch."""

from __future__ import annotations

import io
import random

import pytest

from exilegraph.release import splice


def nt_lines(n: int, rng: random.Random) -> list[str]:
    subjects = [f"<https://e.org/{rng.choice('abc')}/{i:05d}>" for i in range(n)]
    lines = {
        f'{s} <https://e.org/p{rng.randint(0, 3)}> "v{rng.randint(0, 9)}" .'
        for s in subjects
        for _ in range(3)
    }
    return sorted(lines)


def spliced(records: splice.Records, edits) -> bytes:
    out = io.BytesIO()
    records.splice(sorted(edits), out)
    return out.getvalue()


@pytest.mark.parametrize("seed", range(8))
def test_ntriples_splice_equals_sorting_again(seed):
    rng = random.Random(seed)
    old = nt_lines(rng.randint(0, 300), rng)
    removed = set(rng.sample(old, k=min(len(old), rng.randint(0, 40))))
    added = set(nt_lines(60, random.Random(seed + 100))) - set(old)
    new = sorted((set(old) - removed) | added)
    buf = "".join(line + "\n" for line in old).encode()
    edits = [(line.encode(), None) for line in removed] + [
        (line.encode(), (line + "\n").encode()) for line in added
    ]
    assert spliced(splice.ntriples(buf), edits) == "".join(line + "\n" for line in new).encode()


@pytest.mark.parametrize("seed", range(8))
def test_seek_finds_each_line_and_where_a_missing_one_goes(seed):
    rng = random.Random(seed)
    old = nt_lines(200, rng)
    buf = "".join(line + "\n" for line in old).encode()
    recs = splice.ntriples(buf)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line) + 1)
    for i, line in enumerate(old):
        assert recs.seek(0, line.encode()) == starts[i]
        assert recs.seek(0, line.encode(), after=True) == starts[i + 1]
        assert recs.seek(starts[i], (line + "!").encode()) == starts[i + 1]


def test_nquads_blocks_are_replaced_removed_and_inserted():
    def block(g: str, n: int) -> bytes:
        return "".join(
            f'<https://e.org/s{i}> <https://e.org/p> "{g} {i}" <https://e.org/g/{g}> .\n' for i in range(n)
        ).encode()

    old = block("a", 3) + block("c", 2) + block("e", 4)
    edits = [
        (b"https://e.org/g/b", block("b", 1)),
        (b"https://e.org/g/c", None),
        (b"https://e.org/g/e", block("e", 1)),
        (b"https://e.org/g/f", block("f", 2)),
    ]
    assert spliced(splice.nquads(old), edits) == block("a", 3) + block("b", 1) + block("e", 1) + block("f", 2)


def test_held_bytes_can_be_taken_back():
    f = io.BytesIO()
    out = splice.HashedOut(f, hold=2)
    for piece in (b"[\n", b"a,\n", b"b", b",\n"):
        out.write(piece)
    assert out.take_back(b",\n")
    out.write(b"\n]")
    digest = out.close()
    assert f.getvalue() == b"[\na,\nb\n]"
    import hashlib

    assert digest == hashlib.sha256(f.getvalue()).hexdigest()
