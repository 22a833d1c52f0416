"""The reliability corpus (tests/reliability/cases.yaml): bad inputs, injected faults and SIGKILLs.

Every case must end in a finding or one `Error:` line with the exit code the README promises, never a
traceback; the previous release must stay complete (per its SHA256SUMS) with no hidden folder left behind,
and no record may be dropped silently. The figures (cases, tracebacks, silent drops, partial releases)
are printed at the end of the test run.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES
from exilegraph import writers
from exilegraph.cli import main
from exilegraph.rdf.values import MAX_TEXT_BYTES
from exilegraph.release import build_release
from exilegraph.release.background import Background
from exilegraph.release.place import wait_for_removals

HERE = Path(__file__).resolve().parent / "reliability"
CORPUS = HERE / "corpus"
VALID_CASE = HERE / "valid-case.yaml"
MANIFEST = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
INPUTS, FAULTS, KILLS = MANIFEST["inputs"], MANIFEST["faults"], MANIFEST["kills"]
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
CATEGORIES = {
    "encoding",
    "url",
    "date",
    "huge-literal",
    "link",
    "unreadable",
    "disk-full",
    "store-loader",
    "worker",
    "kill",
}

FIGURES = {"cases": 0, "tracebacks": 0, "silent drops": 0, "partial releases": 0}


@pytest.fixture(scope="module", autouse=True)
def figures(request):
    yield FIGURES
    request.config.reliability_figures = dict(FIGURES)


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """A release of the valid fixtures, the `previous release` every case runs over (copied per case)."""
    records = tmp_path_factory.mktemp("previous-records")
    for f in VALID:
        shutil.copy(f, records)
    out = tmp_path_factory.mktemp("previous")
    result = build_release([records], out, use_cache=False)
    assert result.counts.cases == 3
    return out


def case_id(case: dict) -> str:
    return case.get("file") or case.get("make") or case.get("name") or case["moment"]


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def complete(release: Path) -> bool:
    """Every file SHA256SUMS lists is there with its checksum, and the manifest reads."""
    try:
        sums = (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        json.loads((release / "release.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for line in sums:
        digest, name = line.split("  ", 1)
        if (
            not (release / name).is_file()
            or hashlib.sha256((release / name).read_bytes()).hexdigest() != digest
        ):
            return False
    return len(sums) >= 10 and (release / "store").is_dir()


def cases_of(release: Path) -> set[str]:
    return set(json.loads((release / "release.json").read_text(encoding="utf-8"))["cases"])


def hidden(out: Path) -> list[str]:
    wait_for_removals()  # a previous release and a killed build's folders are removed by a detached process
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def records_with_valid(tmp_path: Path) -> Path:
    records = tmp_path / "records"
    records.mkdir()
    for f in VALID:
        shutil.copy(f, records)
    return records


def copy_of(previous: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(previous, out, symlinks=True)
    return out


def traceback_in(result) -> bool:
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    return crashed or "Traceback" in result.output


def check_release_refused(result, out: Path, before: dict, expected: str) -> None:
    """Exit 1, one `Error:` line holding `expected`, the previous release as it was, nothing hidden left."""
    release = out / "exilegraph"
    FIGURES["tracebacks"] += traceback_in(result)
    FIGURES["silent drops"] += result.exit_code == 0
    partial = snapshot(release) != before or not complete(release) or bool(hidden(out))
    FIGURES["partial releases"] += partial
    assert not traceback_in(result), result.output
    assert result.exit_code == 1, result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        result.output.splitlines()[0]
    ], result.output
    assert expected in result.output, result.output
    assert not partial, (hidden(out), result.output)


# ---- bad inputs ------------------------------------------------------------------------------------


def make(kind: str, records: Path, monkeypatch) -> None:
    """The situations a file cannot hold: links, unreadable files and folders, a huge text."""
    if kind == "huge-text":
        text = VALID_CASE.read_text(encoding="utf-8")
        huge = "x" * (17 * 1024 * 1024)  # over pyoxigraph's 16 MiB limit for one term
        assert len(huge) > MAX_TEXT_BYTES
        (records / "huge-text.yaml").write_text(
            text.replace("summary: An invented exile charged at home after leaving.", f"summary: {huge}"),
            encoding="utf-8",
        )
    elif kind == "huge-profile":
        profile = (FIXTURES / "cape" / "brannigan_moss_crlf.txt").read_bytes()
        words = b" more" * (MAX_TEXT_BYTES // 5 + 1024)
        (records / "huge-profile.txt").write_bytes(
            profile.replace(b"moved abroad in 2019", b"moved" + words, 1)
        )
    elif kind == "dangling-link":
        (records / "gone.yaml").symlink_to("moved-away.yaml")
    elif kind == "link-loop":
        (records / "loop.yaml").symlink_to("loop.yaml")
    elif kind == "link-to-folder":
        (records / "folder").mkdir()
        (records / "folder.yaml").symlink_to("folder")
    elif kind == "fifo":
        os.mkfifo(records / "pipe.yaml")
    elif kind == "unreadable-file":
        locked = records / "locked.yaml"
        shutil.copy(VALID_CASE, locked)
        refuse_reading(monkeypatch, locked)
    elif kind == "unreadable-folder":
        locked = records / "locked"
        locked.mkdir()
        shutil.copy(VALID_CASE, locked / "inside.yaml")
        refuse_listing(monkeypatch, locked)
    else:  # pragma: no cover - a typo in the manifest
        raise AssertionError(f"unknown situation {kind}")


def refuse_reading(monkeypatch, path: Path) -> None:
    """Reads of `path` fail with EACCES. The tests run as root, where chmod does not stop reads."""
    real = pathlib.Path.read_bytes

    def read_bytes(self):
        if os.path.abspath(self) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)


def refuse_listing(monkeypatch, folder: Path) -> None:
    real = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.path.abspath(path) == str(folder):  # rmtree lists by descriptor
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize("case", INPUTS, ids=case_id)
def test_bad_input_is_a_finding_and_release_refuses(case, previous, tmp_path, monkeypatch):
    FIGURES["cases"] += 1
    monkeypatch.chdir(tmp_path)
    records = records_with_valid(tmp_path)
    if "file" in case:
        shutil.copy(CORPUS / case["file"], records)
    else:
        make(case["make"], records, monkeypatch)
    where = f"records/{case.get('path') or case.get('file') or case['make'] + '.yaml'}"

    target = where if case.get("named") else "records"
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", "--no-cache", "--format", "json", target])
    FIGURES["tracebacks"] += traceback_in(checked)
    FIGURES["silent drops"] += checked.exit_code == 0
    assert not traceback_in(checked), checked.output
    assert checked.exit_code == 1, checked.output
    errors = [f for f in json.loads(checked.stdout)["findings"] if f["severity"] == "error"]
    assert len(errors) == 1, errors
    [f] = errors
    assert (f["path"], f["rule"], f["line"], f["field"]) == (where, case["rule"], case["line"], case["field"])
    if "column" in case:
        assert f["column"] == case["column"]
    assert case["fix"] in (f["fix"] or ""), f
    assert len(f["message"]) < 400  # a huge or binary value is never echoed whole

    out = copy_of(previous, tmp_path)
    before = snapshot(out / "exilegraph")
    refused = runner.invoke(main, ["release", target, "--out", str(out)])
    check_release_refused(refused, out, before, f"[{case['rule']}]")


# ---- faults during a release ---------------------------------------------------------------------


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "injected")


def die_in_worker(paths, options):
    os.kill(os.getpid(), signal.SIGKILL)  # in the worker process, as an out-of-memory kill would


def inject(name: str, monkeypatch, records: Path) -> None:
    from exilegraph.release import assemble, place, store

    if name == "disk-full-writing-a-dump":
        fmt = writers.FORMATS["jsonld"]
        monkeypatch.setitem(
            writers.FORMATS, "jsonld", type(fmt)(fmt.name, fmt.filename, fmt.media_type, no_space)
        )
    elif name == "disk-full-writing-the-changelog":
        real = pathlib.Path.write_text

        def write_text(self, *args, **kwargs):
            if self.name == "CHANGELOG.md":
                no_space()
            return real(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    elif name == "disk-full-writing-checksums":
        monkeypatch.setattr(assemble, "write_checksums", no_space)
    elif name == "disk-full-making-the-folder":
        monkeypatch.setattr(place.tempfile, "mkdtemp", no_space)
    elif name == "exchange-fails":

        def exchange(a, b):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(b))

        monkeypatch.setattr(place, "exchange", exchange)
    elif name in ("store-loader-exits", "store-loader-killed"):
        code = (
            (
                "import sys; sys.stderr.write('Traceback (most recent call last):\\nOSError: the loader gave up\\n');"
                "sys.exit(3)"
            )
            if name == "store-loader-exits"
            else "import time; time.sleep(60)"
        )

        def start(self):
            self.job = Background("loading the store", [sys.executable, "-c", code], who="the loader")
            if name == "store-loader-killed":
                self.job.proc.send_signal(signal.SIGKILL)
            return self

        monkeypatch.setattr(store.StoreLoader, "start", start)
    elif name == "store-cannot-open":

        class Broken:
            def __init__(self, path):
                raise RuntimeError("Corruption: CURRENT file does not end with newline")

        class FakeOx:
            Store = Broken

        monkeypatch.setattr(store, "ox", FakeOx)
    elif name == "worker-killed":
        from exilegraph import pipeline

        monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
        monkeypatch.setattr(pipeline, "_jobs", lambda jobs: 2)
        monkeypatch.setattr(pipeline, "process_chunk", die_in_worker)
    elif name == "record-unreadable-during-release":
        refuse_reading(monkeypatch, records / "full-case.yaml")
    else:  # pragma: no cover
        raise AssertionError(f"unknown fault {name}")


@pytest.mark.parametrize("fault", FAULTS, ids=case_id)
def test_fault_during_release_is_one_error_line(fault, previous, tmp_path, monkeypatch):
    FIGURES["cases"] += 1
    monkeypatch.chdir(tmp_path)
    records = records_with_valid(tmp_path)
    shutil.copy(VALID_CASE, records)  # the new release would differ from the previous one
    out = copy_of(previous, tmp_path)
    before = snapshot(out / "exilegraph")
    inject(fault["name"], monkeypatch, records)
    result = CliRunner().invoke(main, ["release", "records", "--out", str(out)])
    check_release_refused(result, out, before, fault["error"])


# ---- SIGKILL at each moment of a release ---------------------------------------------------------


@pytest.mark.parametrize("kill", KILLS, ids=case_id)
def test_sigkill_leaves_a_complete_release_and_the_next_run_cleans_up(kill, previous, tmp_path, monkeypatch):
    FIGURES["cases"] += 1
    monkeypatch.chdir(tmp_path)
    records = records_with_valid(tmp_path)
    shutil.copy(VALID_CASE, records)
    out = copy_of(previous, tmp_path)
    old_cases = cases_of(out / "exilegraph")
    marker = tmp_path / "paused"
    env = dict(os.environ, EXILEGRAPH_PAUSE_AT=kill["moment"], EXILEGRAPH_PAUSE_MARKER=str(marker))
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "killable.py"), "release", "records", "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), (
            f"the release never reached {kill['moment']}: {proc.communicate()[0][-2000:]!r}"
        )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the release and its store loader, as a kill of the job does
        proc.wait()

    assert hidden(out), "the kill came too late to leave the hidden folder behind"
    in_place = out / "exilegraph"
    expected = old_cases if kill["in_place"] == "previous" else old_cases | {"reliab-case"}
    partial = not complete(in_place) or cases_of(in_place) != expected
    assert complete(in_place)
    assert cases_of(in_place) == expected

    again = CliRunner().invoke(main, ["release", "records", "--out", str(out)])
    FIGURES["tracebacks"] += traceback_in(again)
    left = hidden(out)
    partial = partial or bool(left) or not complete(in_place)
    FIGURES["partial releases"] += partial
    FIGURES["silent drops"] += again.exit_code == 0 and cases_of(in_place) != old_cases | {"reliab-case"}
    assert again.exit_code == 0, again.output
    assert left == []
    assert complete(in_place)
    assert cases_of(in_place) == old_cases | {"reliab-case"}


# ---- the corpus itself ---------------------------------------------------------------------------


def test_the_corpus_covers_every_kind_of_failure_and_each_file_is_used():
    seen = {c["category"] for c in INPUTS + FAULTS + KILLS}
    assert CATEGORIES <= seen, CATEGORIES - seen
    used = {c["file"] for c in INPUTS if "file" in c}
    assert used == {p.name for p in CORPUS.iterdir()}


def test_valid_records_with_the_corpus_case_release_every_case(previous, tmp_path, monkeypatch):
    """The control: the valid records and the corpus's base case release with all four cases."""
    monkeypatch.chdir(tmp_path)
    records = records_with_valid(tmp_path)
    shutil.copy(VALID_CASE, records)
    out = copy_of(previous, tmp_path)
    result = CliRunner().invoke(main, ["release", "records", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert complete(out / "exilegraph") and hidden(out) == []
    assert len(cases_of(out / "exilegraph")) == len(cases_of(previous / "exilegraph")) + 1
