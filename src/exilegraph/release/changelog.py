"""What changed against the previous release: cases added, removed and changed; triples added and removed."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

from ..errors import NoReleaseError
from ..records import RecordGraph
from .folder import ReleaseDir

GENERATED_BY = "<http://www.w3.org/ns/prov#wasGeneratedBy>"
BUILD_NODES = ("build/", "file/", "graph/", "commit/", "software/")


def is_content(line: str, base: str) -> bool:
    """False for the triples that describe the build itself, which change with every build."""
    return not line.startswith(_build_prefixes(base)) and GENERATED_BY not in line


def content_lines(lines, base: str) -> list[str]:
    """The lines for which is_content holds (one comprehension: millions of lines at 10k cases)."""
    build = _build_prefixes(base)
    return [line for line in lines if not line.startswith(build) and GENERATED_BY not in line]


@functools.cache
def _build_prefixes(base: str) -> tuple[str, ...]:
    return tuple(f"<{base}{n}" for n in BUILD_NODES)


def case_digests(graphs: list[RecordGraph], base: str) -> dict[str, str]:
    out = {}
    for g in graphs:
        if g.case_iri:
            content = "\n".join(content_lines(g.lines, base))
            out[g.record_id] = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return dict(sorted(out.items()))


@dataclass
class Changelog:
    previous_version: str | None
    cases_added: list[str] = field(default_factory=list)
    cases_removed: list[str] = field(default_factory=list)
    cases_changed: list[str] = field(default_factory=list)
    triples_added: int = 0
    triples_removed: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def markdown(self, version: str) -> str:
        if self.previous_version is None:
            return (
                f"# Changelog\n\nRelease {version}: first release in this folder, nothing to compare with.\n"
            )
        lines = [
            "# Changelog\n",
            f"Release {version} against the previous release ({self.previous_version}).\n",
            f"- triples added: {self.triples_added}",
            f"- triples removed: {self.triples_removed}",
        ]
        for title, items in (
            ("Cases added", self.cases_added),
            ("Cases removed", self.cases_removed),
            ("Cases changed", self.cases_changed),
        ):
            lines.append(f"\n## {title} ({len(items)})\n")
            lines.extend(f"- {c}" for c in items)
        return "\n".join(lines) + "\n"


def compare(previous: ReleaseDir, digests: dict[str, str], triples: list[str], base: str) -> Changelog:
    """Compare with the release in `previous` (a release directory), if there is one. Triples that
    only record the build (activity, input files, generated-by links) are not counted as changes."""
    try:
        old = previous.manifest
    except NoReleaseError:
        return Changelog(
            previous_version=None,
            cases_added=sorted(digests),
            triples_added=len(content_lines(triples, base)),
        )
    old_cases = old.cases
    log = Changelog(previous_version=f"{old.version} built {old.issued}")
    log.cases_added = sorted(set(digests) - set(old_cases))
    log.cases_removed = sorted(set(old_cases) - set(digests))
    log.cases_changed = sorted(c for c in set(digests) & set(old_cases) if digests[c] != old_cases[c])
    old_nt = previous.ntriples
    if old_nt.is_file():
        with open(old_nt, encoding="utf-8") as f:
            # split on \n only: literals may hold U+2028, \x0c and other breaks splitlines() would cut at
            before = set(content_lines((x for x in f.read().split("\n") if x), base))
        now = set(content_lines(triples, base))
        log.triples_added = len(now - before)
        log.triples_removed = len(before - now)
    return log
