"""The release's static site without a browser: files per entity, parsable data, index pages, redirect rules,
no restricted value, deterministic output."""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld

from exilegraph.errors import ReleaseError
from exilegraph.release import build_release
from exilegraph.resources import schema_index
from exilegraph.site import build_site
from exilegraph.site.model import read_graph, term
from exilegraph.site.redirects import htaccess

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
FIXTURES = ROOT / "tests" / "fixtures"
BASE = "https://w3id.org/exilegraph/"
KINDS = ("case", "person", "organisation", "source")


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site-out")
    return build_release([RECORDS], out, use_cache=False).path


@pytest.fixture(scope="module")
def site(release) -> Path:
    return release / "site"


@pytest.fixture(scope="module")
def triples(release) -> list[str]:
    return (release / "exilegraph.nt").read_text(encoding="utf-8").splitlines()


def entities(triples: list[str], kind: str) -> list[str]:
    return sorted({line.split(" ", 1)[0][1:-1] for line in triples if line.startswith(f"<{BASE}{kind}/")})


class _Scripts(HTMLParser):
    """The text of every <script type="application/ld+json">, plus the page's links and table rows."""

    def __init__(self):
        super().__init__()
        self.ld: list[str] = []
        self.links: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in = tag == "script" and a.get("type") == "application/ld+json"
        if self._in:
            self.ld.append("")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.ld[-1] += data


def parse_page(path: Path) -> _Scripts:
    p = _Scripts()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_entity_has_a_page_and_three_data_files(site, triples):
    for kind in KINDS:
        found = entities(triples, kind)
        assert found, kind
        for iri in found:
            stem = site / kind / iri[len(BASE) + len(kind) + 1 :]
            for ext in ("html", "ttl", "jsonld", "nt"):
                assert stem.with_name(f"{stem.name}.{ext}").is_file(), f"{stem}.{ext}"
    for name in (
        "index.html",
        "sparql.html",
        "assets/site.css",
        "assets/sparql.js",
        ".htaccess",
        "vocab/index.html",
        "vocab/ExileCase.html",
        "vocab/Arrest.html",
    ):
        assert (site / name).is_file(), name


def test_each_data_file_parses_and_holds_the_entitys_triples(site, triples):
    everything = set(triples)
    for kind in KINDS:
        for iri in entities(triples, kind):
            stem = site / kind / iri[len(BASE) + len(kind) + 1 :]
            own = {line for line in triples if line.startswith(f"<{iri}> ")}
            graphs = {}
            for ext, fmt in (
                ("ttl", ox.RdfFormat.TURTLE),
                ("nt", ox.RdfFormat.N_TRIPLES),
                ("jsonld", ox.RdfFormat.JSON_LD),
            ):
                data = stem.with_name(f"{stem.name}.{ext}").read_bytes()
                graphs[ext] = {f"{t} ." for t in ox.parse(data, format=fmt)}
            assert graphs["ttl"] == graphs["nt"] == graphs["jsonld"], iri
            assert own <= graphs["nt"], iri  # its subject triples
            assert graphs["nt"] <= everything, iri  # and nothing the release does not state
            subjects = {t.split(" ", 1)[0][1:-1] for t in graphs["nt"]}
            others = {s[len(BASE) :].split("/", 1)[0] for s in subjects - {iri}}
            assert not others & {"case", "person", "organisation", "source", "vocab", "build", "graph"}, iri
    case = site / "case" / "akhmetova-zhanara.nt"
    lines = case.read_text(encoding="utf-8")
    assert f"<{BASE}event/" in lines.split(" ", 1)[0] or f"\n<{BASE}event/" in lines  # the events it owns
    assert f"\n<{BASE}citation/" in lines and f"\n<{BASE}conflict/" in lines


def test_jsonld_files_expand_with_pyld(site):
    doc = json.loads((site / "case" / "akhmetova-zhanara.jsonld").read_text(encoding="utf-8"))
    expanded = jsonld.expand(doc)
    assert any(n.get("@id") == f"{BASE}case/akhmetova-zhanara" for n in expanded)


def test_pages_embed_schema_org_json_ld_that_parses(site):
    pages = sorted(p for kind in KINDS for p in (site / kind).glob("*.html") if p.name != "index.html")
    assert pages
    for page in pages:
        blocks = parse_page(page).ld
        assert len(blocks) == 1, page
        data = json.loads(blocks[0])
        assert data["@context"] == "https://schema.org" and data["@id"].startswith(BASE), page
    case = json.loads(parse_page(site / "case" / "akhmetova-zhanara.html").ld[0])
    assert case["about"]["@id"] == f"{BASE}person/akhmetova-zhanara"
    assert len(case["citation"]) >= 5


def test_case_page_shows_timeline_citations_conflicts_and_provenance(site, triples):
    html = (site / "case" / "akhmetova-zhanara.html").read_text(encoding="utf-8")
    for section in ('id="timeline"', 'id="stage-1"', 'id="stage-2"', 'id="conflicts"', 'id="provenance"'):
        assert section in html, section
    conflicts = [
        line
        for line in triples
        if line.startswith(f"<{BASE}case/akhmetova-zhanara> ") and "/vocab/conflict>" in line
    ]
    assert html.count('class="conflict"') == len(conflicts) >= 1
    assert html.count('class="claim side"') >= 2 * len(conflicts)
    from exilegraph.check import load_record

    events = load_record(RECORDS / "akhmetova-zhanara.yaml").model.case.events
    locators = {c.locator for e in events for c in e.citations or []}
    assert locators and all(
        html_escape(loc) in html or html_escape(loc, quote=False) in html for loc in locators
    )
    assert "records/akhmetova-zhanara.yaml" in html  # the record file in the provenance
    # every link inside the site is relative and points at a file that exists
    page = site / "case" / "akhmetova-zhanara.html"
    for href in parse_page(page).links:
        if href.startswith(("http://", "https://")):
            continue
        assert not href.startswith("/"), href
        target = (page.parent / href.split("#", 1)[0]).resolve()
        assert target.is_file(), href


def test_index_pages_list_every_case(site, triples):
    cases = entities(triples, "case")
    home = (site / "index.html").read_text(encoding="utf-8")
    for iri in cases:
        assert f'href="case/{iri.rsplit("/", 1)[-1]}.html"' in home
    listed = set()
    for page in (site / "by-state-of-concern").glob("*.html"):
        listed |= set(re.findall(r'href="\.\./case/([^"]+)\.html"', page.read_text(encoding="utf-8")))
    assert listed == {iri.rsplit("/", 1)[-1] for iri in cases}
    assert (site / "by-state-of-concern" / "kz.html").is_file()
    assert (site / "by-host-state" / "ua.html").is_file()
    assert (site / "by-category" / "civil_society.html").is_file()
    kz = (site / "by-state-of-concern" / "kz.html").read_text(encoding="utf-8")
    assert "akhmetova-zhanara" in kz


def test_term_pages_show_labels_from_the_release(site):
    arrest = (site / "vocab" / "Arrest.html").read_text(encoding="utf-8")
    assert "<h1>arrest</h1>" in arrest  # rdfs:label "arrest"@en of the vocabulary graph


def test_term_pages_take_labels_and_comments_from_a_vocabulary_file(tmp_path, triples):
    vocab = tmp_path / "vocab.ttl"
    vocab.write_text(
        "@prefix eg: <https://w3id.org/exilegraph/vocab/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'eg:ExileCase rdfs:label "exile case"@en ; rdfs:comment "A person pursued <abroad> & more."@en .\n',
        encoding="utf-8",
    )
    # the release's own vocabulary graph is left out: the labels must come from the file alone
    data = [line for line in triples if not line.startswith("<https://w3id.org/exilegraph/vocab/")]
    site = build_site(data, tmp_path / "site", BASE, catalogue={}, vocabulary=vocab).path
    page = (site / "vocab" / "ExileCase.html").read_text(encoding="utf-8")
    assert "<h1>exile case</h1>" in page and "A person pursued &lt;abroad&gt; &amp; more." in page
    assert json.loads(parse_page(site / "vocab" / "ExileCase.html").ld[0])["description"].startswith(
        "A person"
    )
    assert "exile case" in (site / "vocab" / "ExileCase.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ReleaseError, match="cannot read the vocabulary"):
        build_site(triples, tmp_path / "site2", BASE, catalogue={}, vocabulary=bad)
    assert not (tmp_path / "site2").exists()


def test_claim_attribution_is_shown_when_the_release_has_it(tmp_path):
    """Basis (reported or assessed), the curators' note, and each citation's locator and support."""
    eg, case, event, cit = f"{BASE}vocab/", f"<{BASE}case/x>", f"<{BASE}event/e1>", f"<{BASE}citation/c1>"
    src = f"<{BASE}source/s1>"
    lines = [
        f"{case} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{eg}ExileCase> .",
        f"{case} <{eg}event> {event} .",
        f"{event} <{eg}event_type> <{eg}Arrest> .",
        f"{event} <{eg}basis> <{eg}Assessed> .",
        f'{event} <{eg}assessmentNote> "Two sources agree on the month only."@en .',
        f"{event} <{eg}citation> {cit} .",
        f"{cit} <http://www.w3.org/ns/prov#wasDerivedFrom> {src} .",
        f'{cit} <{eg}locator> "p. 7" .',
        f'{cit} <{eg}support> "partial" .',
        f'{src} <http://purl.org/dc/terms/title> "A report" .',
        f'<{eg}Assessed> <http://www.w3.org/2004/02/skos/core#prefLabel> "assessed"@en .',
    ]
    site = build_site(lines, tmp_path / "site", BASE, catalogue={}).path
    html = (site / "case" / "x.html").read_text(encoding="utf-8")
    assert '<span class="basis">assessed</span>' in html
    assert "Two sources agree on the month only." in html
    assert '<span class="locator">p. 7</span>' in html and "<dd>partial</dd>" in html
    assert 'href="../source/s1.html">A report</a>' in html


def test_text_is_escaped(tmp_path):
    lines = [
        f"<{BASE}case/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{BASE}vocab/ExileCase> .",
        f'<{BASE}case/x> <http://purl.org/dc/terms/abstract> "<script>alert(1)</script> & \\"q\\""@en .',
    ]
    build_site(lines, tmp_path / "site", BASE, catalogue={})
    html = (tmp_path / "site" / "case" / "x.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;" in html


def test_no_restricted_value_in_the_public_site(tmp_path):
    """The fixture with a minor's details: the internal site shows them, the public one does not."""
    records = FIXTURES / "valid"
    public = build_release([records], tmp_path / "pub", use_cache=False).path / "site"
    internal = build_release([records], tmp_path / "int", internal=True, use_cache=False).path / "site"
    internal_nt = (internal.parent / "exilegraph.nt").read_text(encoding="utf-8").splitlines()
    preds = {
        f"<{s['uri']}>"
        for c in schema_index()["classes"].values()
        for s in c["slots"].values()
        if s["restricted"]
    }
    restricted = [
        term(line[:-2].split(" ", 2)[2]).value
        for line in internal_nt
        if line.split(" ", 2)[1] in preds and '"' in line
    ]
    restricted = [v for v in restricted if len(v) > 4]  # free text; a year alone could be anything
    assert restricted, "the fixtures hold restricted values to protect"
    in_internal = "".join(p.read_text(encoding="utf-8") for p in internal.rglob("*.nt"))
    assert any(v in in_internal for v in restricted)
    for f in public.rglob("*"):
        if f.is_file():
            data = f.read_text(encoding="utf-8")
            for v in restricted:
                assert v not in data, f"restricted value in {f}"


def test_two_builds_are_byte_identical(tmp_path, monkeypatch, release):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = build_site(release, tmp_path / "a").path
    b = build_site(release, tmp_path / "b").path
    fa = {p.relative_to(a).as_posix(): p.read_bytes() for p in sorted(a.rglob("*")) if p.is_file()}
    fb = {p.relative_to(b).as_posix(): p.read_bytes() for p in sorted(b.rglob("*")) if p.is_file()}
    assert fa.keys() == fb.keys() and len(fa) > 100
    assert [k for k in fa if fa[k] != fb[k]] == []
    assert fa == {
        p.relative_to(release / "site").as_posix(): p.read_bytes()
        for p in sorted((release / "site").rglob("*"))
        if p.is_file()
    }


def test_forked_workers_write_the_same_site(tmp_path, release):
    one = build_site(release, tmp_path / "one", jobs=1)
    two = build_site(release, tmp_path / "two", jobs=3)
    assert (one.pages, one.files) == (two.pages, two.files)
    fa = {p.relative_to(one.path).as_posix(): p.read_bytes() for p in one.path.rglob("*") if p.is_file()}
    fb = {p.relative_to(two.path).as_posix(): p.read_bytes() for p in two.path.rglob("*") if p.is_file()}
    assert fa == fb and len(fa) == one.files


def test_htaccess_negotiates_each_format():
    rules = htaccess("https://pages.example.org/eg/", BASE)
    assert "RewriteEngine on" in rules
    branches = re.findall(r"RewriteCond %\{HTTP_ACCEPT\} (\S+)\nRewriteRule (\S+) (\S+) \[R=303,L\]", rules)
    by_accept = {accept: (pattern, target) for accept, pattern, target in branches}
    expected = {
        "text/turtle": "ttl",
        "application/ld\\+json": "jsonld",
        "application/n-triples": "nt",
        "text/html": "html",
    }
    assert set(by_accept) == set(expected)
    for accept, ext in expected.items():
        pattern, target = by_accept[accept]
        assert target == f"https://pages.example.org/eg/$1/$2.{ext}"
        rx = re.compile(pattern)
        for path in ("case/akhmetova-zhanara", "person/p", "organisation/o", "source/abc123", "vocab/Arrest"):
            assert rx.match(path), path
        assert not rx.match("case/a/b") and not rx.match("graph/x")
    assert re.search(
        r"^RewriteRule \^\(case\|person\|organisation\|source\|vocab\)/\(\[\^/\]\+\)\$ "
        r"https://pages\.example\.org/eg/\$1/\$2\.html \[R=303,L\]$",
        rules,
        re.MULTILINE,
    )
    assert "example.org/exilegraph/site/" in htaccess(None, BASE)  # the documented placeholder
    with pytest.raises(ReleaseError):
        htaccess("javascript:alert(1)", BASE)


def test_release_folder_without_triples_is_one_error(tmp_path):
    with pytest.raises(ReleaseError, match="no exilegraph.nt"):
        build_site(tmp_path, tmp_path / "site")
    with pytest.raises(ReleaseError, match="not an N-Triples line"):
        read_graph(["this is no triple"], BASE)
