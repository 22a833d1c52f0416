"""The few exceptions exilegraph raises; the CLI turns each into a one-line `Error: ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .findings import Finding


class ExilegraphError(Exception):
    """Base class: an error a user can act on, shown without a traceback."""


class RecordError(ExilegraphError):
    """A record file that cannot be read or typed: carries path, line, column and field."""

    def __init__(self, findings: list[Finding]):
        self.findings = list(findings)
        first = self.findings[0]
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(first.text() + more)

    @property
    def path(self) -> str:
        return self.findings[0].path

    @property
    def line(self) -> int:
        return self.findings[0].line

    @property
    def field(self) -> str:
        return self.findings[0].field


class WorkerError(ExilegraphError):
    """A worker process of the record pipeline died (killed, out of memory); nothing was published."""


class ReleaseError(ExilegraphError):
    """The release could not be built or published; the previous release is untouched."""


class NoReleaseError(ExilegraphError):
    """No release (or no store) where one was expected, or its manifest cannot be read."""


class MappingError(ExilegraphError):
    """A mapping file (mappings/*.yaml) that cannot be read or does not say what the reader needs."""


class QueryError(ExilegraphError):
    """A query that cannot run: syntax error, missing release, unknown parameter."""


class PushError(ExilegraphError):
    """A push to a remote store failed: unreachable, credentials or data rejected."""
