"""`exilegraph` with a pause at one moment of the release, so that a test can SIGKILL it there.

Only tests/test_reliability.py runs this. EXILEGRAPH_PAUSE_AT names the moment; the marker file
EXILEGRAPH_PAUSE_MARKER is written when it is reached, then the process sleeps until it is killed.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from pathlib import Path

import exilegraph.release as release
from exilegraph.cli import main
from exilegraph.release import assemble, place, store

MOMENT = os.environ["EXILEGRAPH_PAUSE_AT"]
MARKER = Path(os.environ["EXILEGRAPH_PAUSE_MARKER"])


def pause(name: str) -> None:
    if name == MOMENT:
        MARKER.write_text(name, encoding="utf-8")
        time.sleep(600)


def after(name: str, fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        result = fn(*args, **kwargs)
        pause(name)
        return result

    return wrapped


def before(name: str, fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        pause(name)
        return fn(*args, **kwargs)

    return wrapped


tempfile.mkdtemp = after("folder-made", tempfile.mkdtemp)  # the hidden folder exists, empty
store.StoreLoader.start = after("store-loading", store.StoreLoader.start)  # dumps written, loader running
assemble.write_checksums = before("files-written", assemble.write_checksums)  # every file but SHA256SUMS
release.swap_into_place = before("before-swap", release.swap_into_place)  # the new release complete, aside
place.exchange = after("after-exchange", place.exchange)  # swapped; the old one still hidden beside

if __name__ == "__main__":
    sys.exit(main())
