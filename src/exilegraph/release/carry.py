"""Evidence pages carried over from the previous release: a page whose inputs did not change is linked,
not rendered again.

A case's page reads its own record, and through the ids it refers to (subject, associates, actors,
affiliations, parent organisations) the records that define them, and theirs in turn: a person defined
elsewhere brings her affiliations, an organisation with events brings its record's sources. So a page's
inputs are the closure of its record under "refers to an id defined in", taken from the summaries the
dataset-wide checks use (every id a record refers to, in whichever field; no reference field is
restricted, so the public and internal summaries name the same ids). The page's key is a digest of those
records' paths and bytes, the toolkit's fingerprint (code, schema) and the options. The results cache
remembers which page bytes each key gave; the previous release's file is linked when SHA256SUMS lists
exactly those bytes for it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..diskcache import ResultCache, digest
from ..evidence.pages import EVIDENCE_DIR, write_evidence_pages
from ..records import RecordSummary
from .sums import Previous

KEY_PREFIX = "evidence:"
CLOSURE_MAX = 500  # records a page may read before it is not worth a key: it is rendered every time


@dataclass(frozen=True)
class PageInput:
    """What the page keys need of one record of the release."""

    path: str
    sha256: str
    summary: RecordSummary


@dataclass(frozen=True)
class CasePage:
    case_id: str
    key: str | None  # None: too many inputs to track; always rendered
    records: tuple[int, ...]  # the records its page reads, by their place in the release's list


def case_pages(records: list[PageInput], salt: str) -> list[CasePage]:
    """Each case's page with its key and the records it reads, in case id order."""
    definers: dict[tuple[str, str], list[int]] = {}
    cases: dict[str, int] = {}
    for i, r in enumerate(records):
        for d in r.summary.defines:
            definers.setdefault((d.kind, d.key), []).append(i)
            if d.kind == "case":
                cases.setdefault(d.key, i)
    deps = [
        sorted({j for ref in r.summary.refs for j in definers.get((ref.kind, ref.key), ())} - {i})
        for i, r in enumerate(records)
    ]
    out = []
    for case_id, start in sorted(cases.items()):
        seen, todo = {start}, [start]
        while todo and len(seen) <= CLOSURE_MAX:
            for j in deps[todo.pop()]:
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        if len(seen) > CLOSURE_MAX:
            out.append(CasePage(case_id, None, tuple(range(len(records)))))
            continue
        ordered = tuple(sorted(seen))
        inputs = sorted(f"{records[j].path}\x00{records[j].sha256}" for j in ordered)
        out.append(CasePage(case_id, digest([salt, case_id, *inputs]), ordered))
    return out


def write_pages(
    folder: Path,
    records: list[PageInput],
    *,
    internal: bool,
    salt: str,
    previous: Previous,
    cache: ResultCache,
) -> dict[str, str]:
    """Write every case's evidence pages into `folder`: linked from the previous release where the key
    and the bytes match, rendered otherwise. Returns the digest of every page by its path in `folder`.
    Raises RecordError when a record to render can no longer be read, OSError when writing fails."""
    pages = case_pages(records, salt)
    (folder / EVIDENCE_DIR).mkdir(parents=True, exist_ok=True)
    keyed = [p for p in pages if p.key is not None]
    remembered = cache.get_many([KEY_PREFIX + p.key for p in keyed])  # type: ignore[operator]
    known: dict[str, str] = {}
    render: list[CasePage] = []
    for page in pages:
        linked = _carry(folder, page, remembered.get(KEY_PREFIX + (page.key or "")), previous)
        if linked is None:
            render.append(page)
        else:
            known.update(linked)
    if render:
        wanted = sorted({i for p in render for i in p.records})
        paths = [records[i].path for i in wanted]
        if len(wanted) > len(records) // 2:
            paths = [r.path for r in records]  # the index of every record costs less than picking
        written = write_evidence_pages(folder, paths, internal=internal, cases=[p.case_id for p in render])
        known.update(written)
        fresh = {}
        for page in render:
            md, html = (written.get(f"{EVIDENCE_DIR}/{page.case_id}{s}") for s in (".md", ".html"))
            if page.key is not None and md and html:
                fresh[KEY_PREFIX + page.key] = [md, html]
        cache.put_many(fresh)
    return known


def _carry(folder: Path, page: CasePage, entry: object, previous: Previous) -> dict[str, str] | None:
    """Link the previous release's two pages of the case when the cache says its key gave those bytes."""
    if previous.path is None or not (
        isinstance(entry, list) and len(entry) == 2 and all(isinstance(d, str) for d in entry)
    ):
        return None
    rels = [f"{EVIDENCE_DIR}/{page.case_id}{s}" for s in (".md", ".html")]
    if [previous.digest(rel) for rel in rels] != entry:
        return None
    for rel in rels:
        _link(previous.path / rel, folder / rel)
    return dict(zip(rels, entry))


def _link(source: Path, target: Path) -> None:
    """A hard link (no bytes copied), or a copy where the file system refuses one."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
