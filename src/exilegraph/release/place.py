"""Where a release is built and how it is put in place: hidden folders beside the release, the atomic
exchange, and the removal of what a build leaves behind.

The previous release is not removed while the command waits: at 10k cases it holds about 200k files, and
unlinking them took longer than building the new release after a small change. Once the new release is in
place the old one is renamed to a hidden `.NAME.old-*` folder and a detached process removes it; a removal
that is stopped halfway leaves only that hidden folder, which the next build removes (`remove_stale`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import ReleaseError

_REMOVERS: list[subprocess.Popen] = []
_REMOVE = "import shutil, sys\nfor p in sys.argv[1:]:\n    shutil.rmtree(p, ignore_errors=True)\n"


def make_folder(out: Path, prefix: str) -> Path:
    """A hidden folder beside the release (a killed build's is removed by the next run, see remove_stale).

    Raises ReleaseError when `out` cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=out))
        folder.chmod(0o755)
        return folder
    except OSError as exc:
        raise ReleaseError(f"cannot write into {out}: {exc.strerror or exc}") from None


def swap_into_place(tmp: Path, target: Path) -> None:
    """Put the finished release in place so that at every instant either the old or the new one is there:
    an atomic exchange of the two folders (renameat2 RENAME_EXCHANGE on Linux), then the old one removed
    in the background. Where the exchange is not available the old release is renamed aside first (a short
    window)."""
    if target.exists() and exchange(tmp, target):
        remove_later([tmp])  # tmp now holds the previous release
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        remove_later([old])


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths on the same file system; False where the system cannot."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if done == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def stale_folders(out: Path) -> list[Path]:
    """Hidden folders a build left beside its release: a killed build's, or a previous release not yet
    removed."""
    found = [*out.glob(".exilegraph*.tmp-*"), *out.glob(".exilegraph*.old-*")]
    return sorted(p for p in found if p.is_dir() and not p.is_symlink())


def remove_stale(out: Path) -> None:
    """Remove, in the background, the folders a killed build or an unfinished removal left (they are hidden;
    the release itself is intact)."""
    remove_later(stale_folders(out))


def remove_later(folders: list[Path]) -> None:
    """Rename each folder to a hidden `.old-` name (a `.tmp-` name would read as an unfinished build) and
    remove them in a detached process, which outlives this one. Where no process can be started, remove
    them here."""
    if not folders:
        return
    doomed = []
    for folder in folders:
        name = folder.name
        if ".old-" not in name:
            stem = name.split(".tmp-")[0] if ".tmp-" in name else f".{name}"
            try:
                aside = Path(tempfile.mkdtemp(prefix=f"{stem}.old-", dir=folder.parent))
                os.replace(folder, aside)  # over the empty folder just made: the name stays unique
                folder = aside
            except OSError:
                pass  # removed under its own name
        doomed.append(folder)
    try:
        _REMOVERS.append(
            subprocess.Popen(
                [sys.executable, "-c", _REMOVE, *map(str, doomed)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not stopped with this process's job (Ctrl-C after the release)
            )
        )
    except OSError:
        for folder in doomed:
            shutil.rmtree(folder, ignore_errors=True)


def wait_for_removals() -> None:
    """Wait until the removals this process started are done (tests, and callers that measure the disk)."""
    while _REMOVERS:
        _REMOVERS.pop().wait()
