"""A writer run in its own process while the main process goes on with the release.

The Turtle dump is serialised natively by pyoxigraph from the N-Triples dump, but fed triple by triple
through Python; in its own process it takes the second core instead of the main process's time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..errors import ReleaseError


def module_command(module: str, *args: Path) -> list[str]:
    """`python -m MODULE ARGS...` with this interpreter."""
    return [sys.executable, "-m", module, *map(str, args)]


class Background:
    """A command started now, waited for by `finish`; `what` and `who` name it in the error."""

    def __init__(self, what: str, command: list[str], *, who: str = "the process"):
        self.what, self.who = what, who
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def finish(self) -> None:
        """Raises ReleaseError when the process failed (its last line of error output says why)."""
        _, err = self.proc.communicate()
        if self.proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            code = self.proc.returncode
            stopped = f"killed by signal {-code}" if code < 0 else f"stopped with status {code}"
            reason = lines[-1] if lines else f"{self.who} was {stopped}"
            raise ReleaseError(f"{self.what} failed: {reason[-300:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
