"""SHA256SUMS: the checksum of every file of a release but the store and the hidden folder of what a
rebuild reads (folder.REBUILD_DIR), whose database files differ from build to build.

At 10k cases a release holds about 200k files. Hashing them all again after a small change cost more than
the change, so two kinds of digest are not computed again: those of files the build wrote from bytes it
held (it hashed them then), and those of files carried over from the previous release as hard links (the
same inode the previous SHA256SUMS describes, not modified since that file was written).
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .folder import REBUILD_DIR, STORE_DIR

SUMS = "SHA256SUMS"
SKIPPED_DIRS = (STORE_DIR, REBUILD_DIR)  # database files: their bytes differ from build to build
HASH_THREADS = 4  # RocksDB files: not the same bytes in two builds


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes. Raises OSError when it cannot be read."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _digests(paths: list[str]) -> list[str]:
    return [file_digest(p) for p in paths]


def read_sums(release: Path) -> dict[str, str]:
    """The digests a release's SHA256SUMS lists, by path inside the release; {} when there is none."""
    try:
        text = (release / SUMS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    out = {}
    for line in text.splitlines():
        digest, sep, name = line.partition("  ")
        if sep and len(digest) == 64:
            out[name] = digest
    return out


class Previous:
    """The previous release's files with the digests its SHA256SUMS gives them, for files that are still
    the bytes it hashed: modified no later than SHA256SUMS was written."""

    def __init__(self, release: Path | None):
        self.path = release
        self.sums: dict[str, str] = {}
        self.written = 0
        if release is None:
            return
        try:
            self.written = os.stat(release / SUMS).st_mtime_ns
        except OSError:
            return
        self.sums = read_sums(release)

    def digest(self, rel: str) -> str | None:
        """The listed digest of the previous release's file `rel`, when the file is unchanged since."""
        digest = self.sums.get(rel)
        if digest is None or self.path is None:
            return None
        try:
            st = os.stat(self.path / rel)
        except OSError:
            return None
        return digest if st.st_mtime_ns <= self.written else None

    def same_file(self, rel: str, st: os.stat_result) -> str | None:
        """The listed digest, when `st` is the very file (same inode) the previous release has at `rel`."""
        digest = self.sums.get(rel)
        if digest is None or self.path is None:
            return None
        try:
            old = os.stat(self.path / rel)
        except OSError:
            return None
        same = (old.st_dev, old.st_ino) == (st.st_dev, st.st_ino)
        return digest if same and old.st_mtime_ns <= self.written else None


def release_files(folder: Path) -> list[tuple[str, os.DirEntry]]:
    """(path inside the release, entry) of every regular file but SHA256SUMS and the store, in the order
    of sorted pathlib paths (by their parts)."""
    found: list[tuple[tuple[str, ...], str, os.DirEntry]] = []

    def walk(path: str, parts: tuple[str, ...]) -> None:
        with os.scandir(path) as entries:
            for e in entries:
                here = (*parts, e.name)
                if e.is_dir():
                    if not (len(here) == 1 and e.name in SKIPPED_DIRS):
                        walk(e.path, here)
                elif e.is_file() and here != (SUMS,):
                    found.append((here, "/".join(here), e))

    walk(str(folder), ())
    found.sort(key=lambda t: t[0])
    return [(rel, e) for _, rel, e in found]


def write_checksums(
    folder: Path, known: dict[str, str] | None = None, previous: Previous | None = None
) -> None:
    """Write folder/SHA256SUMS. `known` gives digests of files written from bytes this build hashed;
    `previous` lends the previous release's digests to its files linked into this one.
    Raises OSError when a file cannot be read or SHA256SUMS cannot be written."""
    known = known or {}
    found = release_files(folder)
    digests: list[str | None] = []
    for rel, entry in found:
        digest = known.get(rel)
        if digest is None and previous is not None and previous.sums:
            st = entry.stat()
            if st.st_nlink > 1:
                digest = previous.same_file(rel, st)
        digests.append(digest)
    todo = [i for i, d in enumerate(digests) if d is None]
    # reading and hashing release the GIL: a few threads keep the disk and both cores busy (a site of
    # 200k small files)
    paths = [found[i][1].path for i in todo]
    pieces = [paths[k : k + 256] for k in range(0, len(paths), 256)]
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        hashed = [d for piece in pool.map(_digests, pieces) for d in piece]
    for i, digest in zip(todo, hashed):
        digests[i] = digest
    lines = [f"{d}  {rel}\n" for (rel, _), d in zip(found, digests)]
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")
