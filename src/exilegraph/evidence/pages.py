"""The release's evidence pages: `evidence/<case-id>.md` and `evidence/<case-id>.html` for every case."""

from __future__ import annotations

from pathlib import Path

from ..errors import RecordError
from ..findings import ERROR, Finding
from ..records import Record
from .build import all_evidence
from .render import render_html, render_markdown

EVIDENCE_DIR = "evidence"


def _typed(paths: list[str]) -> list[Record]:
    """The records the release has already validated, typed again from their files (the worker processes
    that validated them keep no typed records)."""
    from ..model import RecordFile
    from ..readers import read_file

    out = []
    for p in paths:
        raw = read_file(Path(p))
        try:
            model = RecordFile.model_validate(raw.data)
        except ValueError as exc:  # pydantic's ValidationError: the file changed since it was validated
            first = str(exc).splitlines()[0]
            raise RecordError(
                [
                    Finding(
                        raw.path,
                        1,
                        1,
                        ERROR,
                        "changed-record",
                        "",
                        f"the record changed while the release was built ({first})",
                        "build the release again",
                    )
                ]
            ) from None
        out.append(Record(raw, model))
    return out


def write_evidence_pages(folder: Path, record_paths: list[str], *, internal: bool = False) -> list[str]:
    """Write one Markdown and one HTML evidence page per case of the records into `folder/evidence/`;
    returns the written paths relative to `folder`. Raises RecordError when a record can no longer be
    read (it changed since it was validated) and OSError when the folder cannot be written."""
    target = folder / EVIDENCE_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for ev in all_evidence(_typed(record_paths), internal=internal):
        for suffix, render in ((".md", render_markdown), (".html", render_html)):
            name = f"{EVIDENCE_DIR}/{ev.case_id}{suffix}"
            (folder / name).write_text(render(ev), encoding="utf-8")
            written.append(name)
    return written
