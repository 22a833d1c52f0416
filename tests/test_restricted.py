"""Restricted by construction: no restricted detail of records/ reaches any file of a public release.

The records are typed; every value held in a slot the schema marks `restricted` (a relative's name,
birth year, note, whether the relative is a minor; addresses, contacts) is collected. Every file of a
public release is then scanned, whatever other tools have added to the folder (evidence reports,
pages): dumps, VoID, changelog, validation report, release.json, and the store through its quads.
A hit is a restricted value itself, a run of six words of a restricted text, or a restricted slot's
predicate. Public free text (language-tagged literals, prose files, JSON reports) must also not speak
of a relative at all: a mention ("she fled with her son") is what gives away age and whereabouts.
The same scan must find the values in the internal release, so that it is known to see them.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from pydantic import BaseModel

from conftest import RECORDS
from exilegraph.check import iter_records
from exilegraph.release import build_release
from exilegraph.release.folder import ReleaseDir
from exilegraph.resources import schema_index

RELATIVE_WORDS = re.compile(
    r"\b(sons?|daughters?|child|children|childhood|minors?|kids?|boys?|girls?|babies|baby|infant|teenager|"
    r"nephews?|nieces?|grandsons?|granddaughters?|grandchild(ren)?|stepsons?|stepdaughters?|"
    r"wife|husband|spouse|mother|father|parents?|brothers?|sisters?|siblings?|relatives?|family)\b",
    re.IGNORECASE,
)
# labels of the schema's own terms ("action against relatives") are not text of a record
VOCAB = "https://w3id.org/exilegraph/vocab/"
RDF_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
PROSE = {".md", ".txt", ".html", ".htm"}
SHINGLE = 6  # words of a restricted text that, in a row, count as a leak


@dataclass(frozen=True)
class Restricted:
    slot: str
    predicate: str  # IRI
    value: object


def _walk(obj):
    if isinstance(obj, BaseModel):
        yield obj
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name))
    elif isinstance(obj, list):
        for item in obj:
            yield from _walk(item)


def restricted_items(models) -> list[Restricted]:
    """Every value the typed records hold in a slot the schema marks restricted."""
    classes = schema_index()["classes"]
    out = []
    for model in models:
        for obj in _walk(model):
            slots = classes.get(type(obj).__name__, {}).get("slots", {})
            for name, slot in slots.items():
                value = getattr(obj, name, None)
                if slot["restricted"] and value not in (None, [], ""):
                    for v in value if isinstance(value, list) else [value]:
                        if slot["range"] in classes:  # a restricted entry: its own slots are its values
                            for inner in classes[slot["range"]]["slots"]:
                                iv = getattr(v, inner, None)
                                if iv not in (None, [], "") and not isinstance(iv, bool):
                                    # the entry's own predicate marks it; its inner ones (relation) serve other classes too
                                    out.append(Restricted(inner, slot["uri"], iv))
                            continue
                        out.append(Restricted(name, slot["uri"], v))
    return out


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def needles(items: list[Restricted]) -> list[tuple[str, re.Pattern]]:
    """(what, pattern) for every restricted value: the whole value, and runs of words of a long text."""
    out = []
    for item in items:
        v = item.value
        if isinstance(v, bool):
            continue  # a flag is only visible through its predicate
        text = _norm(str(v))
        out.append((f"{item.slot} value", re.compile(rf"(?<![\w]){re.escape(text)}(?![\w])")))
        words = text.split()
        for i in range(len(words) - SHINGLE + 1):
            run = " ".join(words[i : i + SHINGLE])
            out.append((f"{item.slot} words {run!r}", re.compile(re.escape(run))))
    return out


def _json_strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)
    elif isinstance(value, str):
        yield value


def _vocabulary(q) -> bool:
    return isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(VOCAB)


@dataclass
class Scanned:
    name: str
    text: str  # everything the file says, normalised
    free_text: list[str]  # prose a reader reads: language-tagged literals, prose files, report strings
    predicates: set[str]


def _term_labels(release: Path) -> re.Pattern | None:
    """The labels of the schema's own terms, as the release states them: pages quote them (an event typed
    "action against relatives"), and they are the schema's text, not a record's."""
    labels = set()
    for q in ox.parse(path=str(release / "exilegraph.nt"), format=ox.RdfFormat.N_TRIPLES):
        if _vocabulary(q) and isinstance(q.object, ox.Literal):
            labels.add(q.object.value)
    words = sorted((re.escape(x) for x in labels if x), key=len, reverse=True)
    return re.compile("|".join(words), re.IGNORECASE) if words else None


def scan_folder(release: Path) -> list[Scanned]:
    """Every file of a release folder, the store read through its quads instead of its database files."""
    out = []
    term_labels = _term_labels(release)
    for f in sorted(release.rglob("*")):
        if not f.is_file() or (release / "store") in f.parents:
            continue
        raw = f.read_text(encoding="utf-8", errors="replace")
        free: list[str] = []
        preds: set[str] = set()
        if f.suffix in RDF_FORMATS and f.name != "context.jsonld":
            for q in ox.parse(path=str(f), format=RDF_FORMATS[f.suffix]):
                preds.add(q.predicate.value)
                if isinstance(q.object, ox.Literal) and q.object.language and not _vocabulary(q):
                    free.append(q.object.value)
        elif f.suffix in PROSE:
            prose = html.unescape(re.sub(r"<[^>]+>", " ", raw)) if f.suffix in (".html", ".htm") else raw
            free.append(term_labels.sub(" ", prose) if term_labels else prose)
        elif f.suffix == ".json":
            free.extend(_json_strings(json.loads(raw)))
        out.append(Scanned(str(f.relative_to(release)), _norm(raw), free, preds))
    store = ReleaseDir(release).open_store()
    free, preds, lines = [], set(), []
    for q in store.quads_for_pattern(None, None, None, None):
        preds.add(q.predicate.value)
        lines.append(str(q))
        if isinstance(q.object, ox.Literal):
            lines.append(q.object.value)
            if q.object.language and not _vocabulary(q):
                free.append(q.object.value)
    del store
    out.append(Scanned("store/", _norm("\n".join(lines)), free, preds))
    return out


def leaks(release: Path, items: list[Restricted]) -> list[str]:
    """Every restricted value, run of restricted words or restricted predicate found in the release."""
    found = []
    patterns = needles(items)
    predicates = {i.predicate for i in items}
    for s in scan_folder(release):
        found += [f"{s.name}: {what}" for what, pattern in patterns if pattern.search(s.text)]
        found += [f"{s.name}: predicate <{p}>" for p in sorted(predicates & s.predicates)]
    return sorted(set(found))


def relative_words(release: Path) -> list[str]:
    """Public free text that speaks of a relative."""
    found = []
    for s in scan_folder(release):
        for text in s.free_text:
            m = RELATIVE_WORDS.search(text)
            if m:
                found.append(f"{s.name}: {m.group(0)!r} in {' '.join(text.split())[:100]!r}")
    return found


@pytest.fixture(scope="module")
def items() -> list[Restricted]:
    return restricted_items([r.model for r in iter_records([RECORDS])])


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("restricted")
    public = build_release([RECORDS], out, use_cache=False).path
    internal = build_release([RECORDS], out, internal=True, use_cache=False).path
    return public, internal


def test_the_records_hold_restricted_values(items):
    slots = {i.slot for i in items}
    assert {"minor", "birth_year", "relative_note"} <= slots, slots


def test_no_restricted_value_in_any_public_file(releases, items):
    public, _ = releases
    assert leaks(public, items) == []


def test_no_public_free_text_speaks_of_a_relative(releases):
    public, _ = releases
    assert relative_words(public) == []


def test_the_scan_finds_every_restricted_value_in_the_internal_release(releases, items):
    _, internal = releases
    found = leaks(internal, items)
    for item in items:
        if isinstance(item.value, bool):
            assert any(f"predicate <{item.predicate}>" in x for x in found), item
        else:
            assert any(f"{item.slot} value" in x for x in found), item
    assert any(x.startswith("store/") for x in found), "the store is scanned too"


def test_the_scan_reads_files_other_tools_add(releases, items, tmp_path):
    public, _ = releases
    note = next(i for i in items if i.slot == "relative_note").value
    words = " ".join(str(note).split()[: SHINGLE + 2])
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in public.rglob("*"):
        if f.is_file():
            target = copy / f.relative_to(public)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.read_bytes())
    page = copy / "evidence" / "case.html"
    page.parent.mkdir(exist_ok=True)  # the release has evidence pages of its own
    page.write_text(
        f"<html><body><p>{html.escape(words)}</p><p>She left with her son.</p></body></html>",
        encoding="utf-8",
    )
    assert any(x.startswith("evidence/case.html: relative_note words") for x in leaks(copy, items))
    assert any(x.startswith("evidence/case.html: 'son'") for x in relative_words(copy))
