"""Layer 3: checks across all records, done once: duplicate ids, sources described differently,
references to cases, persons or organisations that no record defines."""

from __future__ import annotations

import difflib
import hashlib

from ..findings import ERROR, Finding
from ..mapper import RecordGraph
from ..records import Record, dotted

KINDS = {"ExileCase": "case", "Person": "person", "Organisation": "organisation"}


def summarise(record: Record, graph: RecordGraph) -> dict:
    """What the dataset-wide checks need from one record; plain JSON, so it can be cached."""
    loc = record.raw.locate
    m = record.model
    defines = []
    if m.case is not None:
        defines.append(("case", m.case.id, ("case", "id")))
    defines += [("person", p.id, ("persons", i, "id")) for i, p in enumerate(m.persons or [])]
    defines += [("organisation", o.id, ("organisations", i, "id")) for i, o in enumerate(m.organisations or [])]
    refs = [(KINDS.get(cls, cls.lower()), ident, fpath) for cls, ident, fpath in graph.refs]
    by_subject: dict[str, list[str]] = {}
    for line in graph.lines:
        by_subject.setdefault(line[1:line.index(">")], []).append(line)
    sources = []
    for node, fpath in graph.paths.items():
        if fpath and fpath[0] == "sources" and len(fpath) == 2:
            digest = hashlib.sha256("\n".join(by_subject.get(node, [])).encode("utf-8")).hexdigest()[:16]
            sources.append((node, digest, fpath))

    def located(items):
        return [[a, b, dotted(p), *loc(p)] for a, b, p in items]

    return {"path": record.path, "defines": located(defines), "refs": located(refs), "sources": located(sources)}


def check_dataset(summaries: list[dict]) -> list[Finding]:
    out: list[Finding] = []
    defined: dict[tuple[str, str], tuple[str, int]] = {}
    for s in sorted(summaries, key=lambda s: s["path"]):
        for kind, ident, field, line, col in s["defines"]:
            first = defined.get((kind, ident))
            if first:
                out.append(Finding(s["path"], line, col, ERROR, "duplicate-id", field,
                                   f"{kind} id `{ident}` is already defined in {first[0]} (line {first[1]})",
                                   "choose another id, or keep one definition and refer to it by id"))
            else:
                defined[(kind, ident)] = (s["path"], line)
    ids_by_kind: dict[str, list[str]] = {}
    for kind, ident in defined:
        ids_by_kind.setdefault(kind, []).append(ident)
    for s in summaries:
        for kind, ident, field, line, col in s["refs"]:
            if (kind, ident) not in defined:
                close = difflib.get_close_matches(ident, ids_by_kind.get(kind, []), n=1, cutoff=0.6)
                fix = f"did you mean `{close[0]}`?" if close else f"define the {kind} `{ident}` in a record, or correct the id"
                out.append(Finding(s["path"], line, col, ERROR, "undefined-reference", field,
                                   f"refers to {kind} `{ident}`, which no record defines", fix))
    described: dict[str, tuple[str, str, int]] = {}
    for s in sorted(summaries, key=lambda s: s["path"]):
        for node, digest, field, line, col in s["sources"]:
            first = described.get(node)
            if first is None:
                described[node] = (digest, s["path"], line)
            elif first[0] != digest:
                out.append(Finding(s["path"], line, col, ERROR, "source-described-differently", field,
                                   f"this source (same URL or reference) is described differently in {first[1]} "
                                   f"(line {first[2]})", "make the two descriptions identical (title, outlet, dates, type)"))
    return out
