"""`exilegraph validate`: exit codes, the one-line text format, JSON output, the default folder,
the cache, and messages that read as advice."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import exilegraph.validate as validate_module
from conftest import FIXTURES, ROOT
from exilegraph.cli import main
from exilegraph.findings import to_text

VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"

# path:line:col: severity [rule] field: message Fix: ...
LINE = re.compile(
    r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info) "
    r"\[(?P<rule>[a-z0-9-]+)\](?: (?P<field>[^\s:]+):)? (?P<message>.+?) Fix: (?P<fix>.+)$"
)

THREE_ERRORS = """\
case:
  id: three-errors
  subject: three-errors
  state_of_concern: TJ
  stages: [1]
  events:
    - key: charge
      event_type: criminal_chrage
      event_date: "2016-05"
      citations:
        - {source: report, locator: "p. 1"}
    - key: notice
      event_type: wanted_list_entry
      event_date: "05/2016"
      citations:
        - {source: report, locator: "p. 2"}
    - key: arrest
      event_type: arrest
      evnt_date: "2016-07"
      citations:
        - {source: report, locator: "p. 3"}
persons:
  - id: three-errors
    preferred_name: Three Errors
sources:
  - key: report
    source_type: report
    title: An invented report
"""


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch, tmp_path):
    """Run from the repository root (paths print relative to it) with a throw-away cache."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))


def run(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


class Spy:
    """Records the files handed to the per-record stages (read, type, map, SHACL): what the cache
    did not serve."""

    def __init__(self, monkeypatch):
        self.calls: list[list[str]] = []
        real = validate_module.process_files

        def spy(files, *args, **kwargs):
            self.calls.append([Path(f).name for f in files])
            return real(files, *args, **kwargs)

        monkeypatch.setattr(validate_module, "process_files", spy)

    @property
    def files(self) -> list[str]:
        return [Path(p).name for call in self.calls for p in call]


# ---- exit codes and formats -------------------------------------------------------------------


def test_valid_files_exit_0_and_print_no_finding():
    result = run(rel(VALID / "full-case.yaml"), rel(VALID / "shared-organisations.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 errors, 0 warnings" in result.stderr


def test_valid_folder_exits_0():
    result = run(rel(VALID))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_invalid_file_exits_1_with_one_line_per_finding(tmp_path):
    record = tmp_path / "three-errors.yaml"
    record.write_text(THREE_ERRORS, encoding="utf-8")
    result = run(str(record))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), "\n".join(line for line, m in zip(lines, parsed) if not m)
    got = [(m["path"], int(m["line"]), m["severity"], m["rule"], m["field"]) for m in parsed]
    assert got == [
        (record.as_posix(), 8, "error", "unknown-value", "case.events[0].event_type"),
        (record.as_posix(), 14, "error", "malformed-date", "case.events[1].event_date"),
        (record.as_posix(), 19, "error", "unknown-field", "case.events[2].evnt_date"),
    ]
    assert "3 errors, 0 warnings" in result.stderr


def test_a_warning_alone_exits_0_but_is_printed():
    name = "online-source-accessed--url-without-accessed-date.yaml"
    result = run(rel(INVALID / name))
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    m = LINE.match(line)
    assert m and m["severity"] == "warning" and m["rule"] == "online-source-accessed"
    assert m["path"] == rel(INVALID / name) and m["line"] == "20"


def test_json_output_is_parseable_with_counts_and_located_findings(tmp_path):
    record = tmp_path / "three-errors.yaml"
    record.write_text(THREE_ERRORS, encoding="utf-8")
    result = run("--format", "json", str(record))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["counts"] == {"error": 3, "warning": 0, "info": 0}
    keys = {"severity", "rule", "path", "line", "column", "field", "message", "fix"}
    assert all(keys <= set(f) for f in data["findings"])
    first = data["findings"][0]
    assert (first["rule"], first["line"], first["column"], first["field"]) == (
        "unknown-value",
        8,
        7,
        "case.events[0].event_type",
    )
    assert first["fix"] == "did you mean `criminal_charge`?"


def test_json_output_for_a_valid_file():
    result = run("--format", "json", rel(VALID / "shared-organisations.yaml"))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"counts": {"error": 0, "warning": 0, "info": 0}, "findings": []}


def test_bad_option_is_a_usage_error():
    result = run("--format", "xml", rel(VALID))
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output
    result = run("--bogus")
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_missing_path_is_a_usage_error_without_traceback():
    result = run("tests/fixtures/no-such-file.yaml")
    assert result.exit_code == 2
    assert "no-such-file.yaml" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_no_argument_validates_records(monkeypatch):
    spy = Spy(monkeypatch)
    result = run()
    assert result.exit_code == 0, result.output
    errors = [line for line in result.stdout.splitlines() if ": error [" in line]
    assert errors == []
    records = sorted(p.name for p in (ROOT / "records").glob("*.yaml"))
    assert records and sorted(spy.files) == records


# ---- the cache --------------------------------------------------------------------------------


@pytest.fixture
def two_records(tmp_path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(VALID / "shared-organisations.yaml", folder / "a.yaml")
    shutil.copy(INVALID / "stage-coverage--detention-not-in-stages.yaml", folder / "b.yaml")
    return folder


def test_second_run_is_served_from_the_cache(monkeypatch, two_records):
    spy = Spy(monkeypatch)
    first = run(str(two_records))
    assert first.exit_code == 1
    assert spy.files == ["a.yaml", "b.yaml"]
    assert "[stage-coverage]" in first.stdout
    second = run(str(two_records))
    assert spy.files == ["a.yaml", "b.yaml"], "the second run validated files again"
    assert (second.exit_code, second.stdout) == (first.exit_code, first.stdout)


def test_a_changed_record_is_validated_again(monkeypatch, two_records):
    spy = Spy(monkeypatch)
    run(str(two_records))
    b = two_records / "b.yaml"
    b.write_text(b.read_text(encoding="utf-8").replace("stages: [1]", "stages: [1, 2]"), encoding="utf-8")
    result = run(str(two_records))
    assert spy.calls[1:] == [["b.yaml"]]
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_no_cache_validates_everything(monkeypatch, two_records):
    spy = Spy(monkeypatch)
    run(str(two_records))
    run("--no-cache", str(two_records))
    assert spy.files == ["a.yaml", "b.yaml", "a.yaml", "b.yaml"]


class _Planted:
    """A pickle that, if anything unpickled it, would create a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_planted_cache_files_cannot_run_code(tmp_path, monkeypatch):
    """A cache folder sits in the working folder, where anyone could plant files: pickles where older
    versions kept compiled code, and crafted rows in the results database are ignored, never executed."""
    import marshal
    import pickle
    import sqlite3

    marker = tmp_path / "code-ran"
    cache_dir = tmp_path / "cache"
    (cache_dir / "compiled").mkdir(parents=True)
    for name in ("jsonschema-0123456789abcdef.pickle", "shacl-engine-0123456789abcdef.pickle"):
        (cache_dir / "compiled" / name).write_bytes(pickle.dumps(_Planted(marker)))
    db = sqlite3.connect(cache_dir / "results.sqlite")
    db.execute("CREATE TABLE results_v3 (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE results_v2 (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    code = compile(f"open({str(marker)!r}, 'w').close()", "<planted>", "exec")
    db.execute("INSERT INTO results_v2 VALUES (?, ?)", ("x", marshal.dumps(code)))
    db.commit()
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(cache_dir))
    bad = FIXTURES / "invalid" / "unknown-value--misspelt-event-type.yaml"
    from exilegraph.pipeline import Options
    from exilegraph.records import sha256_bytes

    key = Options().cache_key(rel(bad), sha256_bytes(bad.read_bytes()))
    db.execute("INSERT INTO results_v3 VALUES (?, ?)", (key, '{"findings": [["x", "not", "a finding"]]}'))
    db.commit()
    db.close()
    result = run("--format", "json", rel(bad))
    assert not marker.exists()
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["unknown-value"]


def test_record_files_are_found_without_entering_symlinked_folders(tmp_path, monkeypatch):
    from exilegraph.readers import display_path, find_record_files

    folder = tmp_path / "recs"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    for name in ("a.yaml", "sub/b.yaml", ".hidden/c.yaml", ".d.yaml", "notes.md"):
        (folder / name).write_text("x: 1\n", encoding="utf-8")
    (folder / "up").symlink_to("..")  # a loop if it were followed
    (folder / "again").symlink_to(folder / "sub")  # the same files under a second path if it were followed
    monkeypatch.chdir(tmp_path)
    found = find_record_files([Path("recs"), Path("recs/a.yaml")])
    assert [display_path(f) for f in found] == ["recs/a.yaml", "recs/sub/b.yaml"]


def test_shown_paths_are_relative_also_through_a_symlinked_working_folder(tmp_path, monkeypatch):
    from exilegraph.readers import display_path

    (tmp_path / "real" / "recs").mkdir(parents=True)
    (tmp_path / "real" / "recs" / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "link")  # the process sees the real folder; the user typed the link
    assert display_path(tmp_path / "link" / "recs" / "a.yaml") == "recs/a.yaml"
    assert display_path(Path("recs/../recs/a.yaml")) == "recs/a.yaml"
    assert display_path(tmp_path / "elsewhere.yaml") == (tmp_path / "elsewhere.yaml").as_posix()


def test_the_cache_fingerprint_follows_every_module_and_the_mappings(tmp_path, monkeypatch):
    from exilegraph import diskcache
    from exilegraph.resources import MAPPINGS

    package, mappings = tmp_path / "pkg", tmp_path / "mappings"
    shutil.copytree(diskcache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(MAPPINGS, mappings)
    monkeypatch.setattr(diskcache, "PACKAGE", package)
    seen = set()
    for changed in (
        None,
        package / "readers" / "cape.py",
        package / "readers" / "positions.py",
        mappings / "cape.yaml",
    ):
        if changed is not None:
            changed.write_text(changed.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        diskcache.code_fingerprint.cache_clear()
        seen.add(diskcache.code_fingerprint((mappings,)))
    diskcache.code_fingerprint.cache_clear()
    assert len(seen) == 4


# ---- messages read as advice ------------------------------------------------------------------


def finding_line(path: Path) -> re.Match:
    result = run(rel(path))
    [line] = result.stdout.splitlines()
    m = LINE.match(line)
    assert m, line
    return m


@pytest.mark.parametrize(
    "name, message, fix",
    [
        (
            "unknown-value--misspelt-event-type.yaml",
            "`criminal_chrage` is not an allowed value",
            "did you mean `criminal_charge`?",
        ),
        (
            "unknown-field--typo-in-field.yaml",
            "`evnt_date` is not a field of this item",
            "rename it to `event_date`",
        ),
        (
            "unknown-source--citation-to-missing-source.yaml",
            "cites `watch-reprot`, which is not a source of this record",
            "did you mean `watch-report`?",
        ),
        (
            "required--event-without-type.yaml",
            "the required field `event_type` is missing",
            "add `event_type:` here",
        ),
        (
            "unknown-claim--conflict-names-missing-key.yaml",
            "`charge-2017` is not the key of an event, statement or name of this record",
            "did you mean `charge-2016`?",
        ),
        ("out-of-range--stage-four.yaml", "`4` is out of range (maximum 3)", "use a value from 1 to 3"),
    ],
)
def test_schema_messages_suggest_the_fix(name, message, fix):
    m = finding_line(INVALID / name)
    assert (m["message"], m["fix"]) == (message, fix)


def test_malformed_date_explains_the_accepted_forms():
    m = finding_line(INVALID / "malformed-date--day-first.yaml")
    assert m["message"] == "`11-05-2016` is not a date exilegraph can read"
    assert "YYYY-MM-DD" in m["fix"] and "2018/2019" in m["fix"] and "~" in m["fix"]


def test_shacl_messages_show_values_as_written():
    m = finding_line(INVALID / "stage-coverage--detention-not-in-stages.yaml")
    assert m["message"] == "the case has an event of a stage its `stages` do not list (value: 2)"
    assert m["fix"] == "add the stage to `stages:`, or correct the event's type"
    m = finding_line(INVALID / "no-future-date--event-in-2999.yaml")
    assert m["message"] == "this date lies in the future (value: 2999)"
    m = finding_line(INVALID / "violence-shown--violence-without-event.yaml")
    assert "(value:" not in m["message"], "a rule about the whole case should not print the case's IRI"
    assert "stage-3 event" in m["fix"]


def test_dataset_messages_point_at_the_other_file():
    folder = FIXTURES / "invalid-dataset"
    result = run(rel(folder / "undefined-reference"))
    assert result.exit_code == 1
    m = LINE.match(result.stdout.strip())
    assert m and m["fix"] == "did you mean `fixture-valley-herald`?"
    result = run(rel(folder / "duplicate-id"))
    m = LINE.match(result.stdout.strip())
    assert m and m["message"] == (
        "organisation id `fixture-harbour-court` is already defined in "
        "tests/fixtures/invalid-dataset/duplicate-id/1-first.yaml (line 4)"
    )


# ---- known problems (reported to the lead; drop the marker once fixed) ------------------------


@pytest.fixture
def same_ids(tmp_path) -> Path:
    """Two records that share ids by mistake (a copied template): a.yaml has a detention its stages
    do not list; b.yaml, with the same case and person ids, has no such event."""
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(INVALID / "stage-coverage--detention-not-in-stages.yaml", folder / "a.yaml")
    shutil.copy(INVALID / "online-source-url--news-article-without-url.yaml", folder / "b.yaml")
    return folder


def rules_in(result, name: str) -> set[str]:
    return {
        m["rule"] for m in map(LINE.match, result.stdout.splitlines()) if m and Path(m["path"]).name == name
    }


def test_duplicate_ids_are_reported_in_the_second_record(same_ids):
    result = run("--no-cache", str(same_ids))
    assert result.exit_code == 1
    assert "duplicate-id" in rules_in(result, "b.yaml")
    assert "stage-coverage" in rules_in(result, "a.yaml")


def test_a_record_does_not_get_another_records_shacl_findings(same_ids):
    result = run("--no-cache", str(same_ids))
    assert "stage-coverage" not in rules_in(result, "b.yaml")


def test_fixing_one_record_clears_the_findings_it_caused_in_another(same_ids):
    run(str(same_ids))
    a = same_ids / "a.yaml"
    a.write_text(
        a.read_text(encoding="utf-8")
        .replace("fixture-minimal", "fixture-other")
        .replace("stages: [1]", "stages: [1, 2]"),
        encoding="utf-8",
    )
    result = run(str(same_ids))
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(sys.platform != "linux", reason="file names that are bytes, not UTF-8, are Linux's")
def test_a_file_name_that_is_not_utf8_is_validated_without_the_cache(tmp_path, monkeypatch):
    """SQLite cannot hold such a name: the run checks every record, as --no-cache does (not a traceback)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(VALID / "shared-organisations.yaml", records / "a.yaml")
    odd = os.fsencode(records) + b"/caf\xe9.yaml"
    with open(odd, "wb") as out:
        out.write((INVALID / "stage-coverage--detention-not-in-stages.yaml").read_bytes())
    expected = validate_module.validate_paths([Path("records")], use_cache=False)
    assert any(f.rule == "stage-coverage" and f.path.startswith("records/caf") for f in expected)
    for _ in range(2):
        assert validate_module.validate_paths([Path("records")]) == expected
        assert validate_module.validate_report([Path("records")]).text() == to_text(expected)
