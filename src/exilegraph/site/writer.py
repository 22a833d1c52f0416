"""Writing the site's files: each handed over as it is made, never the whole site in memory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


class Files:
    """`files[path] = bytes` hands each file to the writer at once: the site is never held whole in memory."""

    def __init__(self, emit: Callable[[str, bytes], None]):
        self.emit = emit
        self.paths: list[str] = []  # of the files handed over since this was last emptied

    def __setitem__(self, path: str, data: bytes) -> None:
        self.emit(path, data)
        self.paths.append(path)

    def update(self, items: dict[str, bytes]) -> None:
        for path, data in items.items():
            self.emit(path, data)


class Writer:
    """Writes files under a folder, making their folders; counts pages and files."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: set[Path] = set()
        self.pages = self.files = 0

    def write(self, rel: str, data: bytes) -> None:
        path = self.folder / rel
        if path.parent not in self.made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made.add(path.parent)
        with open(path, "wb") as fh:
            fh.write(data)
        self.files += 1
        self.pages += rel.endswith(".html")

    def finish(self) -> None:
        for d in self.made | {self.folder}:
            os.chmod(d, 0o755)
