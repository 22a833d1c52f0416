"""The synthetic corpus generator (issue 8): deterministic, schema-valid, realistic in shape, clearly marked."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import ryaml
import yaml
from click.testing import CliRunner

from exilegraph.check import load_record, type_record
from exilegraph.errors import ExilegraphError
from exilegraph.readers import READERS
from exilegraph.records import sha256_bytes
from exilegraph.resources import RECORDS, schema_index
from exilegraph.synth import MARK, dump_yaml, estimate_triples, generate_corpus, iter_corpus, iter_records

ROOT = Path(__file__).resolve().parents[1]
N = 20
STAGE = {t: v["stage"] for t, v in schema_index()["enums"]["EventType"].items()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "corpus"
    generate_corpus(N, out, seed=7, fmt="both")
    return out


@pytest.fixture(scope="module")
def case_files(corpus) -> list[Path]:
    return sorted(p for p in (corpus / "yaml").glob("*.yaml") if p.name != "organisations.yaml")


@pytest.fixture(scope="module")
def records(case_files) -> dict[str, dict]:
    return {p.name: ryaml.loads(p.read_text(encoding="utf-8")) for p in case_files}


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path, corpus):
    generate_corpus(N, tmp_path / "again", seed=7, fmt="both")
    first, second = _tree_bytes(corpus), _tree_bytes(tmp_path / "again")
    assert len(first) == 2 * N + 1  # N yaml + N cape + organisations.yaml
    assert first == second


def test_different_seed_gives_different_records(tmp_path, corpus):
    generate_corpus(N, tmp_path / "other", seed=8)
    other = _tree_bytes(tmp_path / "other")
    mine = {k.split("/", 1)[1]: v for k, v in _tree_bytes(corpus).items() if k.startswith("yaml/")}
    assert sorted(other) == sorted(mine)
    assert sum(other[name] != mine[name] for name in mine) == len(mine)


def test_output_does_not_depend_on_the_hash_seed(tmp_path, corpus):
    """No set order or hash() leaks into the files: another interpreter with another PYTHONHASHSEED agrees."""
    code = (
        "import sys; from pathlib import Path; from exilegraph.synth import generate_corpus; "
        "generate_corpus(20, Path(sys.argv[1]), seed=7, fmt='both')"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "h")], check=True, env=env, cwd=ROOT, timeout=120
    )
    assert _tree_bytes(tmp_path / "h") == _tree_bytes(corpus)


def test_every_yaml_file_loads_without_errors(corpus):
    files = sorted((corpus / "yaml").glob("*.yaml"))
    assert len(files) == N + 1
    for path in files:
        record = load_record(path)  # raises RecordError on any error finding
        assert record.model.synthetic is True
    orgs = load_record(corpus / "yaml" / "organisations.yaml").model
    assert orgs.case is None and orgs.sources is None and len(orgs.organisations) >= 8


def test_every_file_is_marked_synthetic(corpus):
    for path in sorted(corpus.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert text.startswith(f"{MARK}, seed 7\n"), path
            if path.suffix == ".yaml":
                assert ryaml.loads(text)["synthetic"] is True
            else:
                assert "\n# synthetic: true\n" in text


def test_the_yielded_dicts_are_what_is_written(corpus):
    generated = dict(iter_corpus(N, seed=7))
    assert list(generated)[0] == "organisations" and len(generated) == N + 1
    for stem, rec in generated.items():
        text = (corpus / "yaml" / f"{stem}.yaml").read_text(encoding="utf-8")
        assert ryaml.loads(text) == rec
        assert yaml.load(text, Loader=yaml.CSafeLoader) == rec  # YAML 1.1 readers see the same values
    assert list(iter_records(N, seed=7)) == list(generated.values())


def test_emitter_quotes_what_yaml_would_misread():
    rec = {
        "a": "NO",
        "b": "2017-10-21",
        "c": "x: y",
        "d": "yes",
        "e": "#tag",
        "f": " lead",
        "g": "Нур Бек",
        "h": 3,
        "i": True,
        "j": ["2016~", "on"],
        "k": 'it\'s "quoted"\nnew line',
    }
    text = dump_yaml(rec, 1)
    assert yaml.safe_load(text) == rec and ryaml.loads(text) == rec
    assert "g: Нур Бек\n" in text  # plain where safe


def test_case_shape(records):
    for name, rec in records.items():
        case, person = rec["case"], rec["persons"][0]
        events = case["events"]
        assert 8 <= len(events) <= 20, name
        assert set(case["stages"]) >= {STAGE[e["event_type"]] for e in events} - {None}, name
        assert 2 <= len(case["statements"]) <= 4 and 3 <= len(rec["sources"]) <= 8
        assert 1 <= len(person["alternative_names"]) <= 3 and 1 <= len(person["affiliations"]) <= 2
        assert case["state_of_concern"] != case["residences"][-1]["country"]
        claims = (
            events
            + case["statements"]
            + case["residences"]
            + person["alternative_names"]
            + person["affiliations"]
        )
        for claim in claims:
            assert 1 <= len(claim["citations"]) <= 3 and all(c["locator"] for c in claim["citations"]), name
        cited = {c["source"] for claim in claims for c in claim["citations"]}
        assert cited == {s["key"] for s in rec["sources"]}, f"{name}: every source is cited"
        for e in events:
            if e["event_type"] == "criminal_charge":
                assert e["criminal_code_article"].startswith("Article ")
            if e["event_type"] == "detention":
                assert e["duration_days"] > 0 and e["facility"]
            if e["event_type"] == "court_decision":
                assert e["actors"][0].startswith(f"synth-{case['residences'][-1]['country'].lower()}-court-")
        assert case["violence_reported"] == (3 in case["stages"])


def test_actors_and_affiliations_are_shared_organisations(corpus, records):
    shared = ryaml.loads((corpus / "yaml" / "organisations.yaml").read_text(encoding="utf-8"))
    orgs = {o["id"]: o for o in shared["organisations"]}
    used = defaultdict(int)
    for rec in records.values():
        for aff in rec["persons"][0]["affiliations"]:
            assert orgs[aff["organisation"]]["organisation_type"] in (
                "opposition_movement",
                "political_party",
                "newspaper",
            )
            used[aff["organisation"]] += 1
        for e in rec["case"]["events"]:
            for actor in e.get("actors", []):
                assert orgs[actor]["organisation_type"] in ("court", "migration_authority")
    assert max(used.values()) >= 2, "some organisation is shared by two cases"


def test_dates_are_edtf_and_in_the_past(records):
    pattern = re.compile(schema_index()["types"]["edtf_date"]["pattern"])
    kinds = set()
    for rec in records.values():
        case = rec["case"]
        dates = [e["event_date"] for e in case["events"]] + [r["start_date"] for r in case["residences"]]
        dates += [s["publication_date"] for s in rec["sources"]]
        for d in dates:
            assert pattern.match(d) and all(int(y) <= 2025 for y in re.findall(r"\d{4}", d)), d
            kinds.add("range" if "/" in d else "approx" if d.endswith("~") else len(d))
    assert {10, 7, 4} <= kinds, "day, month and year precision all occur"


def test_sources_are_shared_between_files_with_identical_fields(records):
    by_url = defaultdict(list)
    for name, rec in records.items():
        for src in rec["sources"]:
            assert src["url"].startswith("https://example.org/synthetic/")
            by_url[src["url"]].append((name, src))
    shared = {url: uses for url, uses in by_url.items() if len({n for n, _ in uses}) > 1}
    assert shared, "some source is cited by two records"
    for uses in shared.values():
        assert all(src == uses[0][1] for _, src in uses)
    assert all(
        len(uses) == 1 for url, uses in by_url.items() if url not in shared
    )  # own sources have own URLs


def test_conflicts_and_restricted_values_exist(records):
    conflicts = [(rec, c) for rec in records.values() for c in rec["case"].get("conflicts", [])]
    assert 1 <= len(conflicts) <= N // 5
    for rec, conflict in conflicts:
        a, b = (next(e for e in rec["case"]["events"] if e.get("key") == k) for k in conflict["claims"])
        assert a["event_type"] == b["event_type"] and a["event_date"] != b["event_date"]
        assert a["citations"] and b["citations"]
    restricted = [rec["persons"][0] for rec in records.values() if "relatives" in rec["persons"][0]]
    assert 1 <= len(restricted) < N // 2
    for person in restricted:
        assert person["home_address"] and person["contact"].endswith("@example.org")
        assert person["relatives"][0]["birth_year"] <= 2025 and person["relatives"][0]["relative_note"]


def test_triple_estimate_counts_nodes_and_slots():
    rec = {
        "case": {
            "id": "x",
            "subject": "p",
            "events": [
                {"key": "k", "event_type": "arrest", "citations": [{"source": "s", "locator": "page 1"}]}
            ],
        }
    }
    # case: type + subject + events link; event: type + event_type + citations link; citation: type + source + locator
    assert estimate_triples(rec) == 3 + 3 + 3


def test_refuses_the_records_folder(tmp_path):
    before = sorted(RECORDS.rglob("*")) if RECORDS.exists() else []
    for target in (RECORDS, RECORDS / "synthetic"):
        with pytest.raises(ExilegraphError, match="records folder"):
            generate_corpus(2, target)
    assert (sorted(RECORDS.rglob("*")) if RECORDS.exists() else []) == before


def test_refuses_a_folder_with_real_records_and_replaces_an_earlier_synthetic_run(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "case.yaml").write_text("case:\n  id: a-real-case\n", encoding="utf-8")
    with pytest.raises(ExilegraphError, match="not synthetic"):
        generate_corpus(2, real)
    assert sorted(p.name for p in real.iterdir()) == ["case.yaml"]
    out = tmp_path / "again"
    generate_corpus(6, out, seed=2)
    (out / "notes.md").write_text("kept\n", encoding="utf-8")
    written = generate_corpus(3, out, seed=2)
    assert sorted(p.name for p in out.iterdir()) == sorted([p.name for p in written] + ["notes.md"])


def test_cape_profiles_follow_the_template(corpus):
    files = sorted((corpus / "cape").glob("*.txt"))
    assert len(files) == N
    headings = [
        "Gender:",
        "State of concern:",
        "Who, Why and How exiled:",
        "Category of exile:",
        "Alleged affiliation:",
        "Which stages experienced:",
        "Date of most serious incident:",
        "Violence experienced:",
        "Stage 1 details (",
        "Stage 2 details (",
        "Other actions during Stages 1–3 (",
        "International arrest warrant:",
        "Countries of transit, asylum and/or residence:",
        "Legal status (refugee/ asylum seeker/ resident):",
        "Current status:",
        "Press sources:",
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        positions = [text.find("\n" + h) for h in headings]
        assert -1 not in positions and positions == sorted(positions), path
        body, press = text.split("\nPress sources:\n")
        rec = ryaml.loads((corpus / "yaml" / f"{path.stem}.yaml").read_text(encoding="utf-8"))
        assert text.splitlines()[3] == "{1}, {0}".format(*rec["persons"][0]["preferred_name"].split(" ", 1))
        entries = [e for e in press.strip().split("\n\n") if e]
        assert len(entries) == len(rec["sources"])
        refs = re.findall(r"\(([^()]*, \d{4}[a-h]?(?:; [^()]*, \d{4}[a-h]?)*)\)", body)
        assert len(refs) >= len(rec["case"]["events"])
        for ref in refs:
            for part in ref.split("; "):
                label, year = part.rsplit(", ", 1)
                first = label.split(" and ")[
                    0
                ]  # "Surname and Surname" cites the entry "Surname, I. and Surname, I."
                matches = [
                    e
                    for e in entries
                    if e.startswith(first) and re.search(r"\b\d{4}[a-h]?\b", e).group() == year
                ]
                assert len(matches) == 1, (path, part)


def test_cape_profiles_read_back_with_the_cape_reader(corpus):
    """The profile body (below the two comment lines) reads with the colleague's reader into the same facts."""
    for path in sorted((corpus / "cape").glob("*.txt")):
        header, body = path.read_bytes().split(b"\n\n", 1)
        assert header.decode().splitlines()[1] == "# synthetic: true"
        raw = READERS["cape"].read(path.as_posix(), body, sha256_bytes(body))
        record, findings = type_record(raw)
        assert record is not None, [f.text() for f in findings]
        # the only warnings allowed: an EDTF range as the incident date, which the template's date field cannot
        # hold, and claims that rest on the profile alone (sentences without a reference, the residences)
        assert all(f.rule in ("unreadable-date", "profile-only") for f in findings), [
            f.text() for f in findings
        ]
        want = ryaml.loads((corpus / "yaml" / f"{path.stem}.yaml").read_text(encoding="utf-8"))
        got, case = raw.data["case"], want["case"]
        for fld in ("state_of_concern", "categories", "stages", "violence_reported", "legal_status"):
            assert got[fld] == case[fld], (path, fld)
        assert [{k: r[k] for k in ("country", "residence_role")} for r in got["residences"]] == [
            {k: r[k] for k in ("country", "residence_role")} for r in case["residences"]
        ]
        assert raw.data["persons"][0]["preferred_name"] == want["persons"][0]["preferred_name"]
        press = [
            s for s in raw.data["sources"] if s["key"] != "profile"
        ]  # the profile is a source of its own
        assert [s["url"] for s in press] == [s["url"] for s in want["sources"]]
        cited = [c for st in got["statements"] for c in st.get("citations", [])]
        assert len(cited) >= len(case["events"]), "every event sentence carries a resolved reference"


def _script():
    spec = importlib.util.spec_from_file_location("synth_script", ROOT / "scripts" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_runs(tmp_path):
    python = ROOT / ".venv" / "bin" / "python"
    done = subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            str(ROOT / "scripts" / "synth.py"),
            "3",
            "--out",
            str(tmp_path / "c"),
            "--seed",
            "4",
            "--format",
            "both",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 7 files for 3 synthetic cases" in done.stdout
    assert sorted(p.name for p in (tmp_path / "c" / "cape").iterdir()) == [
        f"synth-0000{i}.txt" for i in (1, 2, 3)
    ]
    assert len(list((tmp_path / "c" / "yaml").iterdir())) == 4


def test_script_reports_a_refusal_in_one_line():
    result = CliRunner().invoke(_script().main, ["2", "--out", str(RECORDS)])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: refusing to write synthetic records into the repository's records folder"
    )
    assert "Traceback" not in result.output
