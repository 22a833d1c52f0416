"""The evidence report: every claim of a case with its citations, the conflicts side by side, the
`evidence` command, and the pages every release carries."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import pytest
import ryaml
from click.testing import CliRunner

from exilegraph.check import iter_records
from exilegraph.cli import main
from exilegraph.evidence import CaseNotFoundError, build_evidence, render_html, render_markdown, render_text
from exilegraph.release import build_release
from exilegraph.resources import schema_index

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
VALID = ROOT / "tests" / "fixtures" / "valid"
CLAIM_LISTS = (("case", "events"), ("case", "statements"), ("case", "residences"), ("case", "associates"))


def records_of(*paths: Path):
    return list(iter_records(list(paths)))


def case_cases():
    """(records, case id) for every case of the valid fixtures and of records/."""
    out = []
    for folder in (VALID, RECORDS):
        recs = records_of(folder)
        out += [(recs, r.model.case.id) for r in recs if r.model.case is not None]
    return out


CASES = case_cases()


def claims_of(records, case_id):
    """Every claim (with citations) the record of `case_id` makes, as the raw model objects."""
    rec = next(r for r in records if r.model.case is not None and r.model.case.id == case_id)
    case = rec.model.case
    out = (
        list(case.events or [])
        + list(case.statements or [])
        + list(case.residences or [])
        + list(case.associates or [])
    )
    subject = next((p for r in records for p in r.model.persons or [] if p.id == case.subject), None)
    if subject is not None:
        out += list(subject.alternative_names or []) + list(subject.affiliations or [])
    for o in rec.model.organisations or []:
        out += list(o.events or [])
    return rec, out


class _Checker(HTMLParser):
    """Parses a page and checks that every opened element (but the void ones) is closed in order."""

    VOID = {"meta", "br", "input", "link", "img", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> _Checker:
    p = _Checker()
    p.feed(page)
    p.close()
    assert p.errors == [] and p.stack == [], (p.errors, p.stack)
    return p


@pytest.mark.parametrize("records,case_id", CASES, ids=[c for _, c in CASES])
def test_every_claim_and_citation_is_in_the_report(records, case_id):
    rec, claims = claims_of(records, case_id)
    ev = build_evidence(case_id, records)
    keyed = {c.key: c for c in ev.claims if c.key}
    text, md, page = render_text(ev), render_markdown(ev), render_html(ev)
    shown = "".join(parse(page).text)
    sources = {s.key: s for s in rec.model.sources or []}
    for claim in claims:
        assert claim.key in keyed, f"claim {claim.key} missing from the report"
        got = keyed[claim.key]
        cits = claim.citations or []
        assert [(c.source.key, c.locator) for c in got.citations] == [(c.source, c.locator) for c in cits]
        for c in cits:
            src = sources[c.source]
            for out in (text, shown):
                if src.title:
                    assert src.title in out
                if c.locator:
                    assert c.locator in out
                if c.reference_text:
                    assert c.reference_text in out
            assert f"`{c.source}`" in md
    assert [c.number for c in ev.claims] == list(range(1, len(ev.claims) + 1))
    for c in ev.claims:
        assert f"[ ] {c.number}. " in text and f"**{c.number}.**" in md and f'id="claim-{c.number}"' in page


def test_conflicts_are_side_by_side():
    records = records_of(VALID)
    ev = build_evidence("fixture-yodgorov-iskandar", records)
    (cf,) = ev.conflicts
    assert [c.key for c in cf.claims] == ["wanted-list-range", "wanted-list-2017"]
    md = render_markdown(ev)
    row = next(line for line in md.splitlines() if line.startswith("| **"))
    cells = row.strip("|").split(" | ")
    assert len(cells) == 2
    assert "2018/2019" in cells[0] and "p. 5" in cells[0] and "Briefing on wanted lists" in cells[0]
    assert "2017" in cells[1] and "third post" in cells[1] and "Why I cannot go home" in cells[1]
    page = parse(render_html(ev))
    assert [t for t, _ in page.tags].count("td") == 2
    text = render_text(ev)
    section = text.split("== Conflicts")[1]
    assert section.index("wanted-list-range") < section.index("wanted-list-2017")


def test_akhmetova_conflicts_name_all_their_claims():
    records = records_of(RECORDS)
    ev = build_evidence("akhmetova-zhanara", records)
    raw = {c.key: c.claims for c in records_of(RECORDS / "akhmetova-zhanara.yaml")[0].model.case.conflicts}
    assert {cf.key: [c.key for c in cf.claims] for cf in ev.conflicts} == raw
    assert all(not cf.missing for cf in ev.conflicts)
    # the organisation's events the case relies on are checked too, with the sources of their record
    dck = [c for c in ev.claims if c.key == "dck-declared-extremist"]
    assert dck and dck[0].citations[0].source.title.startswith("Ukraine's Migration Service")


def test_flags():
    ev = build_evidence("akhmetova-zhanara", records_of(RECORDS))
    by_key = {c.key: c for c in ev.claims}
    assert "single source" in by_key["wanted-list"].flags
    assert "single source" not in by_key["arrest-kyiv"].flags
    soc = by_key["state_of_concern"]  # the curators' assessment: the profile's field is empty
    assert soc.basis == "assessed" and "assessed" in soc.flags and soc.assessment_note
    only_profile = by_key["name-akhmet-zhanara"]
    assert "supported only by a database entry" in only_profile.flags


def test_values_are_escaped(tmp_path):
    data = ryaml.loads((VALID / "conflicting-claims.yaml").read_text(encoding="utf-8"))
    hostile = '<script>alert("x")</script> & [link](https://evil.example) *bold* | pipe'
    data["case"]["events"][0]["description"] = hostile
    (tmp_path / "hostile.yaml").write_text(ryaml.dumps(data), encoding="utf-8")
    ev = build_evidence("fixture-yodgorov-iskandar", records_of(tmp_path))
    page = render_html(ev)
    assert "<script" not in page and html.escape(hostile, quote=True) in page
    assert hostile in "".join(parse(page).text)
    md = render_markdown(ev)
    assert "<script>" not in md and "[link](" not in md and "*bold*" not in md
    row = next(line for line in md.splitlines() if line.startswith("| **"))
    assert len(row.replace("\\|", "").strip("|").split(" | ")) == 2


def restricted_values(records) -> list[str]:
    """Every value of a restricted slot anywhere in the records (walked through the schema index)."""
    classes = schema_index()["classes"]
    found: list[str] = []

    def walk(obj):
        if isinstance(obj, list):
            for x in obj:
                walk(x)
            return
        if not hasattr(type(obj), "model_fields"):
            return
        slots = classes.get(type(obj).__name__, {}).get("slots", {})
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if value is None:
                continue
            if slots.get(name, {}).get("restricted"):
                found.append(str(value))
            walk(value)

    for r in records:
        walk(r.model)
    return found


def test_public_report_has_no_restricted_value():
    records = records_of(RECORDS)
    values = [v for v in restricted_values(records) if len(v) > 4]
    assert values, "records/ holds restricted values (a minor's details) to protect"
    for r in records:
        if r.model.case is None:
            continue
        ev = build_evidence(r.model.case.id, records)
        for out in (render_text(ev), render_markdown(ev), render_html(ev)):
            for v in values:
                assert v not in out and html.escape(v) not in out
        assert "Public report" in render_text(ev)
    internal = build_evidence("akhmetova-zhanara", records, internal=True)
    assert "INTERNAL" in render_html(internal)


def test_output_is_deterministic():
    a = build_evidence("akhmetova-zhanara", records_of(RECORDS))
    b = build_evidence("akhmetova-zhanara", list(reversed(records_of(RECORDS))))
    for render in (render_text, render_markdown, render_html):
        assert render(a) == render(b)


def test_unknown_case_names_close_ids():
    with pytest.raises(CaseNotFoundError, match="akhmetova-zhanara"):
        build_evidence("akhmetova-zhanar", records_of(RECORDS))


def test_cli(monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    ok = runner.invoke(main, ["evidence", "akhmetova-zhanara"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("Evidence report: akhmetova-zhanara")
    md = runner.invoke(
        main, ["evidence", "fixture-yodgorov-iskandar", "--records", str(VALID), "--format", "md"]
    )
    assert md.exit_code == 0 and md.output.startswith("# Evidence report: fixture-yodgorov-iskandar")
    page = runner.invoke(main, ["evidence", "akhmetova-zhanara", "--format", "html", "--internal"])
    assert page.exit_code == 0 and "INTERNAL" in page.output
    parse(page.output)
    bad = runner.invoke(main, ["evidence", "akhmetova-zhanar"])
    assert bad.exit_code == 1
    lines = bad.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no case `akhmetova-zhanar`")
    assert "akhmetova-zhanara" in lines[0]
    usage = runner.invoke(main, ["evidence", "akhmetova-zhanara", "--format", "pdf"])
    assert usage.exit_code == 2


def test_release_holds_a_page_pair_per_case(tmp_path):
    result = build_release([VALID], tmp_path, use_cache=False)
    cases = sorted(r.model.case.id for r in records_of(VALID) if r.model.case is not None)
    folder = result.path / "evidence"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{c}{s}" for c in cases for s in (".html", ".md")
    )
    sums = (result.path / "SHA256SUMS").read_text()
    for c in cases:
        assert f"  evidence/{c}.md\n" in sums and f"  evidence/{c}.html\n" in sums
        parse((folder / f"{c}.html").read_text(encoding="utf-8"))
        assert (folder / f"{c}.md").read_text(encoding="utf-8").startswith(f"# Evidence report: {c}")


def test_case_fields_show_their_attributions():
    checked = 0
    for records, case_id in CASES:
        rec = next(r for r in records if r.model.case is not None and r.model.case.id == case_id)
        by_key = {c.key: c for c in build_evidence(case_id, records).claims if c.kind == "case field"}
        attributed = {str(a.field) for a in rec.model.case.attributions or []}
        for key, claim in by_key.items():  # a field set without an attribution is unattributed, not reported
            assert (claim.basis == "unattributed") == (key not in attributed)
        for a in rec.model.case.attributions or []:
            claim = by_key[str(a.field)]
            assert claim.basis == str(a.basis or "reported")
            for c in a.citations or []:
                assert (c.source, c.locator) in [(x.source.key, x.locator) for x in claim.citations]
            checked += 1
    assert checked


def test_pages_refuse_a_record_that_changed_since_validation(tmp_path):
    from exilegraph.errors import RecordError
    from exilegraph.evidence.pages import write_evidence_pages

    changed = tmp_path / "changed.yaml"
    changed.write_text("case:\n  id: fixture-changed\n", encoding="utf-8")  # no subject: not a valid record
    with pytest.raises(RecordError, match=r"changed\.yaml:1:1: error \[changed-record\]"):
        write_evidence_pages(tmp_path / "out", [str(changed)])
