"""The release: every file, isomorphic dumps, provenance walk, atomicity, public by default, reproducible."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from exilegraph import writers
from exilegraph.check import iter_records
from exilegraph.cli import main
from exilegraph.errors import ReleaseError
from exilegraph.release import build_release
from exilegraph.release.folder import REBUILD_DIR
from exilegraph.resources import schema_index

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "records"
PROV = "http://www.w3.org/ns/prov#"
EXPECTED = [
    "exilegraph.ttl",
    "exilegraph.nt",
    "exilegraph.nq",
    "exilegraph.jsonld",
    "void.ttl",
    "vocab.ttl",
    "context.jsonld",
    "SHA256SUMS",
    "CHANGELOG.md",
    "changelog.json",
    "validation.txt",
    "validation.json",
    "release.json",
]


def graph_of(path: Path, fmt: str) -> rdflib.Graph:
    if fmt == "nquads":
        ds = rdflib.Dataset()
        ds.parse(path, format="nquads")
        g = rdflib.Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return rdflib.Graph().parse(path, format=fmt)


def test_every_file_is_written(release):
    for name in EXPECTED:
        assert (release / name).is_file(), name
    assert (release / "store").is_dir()
    sums = (release / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ", 1)[1] for line in sums}
    assert set(EXPECTED) - {"SHA256SUMS"} <= listed
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest


def test_dumps_are_isomorphic_with_rdflib(release):
    nt = graph_of(release / "exilegraph.nt", "nt")
    assert len(nt) > 500
    for name, fmt in (
        ("exilegraph.ttl", "turtle"),
        ("exilegraph.nq", "nquads"),
        ("exilegraph.jsonld", "json-ld"),
    ):
        assert isomorphic(nt, graph_of(release / name, fmt)), name


def test_dumps_are_isomorphic_with_pyoxigraph(release):
    def quads(name, fmt):
        return {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=str(release / name), format=fmt)
        }

    nt = quads("exilegraph.nt", ox.RdfFormat.N_TRIPLES)
    assert nt == quads("exilegraph.ttl", ox.RdfFormat.TURTLE)
    assert nt == quads("exilegraph.nq", ox.RdfFormat.N_QUADS)
    assert nt == quads("exilegraph.jsonld", ox.RdfFormat.JSON_LD)


def test_jsonld_expanded_by_pyld_gives_the_same_graph(release):
    from pyld import jsonld

    doc = json.loads((release / "exilegraph.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert isomorphic(
        rdflib.Graph().parse(data=nquads, format="nt"), graph_of(release / "exilegraph.nt", "nt")
    )


def test_jsonld_is_plain_json_with_terms(release):
    doc = json.loads((release / "exilegraph.jsonld").read_text(encoding="utf-8"))
    case = next(n for n in doc["@graph"] if n["@id"].endswith("/case/akhmetova-zhanara"))
    assert case["@type"] == "eg:ExileCase"
    assert case["subject"] == "https://w3id.org/exilegraph/person/akhmetova-zhanara"
    assert isinstance(case["events"], list) and len(case["events"]) > 10


def test_nquads_has_one_named_graph_per_record(release):
    graphs = {
        q.graph_name.value for q in ox.parse(path=str(release / "exilegraph.nq"), format=ox.RdfFormat.N_QUADS)
    }
    ids = {r.id for r in iter_records([RECORDS])}
    assert {f"https://w3id.org/exilegraph/graph/{i}" for i in ids} <= graphs
    assert "https://w3id.org/exilegraph/graph/provenance" in graphs


def test_walk_from_a_citation_to_its_source_build_and_input_file(release):
    store = ox.Store.read_only(str(release / "store"))
    q = f"""PREFIX prov: <{PROV}> PREFIX schema: <http://schema.org/> PREFIX eg: <https://w3id.org/exilegraph/vocab/>
    SELECT ?citation ?source ?build ?graph ?file ?name ?sha WHERE {{
      GRAPH ?graph {{ ?claim eg:citation ?citation . ?citation prov:wasDerivedFrom ?source . }}
      ?build a prov:Activity ; prov:used ?file ; prov:startedAtTime ?start ; prov:endedAtTime ?end ;
             prov:wasAssociatedWith ?agent .
      ?agent schema:softwareVersion ?version .
      ?graph prov:wasDerivedFrom ?file ; prov:wasGeneratedBy ?build .
      ?file schema:name ?name ; schema:sha256 ?sha .
      ?source a eg:Source .
    }}"""
    rows = list(store.query(q))  # the default graph holds the union
    assert rows, "no citation could be walked to its source, build and file"
    citations = {
        r["c"]
        for r in store.query(
            "SELECT ?c WHERE { GRAPH ?g { ?c a <https://w3id.org/exilegraph/vocab/Citation> } }"
        )
    }
    assert {r["citation"] for r in rows} == citations  # every citation, not just some
    # the build is named by the record's graph only: a citation naming it would change with every build
    assert not store.query(
        f"ASK {{ ?c a <https://w3id.org/exilegraph/vocab/Citation> ; <{PROV}wasGeneratedBy> ?b }}"
    )
    for r in rows:
        path = ROOT / r["name"].value if not Path(r["name"].value).is_absolute() else Path(r["name"].value)
        assert path.is_file(), r["name"].value
        assert hashlib.sha256(path.read_bytes()).hexdigest() == r["sha"].value


def test_store_holds_each_records_graph_and_their_union_as_default_graph(release):
    store = ox.Store.read_only(str(release / "store"))
    union = {str(q.triple) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    nt = {str(t) for t in ox.parse(path=str(release / "exilegraph.nt"), format=ox.RdfFormat.N_TRIPLES)}
    void = {str(t) for t in ox.parse(path=str(release / "void.ttl"), format=ox.RdfFormat.TURTLE)}
    # Oxigraph keeps integer subtypes (dcat:byteSize is an xsd:nonNegativeInteger) as xsd:integer
    void = {t.replace("XMLSchema#nonNegativeInteger>", "XMLSchema#integer>") for t in void}
    assert union == nt | void
    named = {
        q.graph_name.value
        for q in store.quads_for_pattern(None, None, None, None)
        if q.graph_name != ox.DefaultGraph()
    }
    record_graphs = json.loads((release / "release.json").read_text(encoding="utf-8"))["graphs"]["records"]
    assert (
        set(record_graphs) <= named and len(named) == len(record_graphs) + 3
    )  # provenance, vocabulary, description


def test_same_source_cited_by_two_records_is_one_node(release):
    g = graph_of(release / "exilegraph.nt", "nt")
    statement = [
        s
        for s, o in g.subject_objects(rdflib.URIRef("http://purl.org/dc/terms/title"))
        if "turns a blind eye" in str(o).lower() or "migration service" in str(o).lower()
    ]
    users = (
        {str(c) for c in g.subjects(rdflib.URIRef(PROV + "wasDerivedFrom"), statement[0])}
        if statement
        else set()
    )
    assert statement and len(set(statement)) == 1
    ds = rdflib.Dataset()
    ds.parse(release / "exilegraph.nq", format="nquads")
    graphs_citing = {
        str(c) for s, p, o, c in ds.quads((None, rdflib.URIRef(PROV + "wasDerivedFrom"), statement[0], None))
    }
    assert len(graphs_citing) >= 2 and len(users) >= 2


def test_dates_are_typed_by_precision(release):
    nt = (release / "exilegraph.nt").read_text(encoding="utf-8")
    assert '"2017-10-21"^^<http://www.w3.org/2001/XMLSchema#date>' in nt
    assert '"2017-03"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>' in nt
    assert '"2009"^^<http://www.w3.org/2001/XMLSchema#gYear>' in nt
    assert "<http://www.wikidata.org/entity/Q232>" in nt  # Kazakhstan, a stable identifier


def test_text_carries_its_own_language_and_notes_the_datasets(release):
    g = graph_of(release / "exilegraph.nt", "nt")
    titles = {str(o): o.language for o in g.objects(None, rdflib.URIRef("http://purl.org/dc/terms/title"))}
    assert titles["Україна прихистила казахську журналістку, яку переслідували на батьківщині"] == "uk"
    notes = list(g.objects(None, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#note")))
    assert any("24Kanal" in str(n) for n in notes)
    assert {n.language for n in notes} == {"en"}  # curators' notes, though some describe Ukrainian sources


def restricted_predicates() -> set[str]:
    return {
        s["uri"] for c in schema_index()["classes"].values() for s in c["slots"].values() if s["restricted"]
    }


def restricted_values() -> set[str]:
    values = set()
    names = {n for c in schema_index()["classes"].values() for n, s in c["slots"].items() if s["restricted"]}
    for record in iter_records([RECORDS]):
        for person in record.model.persons or []:
            for obj in [person] + list(person.relatives or []):
                for n in names:
                    v = getattr(obj, n, None)
                    if v not in (None, ""):
                        values.add(str(v))
    return values


def test_no_restricted_value_reaches_a_public_file(release):
    values = restricted_values()
    assert values, "the records hold restricted values (the child's details) to protect"
    preds = restricted_predicates()
    texts = [v for v in values if len(v) > 4]  # free text; numbers are checked through their predicates
    # the vocabulary defines the restricted properties (vocab.ttl, and its graph in the dumps and the store):
    # their IRIs may be named there, but no triple of a public release uses one as its predicate
    rdf = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS, ".ttl": ox.RdfFormat.TURTLE}
    for f in release.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for v in texts:
                assert v.encode("utf-8") not in data, f"restricted value in {f.name}"
            if f.suffix in rdf:
                used = {q.predicate.value for q in ox.parse(data, format=rdf[f.suffix])}
                assert not used & preds, f"restricted slot {sorted(used & preds)} in {f.name}"
            elif (
                f.name not in ("context.jsonld", "exilegraph.jsonld")
                and "store" not in f.parts
                and REBUILD_DIR not in f.parts
                and f.relative_to(release).parts[:2] != ("site", "vocab")
            ):  # the terms' own pages define them; the rebuild's site index (not published) holds vocab.ttl
                for p in preds:
                    assert p.encode() not in data, f"restricted slot {p} in {f.name}"
    store = ox.Store.read_only(str(release / "store"))
    assert not [q for p in preds for q in store.quads_for_pattern(None, ox.NamedNode(p), None, None)]
    jsonld = json.loads((release / "exilegraph.jsonld").read_text(encoding="utf-8"))
    names = {n for c in schema_index()["classes"].values() for n, s in c["slots"].items() if s["restricted"]}
    assert names and not names & _keys(jsonld["@graph"]), "a restricted slot in exilegraph.jsonld"
    assert "internal" not in release.name


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_internal_release_holds_restricted_values_and_says_so(tmp_path):
    result = build_release([RECORDS], tmp_path, internal=True, use_cache=False)
    assert result.path.name == "exilegraph-internal"
    nt = (result.path / "exilegraph.nt").read_text(encoding="utf-8")
    assert any(p in nt for p in restricted_predicates())
    void = (result.path / "void.ttl").read_text(encoding="utf-8")
    assert "INTERNAL" in void and "access-right/NON_PUBLIC" in void
    assert json.loads((result.path / "release.json").read_text())["internal"] is True


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        # the store's and the site memo's database files: their content is the same, not their bytes
        if p.is_file() and not p.relative_to(folder).as_posix().startswith(("store/", ".rebuild/"))
    }


def test_reproducible_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = build_release([RECORDS], tmp_path / "a", use_cache=False).path
    b = build_release([RECORDS], tmp_path / "b", use_cache=False).path
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys()
    assert [k for k in fa if fa[k] != fb[k]] == []
    assert "2023-11-14T22:13:20Z" in (a / "release.json").read_text()


def test_builds_differ_only_in_timestamps(tmp_path):
    a = build_release([RECORDS], tmp_path / "a", use_cache=False).path
    b = build_release([RECORDS], tmp_path / "b", use_cache=False).path
    stamp = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)?")
    fa, fb = _files(a), _files(b)
    for name in fa:
        if name != "SHA256SUMS":
            assert stamp.sub(b"T", fa[name]) == stamp.sub(b"T", fb[name]), name


def test_changelog_against_the_previous_release(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    out = tmp_path / "out"
    first = build_release([records], out, use_cache=False)
    assert first.changelog.previous_version is None
    target = records / "huseynov-fikrat.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("summary: >-", "summary: >-\n    Updated.", 1),
        encoding="utf-8",
    )
    (records / "yegorov-vladimir.yaml").unlink()
    second = build_release([records], out, use_cache=False)
    log = second.changelog
    assert log.cases_changed == ["huseynov-fikrat"]
    assert log.cases_removed == ["yegorov-vladimir"]
    assert log.triples_added > 0 and log.triples_removed > 0
    assert "huseynov-fikrat" in (second.path / "CHANGELOG.md").read_text()


def test_unchanged_records_with_unusual_line_breaks_change_nothing(tmp_path):
    """Literals keep U+2028, form feeds and the like unescaped: the changelog must not split triples there."""
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    target = records / "huseynov-fikrat.yaml"
    text = re.sub(
        r"summary: >-\n(    .*\n)+",
        lambda m: 'summary: "Two\\Llines,\\f a form feed and\\N a next-line."\n',
        target.read_text(encoding="utf-8"),
        count=1,
    )  # YAML escapes for U+2028, \x0c and U+0085
    assert "\\L" in text
    target.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build_release([records], out, use_cache=False)
    again = build_release([records], out, use_cache=False).changelog
    assert (again.triples_added, again.triples_removed, again.cases_changed) == (0, 0, [])


def test_a_failure_between_writes_leaves_the_previous_release(tmp_path, monkeypatch):
    first = build_release([RECORDS], tmp_path, use_cache=False)
    before = _files(first.path)

    def boom(dataset, path):
        raise OSError("disk full (injected)")

    fmt = writers.FORMATS["jsonld"]
    monkeypatch.setitem(writers.FORMATS, "jsonld", type(fmt)(fmt.name, fmt.filename, fmt.media_type, boom))
    with pytest.raises(
        ReleaseError, match="writing the release failed.*disk full.*previous release .* untouched"
    ):
        build_release([RECORDS], tmp_path, use_cache=False)
    assert _files(first.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exilegraph"]  # no half-written directory


def test_refuses_to_publish_with_validation_errors(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    good = build_release([records], tmp_path / "out", use_cache=False)
    before = _files(good.path)
    bad = records / "huseynov-fikrat.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("event_type: arrest", "event_type: arest", 1),
        encoding="utf-8",
    )
    with pytest.raises(ReleaseError, match="validation found 1 errors"):
        build_release([records], tmp_path / "out", use_cache=False)
    assert _files(good.path) == before


def test_cli_release_quiet_verbose_and_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    quiet = runner.invoke(main, ["release", "--out", str(tmp_path), "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output == ""
    verbose = runner.invoke(main, ["release", "--out", str(tmp_path), "--verbose", "--force"])
    assert verbose.exit_code == 0
    assert "wrote public release" in verbose.output and "write turtle" in verbose.output
    missing = runner.invoke(main, ["release", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert missing.output.startswith("Error: ") and "nowhere" in missing.output


def test_a_release_built_from_the_same_inputs_is_left_in_place(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    first = build_release([records], tmp_path / "out")
    stamp = (first.path / "release.json").stat().st_mtime_ns
    again = build_release([records], tmp_path / "out")
    assert again.unchanged and "is up to date" in again.summary()
    assert (again.path / "release.json").stat().st_mtime_ns == stamp
    assert again.counts == first.counts and again.findings == first.findings
    victim = records / "huseynov-fikrat.yaml"
    victim.write_text(victim.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    changed = build_release([records], tmp_path / "out")
    assert not changed.unchanged and (changed.path / "release.json").stat().st_mtime_ns != stamp
    forced = build_release([records], tmp_path / "out", use_cache=False)
    assert not forced.unchanged


def test_a_verbose_release_says_why_it_is_built_in_full(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    first = runner.invoke(main, ["release", "--out", str(tmp_path), "--verbose"])
    assert first.exit_code == 0, first.output
    assert "building in full: no previous release" in first.output
    other = runner.invoke(
        main, ["release", "--out", str(tmp_path), "--verbose", "--base-iri", "https://example.org/eg/"]
    )
    assert other.exit_code == 0, other.output
    assert "building in full: the previous release was made by another toolkit or with other options" in (
        other.output
    )
