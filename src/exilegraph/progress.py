"""Stage timings and progress: a bar on a terminal, quiet otherwise; --quiet and --verbose."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class Reporter:
    """Collects per-stage wall times; prints them with --verbose, a progress bar only on a terminal."""

    def __init__(self, quiet: bool = False, verbose: bool = False, stream=None):
        self.quiet, self.verbose = quiet, verbose
        self.stream = stream or sys.stderr
        self.timings: dict[str, float] = {}

    def say(self, message: str) -> None:
        if self.verbose and not self.quiet:
            print(message, file=self.stream)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - start
            self.timings[name] = self.timings.get(name, 0.0) + took
            self.say(f"  {name:<22} {took:8.3f} s")

    def iterate(self, items: Iterable[T], label: str, length: int | None = None) -> Iterable[T]:
        if self.quiet or not getattr(self.stream, "isatty", lambda: False)() or (length or 0) < 50:
            return items
        import click

        return _bar(click.progressbar(items, length=length, label=label, file=self.stream))


def _bar(bar):
    with bar as items:
        yield from items
