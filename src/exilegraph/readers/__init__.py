"""Readers turn a record file into a RawRecord; one module per format, registered here."""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from ..errors import RecordError
from ..findings import ERROR, Finding
from ..records import RawRecord, sha256_bytes
from .links import path_problem


class Reader(Protocol):
    name: str
    suffixes: tuple[str, ...]

    def read(self, path: str, data: bytes, sha256: str) -> RawRecord: ...


# One module per format: its name, the module and class of its reader, and the reader's suffixes. A reader's
# module is imported when it is first used, so that listing record files (a run the cache serves reads none)
# imports no parser; tests/test_cape_reader.py checks that the suffixes are the readers' own.
REGISTERED = {
    "yaml": ("yaml_reader", "YamlReader", (".yaml", ".yml")),
    "cape": ("cape", "CapeReader", (".txt",)),
}
SUFFIXES = frozenset(s for _, _, suffixes in REGISTERED.values() for s in suffixes)


@functools.cache
def _reader(name: str) -> Reader:
    module, cls, _ = REGISTERED[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)()


def __getattr__(name: str):
    """READERS: every registered reader by name (imports them all)."""
    if name == "READERS":
        return {n: _reader(n) for n in REGISTERED}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def reader_for(path: Path) -> Reader | None:
    for name, (_, _, suffixes) in REGISTERED.items():
        if path.suffix.lower() in suffixes:
            return _reader(name)
    return None


def display_path(path: Path) -> str:
    """Paths in findings and provenance are relative to the working directory when possible."""
    return _shown(os.getcwd(), os.fspath(path))  # the kernel gives the cwd with symlinks resolved


def display_paths(paths: Iterable[str]) -> dict[str, str]:
    """display_path of each path, by path: one getcwd for all (what 10k files need)."""
    cwd = os.getcwd()
    return {p: _shown(cwd, p) for p in paths}


def _shown(cwd: str, path: str, link: bool = True) -> str:
    """display_path; `link` False for a path the caller knows is no symlink (saves a system call)."""
    given = os.path.join(cwd, path)
    # as Path.resolve(), but resolving each folder once: resolve() per file made 10k files slow
    # a link that leads nowhere or to a folder is shown as itself (it is what a finding about it must name)
    full = (
        os.path.realpath(given)
        if link and os.path.islink(given) and os.path.isfile(given)
        else os.path.join(_real_folder(os.path.dirname(given)), os.path.basename(given))
    )
    prefix = cwd.rstrip(os.sep) + os.sep
    if not full.startswith(prefix):
        return Path(path).as_posix()
    shown = full[len(prefix) :]
    if os.sep == "/" and "//" not in shown and "/./" not in f"/{shown}/" and not shown.endswith("/"):
        return shown  # what Path(shown).as_posix() gives, without building a Path per file
    return Path(shown).as_posix()


@functools.lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def read_file(path: Path, fmt: str | None = None) -> RawRecord:
    """Read one record file with the reader for its format (or `fmt`).

    Raises RecordError with one finding when the file cannot be read at all (a dangling or looping link,
    a folder or file that cannot be opened, text that is not UTF-8) or the reader cannot make a record of it."""
    shown = display_path(path)
    problem = path_problem(path, shown)
    if problem is not None:
        raise RecordError([problem])
    reader = (_reader(fmt) if fmt in REGISTERED else None) if fmt else reader_for(path)
    if reader is None:
        raise RecordError(
            [
                Finding(
                    shown,
                    1,
                    1,
                    ERROR,
                    "unknown-format",
                    "",
                    f"no reader for `{path.suffix}` files",
                    f"use one of: {', '.join(sorted(REGISTERED))}",
                )
            ]
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(
            [
                Finding(
                    shown,
                    1,
                    1,
                    ERROR,
                    "unreadable",
                    "",
                    f"cannot read the file: {exc.strerror or exc}",
                    "give the toolkit's user permission to read it, or move it out of the records",
                )
            ]
        ) from None
    return reader.read(shown, data, sha256_bytes(data))


def _walk(folder: str, plain: set[str] | None = None) -> Iterable[str]:
    """Record files under a folder (scandir: no extra stat per file), hidden names skipped; those that
    are no symlink are also added to `plain` (scandir knows without a system call).

    What cannot be walked is kept in the list, so that reading it gives a finding instead of a file
    silently missing from the release: a folder that cannot be listed, and a link named as a record file
    that leads nowhere or loops. Symlinked folders are not entered (as rglob), so no loops."""
    suffixes = SUFFIXES
    try:
        entries = list(os.scandir(folder))
    except OSError:
        yield folder
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            is_dir = e.is_dir(follow_symlinks=False)
        except OSError:
            yield e.path
            continue
        dot = e.name.rfind(".")  # os.path.splitext's suffix of a name that does not start with a dot
        if is_dir:
            yield from _walk(e.path, plain)
        elif dot > 0 and e.name[dot:].lower() in suffixes:  # a pipe or device too: reading it says why not
            if plain is not None and not e.is_symlink():
                plain.add(e.path)
            yield e.path


def find_record_paths(folder: str) -> dict[str, str]:
    """The record files under one folder, unsorted, as strings, each with its display_path (what
    find_record_files and display_path give, without a Path or a system call per file)."""
    cwd = os.getcwd()
    plain: set[str] = set()
    out: dict[str, str] = {}
    shown_folders: dict[str, str | None] = {}
    for p in list(_walk(folder, plain)):
        if p not in plain or os.sep != "/":
            out[p] = _shown(cwd, p, p not in plain)
            continue
        # a file that is no link is shown as its folder's shown form and its name: the folder's is worked
        # out once (_shown would give the same for each file, at a few times the cost)
        head, _, name = p.rpartition("/")
        if head not in shown_folders:
            shown_folders[head] = _shown_folder(cwd, p)
        base = shown_folders[head]
        out[p] = base + name if base is not None else _shown(cwd, p, False)
    return out


def _shown_folder(cwd: str, path: str) -> str | None:
    """The shown form of the folder of `path` (no link), ending in "/" ("" for the working folder), as
    _shown would give it; None when the folder is not inside the working folder."""
    real = os.path.join(_real_folder(os.path.dirname(os.path.join(cwd, path))), "")
    prefix = cwd.rstrip(os.sep) + os.sep
    return real[len(prefix) :] if real.startswith(prefix) else None


def find_record_files(paths: Iterable[str | Path]) -> list[Path]:
    """Record files named or found under folders, sorted; hidden files and folders are skipped."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(map(Path, _walk(str(p))))
        elif p.exists() or p.is_symlink():  # a dangling or looping link is reported when it is read
            found.append(p)
        else:
            raise RecordError(
                [Finding(p.as_posix(), 1, 1, ERROR, "missing-file", "", "no such file or folder", None)]
            )
    return sorted(dict.fromkeys(found), key=lambda f: f.parts)  # as Path ordering, without its costly __lt__
