"""Why a path found among the records cannot be read at all: a link that leads nowhere or loops, a pipe,
or a folder that cannot be listed. Such paths are findings, never skipped: a skipped file is a case
missing from the release without anyone being told."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..findings import ERROR, Finding

LINK_FIX = "point the link at an existing record file, or remove it"


def path_problem(path: Path, shown: str) -> Finding | None:
    """A finding for a path that cannot be read as a record: a dangling or looping link, a link to a folder,
    a pipe or device, a folder that cannot be listed. None when it may be read."""
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return _problem(
                    shown, "link-loop", "this symbolic link leads back to itself (a loop of links)"
                )
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                message = f"this symbolic link points to `{_target(path)}`, which does not exist"
                return _problem(shown, "dangling-link", message)
            return _problem(shown, "unreadable", f"cannot follow this link: {exc.strerror or exc}")
        if os.path.isdir(path):
            return _problem(
                shown,
                "unreadable",
                "this link, named as a record file, points to a folder; linked folders are not read",
                "link the record files themselves, or move the folder into the records folder",
            )
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # reading it will say why
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # reading a pipe would wait for a writer forever
        return _problem(
            shown,
            "unreadable",
            "this is not a regular file (a pipe, socket or device), so it is not read",
            "replace it with the record file itself",
        )
    if stat.S_ISDIR(mode):
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            return _problem(
                shown,
                "unreadable",
                f"cannot list this folder, so its records would be missing: {exc.strerror or exc}",
                "give the toolkit's user permission to read the folder, or move it out of the records",
            )
    return None


def _problem(shown: str, rule: str, message: str, fix: str = LINK_FIX) -> Finding:
    return Finding(shown, 1, 1, ERROR, rule, "", message, fix)


def _target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"
