"""The report `exilegraph validate` prints, made from findings kept rendered in the index, and the worker
that checks changed records while the run lists the others: neither may change a byte of the report."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from exilegraph import findings as F
from exilegraph.cli import main
from exilegraph.findings import Finding, Report, render
from exilegraph.validate import checker, validate_paths, validate_report

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from('\n"\\\x1b\u2028'))
findings_lists = st.lists(
    st.builds(
        Finding,
        st.sampled_from(["records/a.yaml", "records/b.yaml", "records/ä.yaml"]),
        st.integers(-1, 10**6),
        st.integers(0, 500),
        st.sampled_from(["error", "warning", "info", "https://example.org/severity"]),
        texts,
        texts,
        texts,
        st.none() | texts,
    ),
    max_size=8,
)


def as_json_dumps_writes(findings: list[Finding]) -> str:
    """to_json as it was written first, with json's indenting encoder."""
    items = [f.as_dict() for f in sorted(findings, key=F.sort_key)]
    counts = {s: sum(1 for f in items if f["severity"] == s) for s in F.SEVERITIES}
    return json.dumps({"counts": counts, "findings": items}, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=300, deadline=None)
@given(findings_lists)
# two findings that differ only in a fix of None and "": the order of reports must still be total
@example(
    [
        Finding("records/b.yaml", 0, 1, "info", "1", "", "", None),
        Finding("records/b.yaml", 0, 1, "info", "1", "", "", ""),
        Finding("records/a.yaml", 0, 0, "error", "", "", "", None),
    ]
)
def test_a_report_of_rendered_files_is_byte_for_byte_what_to_text_and_to_json_write(found):
    unique = F.ordered(found)
    assert F.to_json(unique) == as_json_dumps_writes(unique)
    by: dict[str, list[Finding]] = {}
    for f in found:
        by.setdefault(f.path, []).append(f)
    report = Report([render(path, fs) for path, fs in reversed(by.items())])
    assert report.text() == F.to_text(unique)
    assert report.json() == F.to_json(unique)
    assert report.summary() == F.summary(unique)
    assert report.has_errors() == F.has_errors(unique)


# ---- the report of validate, with and without the index and the worker --------------------------------


@pytest.fixture
def dataset(tmp_path, monkeypatch) -> Path:
    """A dataset with findings of every layer, as test_validate_index's."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    records = tmp_path / "records"
    records.mkdir()
    for problem in ("duplicate-id", "undefined-reference", "source-described-differently"):
        for f in sorted((FIXTURES / "invalid-dataset" / problem).glob("*.yaml")):
            shutil.copy(f, records / f"{problem}-{f.name}")
    for name in ("full-case.yaml", "shared-organisations.yaml"):
        shutil.copy(FIXTURES / "valid" / name, records / name)
    shutil.copy(
        FIXTURES / "invalid" / "stage-coverage--detention-not-in-stages.yaml", records / "stages.yaml"
    )
    (records / "broken.yaml").write_text("case: [unclosed\n", encoding="utf-8")
    return Path("records")


def printed(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout


def change(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("fixture-harbour-court", "fixture-other-court"), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("broken", [True, False], ids=["a file cannot be read", "all can"])
def test_the_printed_report_is_the_same_cold_warm_and_after_a_change(dataset, fmt, broken):
    """Warm runs of the same records print the report kept by the run before (unless a file that is
    never cached has findings); a change makes it again."""
    if not broken:
        (dataset / "broken.yaml").unlink()

    def expected(paths: list[Path]) -> str:
        found = validate_paths(paths, use_cache=False)
        return F.to_json(found) if fmt == "json" else F.to_text(found)

    named = dataset / "duplicate-id-2-second.yaml"
    for _ in range(3):  # cold, warm (its report kept), warm (the kept report)
        assert printed("--format", fmt, str(dataset))[1] == expected([dataset])
        assert printed("--format", fmt, str(named))[1] == expected([named])
    change(named)
    assert printed("--format", fmt, str(named))[1] == expected([named])
    assert printed("--format", fmt, str(dataset))[1] == expected([dataset])
    assert printed("--format", fmt, "--no-cache", str(dataset))[1] == expected([dataset])


def worker_available() -> bool:
    started = checker.Checker.start()
    if started is None:
        return False
    started.stop()
    return True


def test_the_worker_checks_changed_records_as_this_process_would(dataset, monkeypatch):
    if not worker_available():
        pytest.skip("no worker here (not Linux, one core, or threads running)")
    validate_report([dataset])
    changed = dataset / "duplicate-id-2-second.yaml"
    change(changed)
    sent: list[list[str]] = []
    real_send = checker.Checker.send

    def send(self, files, *args):
        sent.append([Path(f).name for f in files])
        return real_send(self, files, *args)

    monkeypatch.setattr(checker.Checker, "send", send)
    with_worker = validate_report([dataset]).text()
    # and the file that cannot be read, which is never cached
    assert sent == [["broken.yaml", "duplicate-id-2-second.yaml"]], "the worker checked the changed record"
    assert with_worker == F.to_text(validate_paths([dataset], use_cache=False))


def test_a_worker_that_fails_costs_only_time(dataset, monkeypatch):
    if not worker_available():
        pytest.skip("no worker here (not Linux, one core, or threads running)")
    validate_report([dataset])
    changed = dataset / "duplicate-id-2-second.yaml"
    change(changed)

    def fail(*_):
        os._exit(3)

    monkeypatch.setattr(checker, "_serve", fail)  # the forked worker runs this copy
    assert validate_report([dataset]).text() == F.to_text(validate_paths([dataset], use_cache=False))
