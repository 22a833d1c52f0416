"""The site's input as a file of N-Triples lines in the release's form: sorted, each once, one space apart.

The release's exilegraph.nt is already in that form, so the site reads it as it is and each subject's lines
are next to each other (see store.py). Anything else (lines handed over in memory, a file in another
order or spacing, the vocabulary file's triples) is first written in that form: each line checked and
rewritten as Node.lines would give it, sorted on disk in runs and merged.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path

from ..errors import ReleaseError

RUN_LINES = 250_000  # lines per sorted run: about 40 MB of text
TIDY = "input.nt"  # the tidied input, in the site's work folder


class Untidy(Exception):
    """A file is not in the release's form: tidy it with `tidy_file` and read that instead."""


def file_lines(nt: Path) -> Iterator[str]:
    """The lines of an N-Triples file as read (line ends included). Raises ReleaseError when it cannot be
    read."""
    try:
        with open(nt, encoding="utf-8") as fh:
            yield from fh
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"cannot read {nt}: {exc}") from None


def split_line(raw: str) -> tuple[str, str, str] | None:
    """(subject without angle brackets, predicate term, object term) of one N-Triples line; None for an
    empty or comment line. Raises ReleaseError for a line that is no triple."""
    line = raw.strip()
    if not line or line[0] == "#":
        return None
    if line[-1] != ".":
        raise ReleaseError(f"not an N-Triples line: {line[:80]!r}")
    parts = line[:-1].rstrip().split(" ", 2)
    if len(parts) != 3 or parts[1][:1] != "<":
        raise ReleaseError(f"not an N-Triples line: {line[:80]!r}")
    s, p, o = parts
    return (s[1:-1] if s[0] == "<" else s), p, o


def tidy_line(raw: str) -> str | None:
    """One line in the release's form; None for an empty or comment line. Raises ReleaseError for a line that
    is no triple."""
    parts = split_line(raw)
    if parts is None:
        return None
    subj, p, o = parts
    s = subj if subj[:1] in ("_", '"') else f"<{subj}>"
    return f"{s} {p} {o} ."


def tidy_lines(lines: Iterable[str]) -> list[str]:
    """Lines in the release's form, sorted, each once (for a few lines held in memory)."""
    return sorted({t for t in map(tidy_line, lines) if t is not None})


def tidy_file(lines: Iterable[str], folder: Path) -> Path:
    """Write `lines` in the release's form to `folder`/input.nt: sorted runs on disk, merged. Raises
    ReleaseError for a line that is no triple, or when the lines cannot be read or written."""
    runs: list[Path] = []
    chunk: set[str] = set()
    out = folder / TIDY
    try:
        for raw in lines:
            line = tidy_line(raw)
            if line is not None:
                chunk.add(line)
                if len(chunk) >= RUN_LINES:
                    runs.append(_write_run(sorted(chunk), folder / f"run-{len(runs):05d}.nt"))
                    chunk = set()
        runs.append(_write_run(sorted(chunk), folder / f"run-{len(runs):05d}.nt"))
        del chunk
        last = None
        with ExitStack() as stack, open(out.with_suffix(".tmp"), "w", encoding="utf-8", newline="\n") as fh:
            files = [stack.enter_context(open(p, encoding="utf-8", newline="\n")) for p in runs]
            for line in heapq.merge(*files):
                if line != last:
                    fh.write(line)
                    last = line
        os.replace(out.with_suffix(".tmp"), out)
    except OSError as exc:
        raise ReleaseError(f"cannot write the site's input to {folder}: {exc}") from None
    finally:
        for p in runs:
            p.unlink(missing_ok=True)
    return out


def _write_run(lines: list[str], path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(line + "\n" for line in lines)
    return path
