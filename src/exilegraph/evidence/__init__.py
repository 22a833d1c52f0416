"""The evidence report of one case: every claim, what it says, its basis and each citation with its
source, locator, support and reference text, and the conflicts side by side.

It is the checklist a reviewer reads against the source documents, so it is built from the typed
records (not the RDF) and follows the release's rule for restricted slots: a public report leaves
out every value of a slot the schema marks `restricted`.

- `report.py`: the report as typed values; `build.py`: built from the records of a dataset;
- `render.py`: plain text, Markdown and one self-contained HTML page;
- `pages.py`: the pages every release carries, `evidence/<case-id>.md` and `.html`.
"""

from __future__ import annotations

from pathlib import Path

from .build import all_evidence, build_evidence, close_ids
from .render import RENDERERS, render_html, render_markdown, render_text
from .report import CaseNotFoundError, CitationInfo, ClaimInfo, ConflictInfo, Evidence, Section, SourceInfo

__all__ = [
    "RENDERERS",
    "CaseNotFoundError",
    "CitationInfo",
    "ClaimInfo",
    "ConflictInfo",
    "Evidence",
    "Section",
    "SourceInfo",
    "all_evidence",
    "build_evidence",
    "close_ids",
    "render_html",
    "render_markdown",
    "render_text",
    "report",
]


def report(case_id: str, paths: list[Path], fmt: str = "text", *, internal: bool = False) -> str:
    """The evidence report of one case of the records under `paths`, rendered as `text`, `md` or `html`.
    Raises CaseNotFoundError for an unknown case and RecordError for a record that cannot be read."""
    from ..check import iter_records

    return RENDERERS[fmt](build_evidence(case_id, list(iter_records(paths)), internal=internal))
