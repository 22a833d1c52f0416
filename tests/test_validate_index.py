"""What makes `validate` of one changed record in a large dataset fast, and must not change a verdict: file
digests known from their stat (validate/filestat.py), and cached verdicts with the checks across the
dataset run as SQL over rows of the cache (validate/index.py)."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import FIXTURES
from exilegraph.findings import Finding, Report, ordered, to_json, to_text
from exilegraph.records import Located, RecordSummary
from exilegraph.validate import across, filestat, known, validate_paths
from exilegraph.validate.dataset_checks import check_dataset
from exilegraph.validate.index import FINDINGS, RECORDS, ResultIndex, RunRecord

SOURCE = "https://w3id.org/exilegraph/source/"


# ---- the checks across the dataset as SQL give what check_dataset gives ------------------------------


def random_summaries(rng: random.Random, n: int) -> list[RecordSummary]:
    """Records that define, refer to and describe from small pools of ids, so that duplicates,
    undefined references (with and without a close match) and differing descriptions all occur."""
    ids = [f"person-{i}" for i in range(8)] + ["organisation-a", "organisation-b"]
    out = []
    for r in range(n):
        path = f"records/r{rng.randrange(100):02d}-{r}.yaml"
        defines = [
            (rng.choice(["person", "organisation"]), rng.choice(ids), f"persons[{i}].id", 3 + i, 5)
            for i in range(rng.randrange(3))
        ]
        refs = [
            (
                rng.choice(["person", "organisation"]),
                rng.choice(ids + ["persn-1", "zzz"]),
                f"case.x[{i}]",
                20 + i,
                9,
            )
            for i in range(rng.randrange(4))
        ]
        sources = [
            (SOURCE + rng.choice("abcd"), rng.choice(["d1", "d2"]), f"sources[{i}]", 40 + i, 3)
            for i in range(rng.randrange(3))
        ]
        out.append(RecordSummary(path, *(tuple(Located(*x) for x in xs) for xs in (defines, refs, sources))))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_the_checks_in_sql_find_what_check_dataset_finds(seed):
    rng = random.Random(seed)
    summaries = random_summaries(rng, rng.randrange(2, 14))
    own = {
        s.path: [Finding(s.path, 1, 1, "warning", "some-rule", "", f"own finding of {s.path}")]
        for s in summaries
    }
    index = ResultIndex(sqlite3.connect(":memory:"))
    index.add({f"key-{s.path}": (own[s.path], s) for s in summaries})
    everything = ordered(check_dataset(summaries) + [f for fs in own.values() for f in fs])
    run = [RunRecord(f"key-{s.path}", s.path, False, True) for s in summaries]
    assert ordered(index.findings(run)) == everything
    assert any(f.rule != "some-rule" for f in everything) or seed > 3, "the pools should give findings"
    for named in summaries:  # one file checked inside its dataset: it comes last, only its findings
        late = {named.path}
        expected = [f for f in check_dataset(summaries, newcomers=late) + own[named.path] if f.path in late]
        run = [RunRecord(f"key-{s.path}", s.path, s.path in late, s.path in late) for s in summaries]
        assert ordered(index.findings(run)) == ordered(expected)


def own_findings(rng: random.Random, s: RecordSummary) -> list[Finding]:
    """A record's own findings: none, some (one twice), or one that names another file."""
    out = [Finding(s.path, rng.randrange(1, 5), 1, rng.choice(["warning", "error"]), "own", "", "x")]
    out += out if rng.random() < 0.3 else []
    if rng.random() < 0.1:
        out.append(Finding("records/r05-5.yaml", 2, 2, "info", "elsewhere", "", "another file's"))
    return out if rng.random() < 0.7 else []


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("limit", [0, 1000])
def test_the_kept_run_brought_up_to_date_finds_what_check_dataset_finds(seed, limit, monkeypatch):
    """Runs over a dataset that changes between them: records come, go, change (another version at the
    same path) or move after the others; the findings kept from the run before, brought up to date (or,
    limit 0, found again), are those check_dataset finds, and so is the report."""
    monkeypatch.setattr(across, "INCREMENTAL_MAX", limit)
    rng = random.Random(seed)
    index = ResultIndex(sqlite3.connect(":memory:"))
    versions: dict[str, tuple[RecordSummary, list[Finding]]] = {}

    def new_version(path: str) -> str:
        s = random_summaries(rng, 1)[0]._replace(path=path)
        key = f"key-{len(versions)}"
        versions[key] = (s, own_findings(rng, s))
        index.add({key: (own_findings_of(key), s)})
        return key

    def own_findings_of(key: str) -> list[Finding]:
        return versions[key][1]

    current = {f"records/r{i:02d}.yaml": None for i in range(rng.randrange(2, 16))}
    current = {path: new_version(path) for path in current}
    late: set[str] = set()
    for step in range(10):
        for _ in range(rng.randrange(4)):
            change = rng.random()
            path = rng.choice(sorted(current)) if current else None
            if change < 0.3 and path:
                del current[path]
            elif change < 0.6 and path:
                current[path] = new_version(path)
            elif change < 0.8:
                path = f"records/n{step}-{rng.randrange(1000)}.yaml"
                current[path] = new_version(path)
            elif path:
                late ^= {path}
        late &= current.keys()
        summaries = [versions[k][0] for k in current.values()]
        expected = ordered(
            check_dataset(summaries, newcomers=late) + [f for k in current.values() for f in versions[k][1]]
        )
        run = [RunRecord(k, p, p in late, True) for p, k in current.items()]
        assert ordered(index.findings(run)) == expected, step
        assert Report(index.report(run, [], "text")).text() == to_text(expected), step
        assert Report(index.report(run, [], "json")).json() == to_json(expected), step
        if current:  # one file named inside the dataset: only its findings, and it comes last
            named = rng.choice(sorted(current))
            mine = [f for f in check_dataset(summaries, newcomers={named}) if f.path == named]
            mine = ordered(mine + versions[current[named]][1])
            run = [RunRecord(k, p, p == named, p == named) for p, k in current.items()]
            assert ordered(index.findings(run)) == mine
            assert Report(index.report(run, [], "text")).text() == to_text(mine)


def test_the_sql_checks_report_every_kind_of_dataset_finding():
    summaries = random_summaries(random.Random(3), 40)
    index = ResultIndex(sqlite3.connect(":memory:"))
    index.add({s.path: ([], s) for s in summaries})
    rules = {f.rule for f in index.findings([RunRecord(s.path, s.path, False, True) for s in summaries])}
    assert rules == {"duplicate-id", "undefined-reference", "source-described-differently"}


# ---- validate with the cache gives what validate without it gives ----------------------------------


@pytest.fixture
def dataset(tmp_path, monkeypatch) -> Path:
    """A dataset with problems of every layer: across records, in one record, and files that cannot be
    read at all."""
    monkeypatch.chdir(tmp_path)
    records = tmp_path / "records"
    records.mkdir()
    for problem in ("duplicate-id", "undefined-reference", "source-described-differently"):
        for f in sorted((FIXTURES / "invalid-dataset" / problem).glob("*.yaml")):
            shutil.copy(f, records / f"{problem}-{f.name}")
    for name in ("full-case.yaml", "shared-organisations.yaml"):
        shutil.copy(FIXTURES / "valid" / name, records / name)
    for name, as_name in (
        ("duplicate-id--person-twice-in-one-record.yaml", "twice.yaml"),
        ("stage-coverage--detention-not-in-stages.yaml", "stages.yaml"),
    ):
        shutil.copy(FIXTURES / "invalid" / name, records / as_name)
    (records / "broken.yaml").write_text("case: [unclosed\n", encoding="utf-8")
    (records / "folder.yaml").mkdir()
    return Path("records")


def test_cached_runs_give_the_findings_of_an_uncached_run(dataset):
    expected = validate_paths([dataset], use_cache=False)
    rules = {f.rule for f in expected}
    assert {"duplicate-id", "undefined-reference", "source-described-differently", "stage-coverage"} <= rules
    assert validate_paths([dataset]) == expected  # cold: checked, then indexed
    assert validate_paths([dataset]) == expected  # warm: from the index
    for f in sorted(dataset.iterdir()):
        assert validate_paths([f]) == validate_paths([f], use_cache=False), f


def test_a_changed_record_is_checked_again_and_its_findings_follow(dataset):
    validate_paths([dataset])
    changed = dataset / "duplicate-id-2-second.yaml"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("fixture-harbour-court", "fixture-other-court"),
        encoding="utf-8",
    )
    assert validate_paths([dataset]) == validate_paths([dataset], use_cache=False)
    assert validate_paths([changed]) == validate_paths([changed], use_cache=False)


def test_a_damaged_index_is_not_trusted(dataset, tmp_path, monkeypatch):
    """Rows of the wrong type, or missing, make the run decode the cached entries instead."""
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    expected = validate_paths([dataset], use_cache=False)
    validate_paths([dataset])
    db = sqlite3.connect(tmp_path / "cache" / "results.sqlite")
    assert db.execute(f"SELECT COUNT(*) FROM {FINDINGS}").fetchall() != [(0,)]
    db.execute(f"UPDATE {FINDINGS} SET line = 'x' WHERE rowid = (SELECT MIN(rowid) FROM {FINDINGS})")
    db.commit()
    assert validate_paths([dataset]) == expected
    assert db.execute(f"SELECT COUNT(*) FROM {FINDINGS}").fetchall() == [(0,)], "a damaged index is dropped"
    assert validate_paths([dataset]) == expected  # and built again
    assert db.execute(f"SELECT COUNT(*) FROM {FINDINGS}").fetchall() != [(0,)]
    db.execute(f"DELETE FROM {FINDINGS} WHERE rowid = (SELECT MIN(rowid) FROM {FINDINGS})")
    db.commit()
    db.close()
    assert validate_paths([dataset]) == expected


# ---- file digests from their stat -------------------------------------------------------------------


def stored(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute(f"SELECT path, sha256 FROM {filestat.TABLE}"))


def test_a_file_written_just_now_is_hashed_but_not_stored(tmp_path):
    """Its stat could stay the same through a second write in the same clock tick."""
    f = tmp_path / "a.yaml"
    f.write_text("x: 1\n", encoding="utf-8")
    db = sqlite3.connect(":memory:")
    digests = filestat.file_digests(db, [str(f)])
    assert digests[str(f)] and stored(db) == {}


@pytest.mark.skipif(not filestat.USABLE, reason="the stat index is used on POSIX file systems only")
def test_an_edit_of_the_same_size_with_its_mtime_set_back_is_seen(tmp_path, monkeypatch):
    """ctime moves with every write and cannot be set back: an edit that keeps the size and restores the
    mtime still changes the stat, so the file is read again."""
    monkeypatch.setattr(filestat, "RACY_NS", 0)
    f = tmp_path / "a.yaml"
    f.write_text("event_type: criminal_chrage\n", encoding="utf-8")
    before = os.stat(f)
    db = sqlite3.connect(":memory:")
    first = filestat.file_digests(db, [str(f)])[str(f)]
    assert stored(db) == {str(f): first}
    f.write_text("event_type: criminal_charge\n", encoding="utf-8")  # same size
    os.utime(f, ns=(before.st_atime_ns, before.st_mtime_ns))
    second = filestat.file_digests(db, [str(f)])[str(f)]
    assert second != first and second == filestat.file_digests(None, [str(f)])[str(f)]
    assert filestat.file_digests(db, [str(f)])[str(f)] == second  # unchanged since: served by the stat


def test_what_is_not_a_readable_file_has_no_digest(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere")
    paths = [str(tmp_path / "folder.yaml"), str(tmp_path / "dangling.yaml")]
    assert filestat.file_digests(sqlite3.connect(":memory:"), paths) == dict.fromkeys(paths, "")


# ---- shown paths, many at once ----------------------------------------------------------------------


def as_before(path: str) -> str:
    """display_path as it was written before it skipped building a Path per file."""
    cwd = os.getcwd()
    given = os.path.join(cwd, path)
    full = (
        os.path.realpath(given)
        if os.path.islink(given) and os.path.isfile(given)
        else os.path.join(os.path.realpath(os.path.dirname(given)), os.path.basename(given))
    )
    prefix = cwd.rstrip(os.sep) + os.sep
    return Path(full[len(prefix) :]).as_posix() if full.startswith(prefix) else Path(path).as_posix()


def test_display_paths_shows_each_path_as_display_path_does(tmp_path, monkeypatch):
    from exilegraph.readers import display_path, display_paths, find_record_files, find_record_paths

    (tmp_path / "work" / "recs" / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    for name in ("work/recs/a.yaml", "work/recs/sub/b.yaml", "elsewhere/c.yaml"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "work" / "recs" / "link.yaml").symlink_to(tmp_path / "elsewhere" / "c.yaml")
    (tmp_path / "work" / "recs" / "inner.yaml").symlink_to(tmp_path / "work" / "recs" / "sub" / "b.yaml")
    (tmp_path / "work" / "recs" / "dangling.yaml").symlink_to(tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path / "work")
    paths = [
        "recs/a.yaml",
        "./recs/a.yaml",
        "recs//sub/b.yaml",
        "recs/sub/../a.yaml",
        str(tmp_path / "work" / "recs" / "a.yaml"),
        str(tmp_path / "elsewhere" / "c.yaml"),
        "../elsewhere/c.yaml",
        "recs/link.yaml",
        "recs/inner.yaml",
        "recs/dangling.yaml",
        "recs/sub/.",
    ]
    assert (
        display_paths(paths) == {p: display_path(Path(p)) for p in paths} == {p: as_before(p) for p in paths}
    )
    assert display_paths(["recs/inner.yaml"]) == {"recs/inner.yaml": "recs/sub/b.yaml"}
    for folder in ("recs", str(tmp_path / "work" / "recs")):
        found = find_record_paths(folder)
        assert sorted(found) == sorted(str(f) for f in find_record_files([Path(folder)]))
        assert found == {p: as_before(p) for p in found}
        assert found[os.path.join(folder, "inner.yaml")] == "recs/sub/b.yaml"  # a link, resolved


# ---- what the last run knew of each file (validate/known.py) ------------------------------------------


@pytest.mark.skipif(not filestat.USABLE, reason="the stat index is used on POSIX file systems only")
def test_a_known_file_is_not_read_and_a_changed_one_is(tmp_path, monkeypatch):
    """A file whose stat and shown path are its line's gets its verdict's id from the line; an edit that
    keeps the size and sets the mtime back still changes the ctime, so the file is read again."""
    monkeypatch.setattr(filestat, "RACY_NS", 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("y: 2\n", encoding="utf-8")
    files = {"a.yaml": "a.yaml", "b.yaml": "b.yaml"}
    db = sqlite3.connect(":memory:")
    recs, others = known.Known(db, "fp").see(files)
    assert recs == {} and set(others) == {"a.yaml", "b.yaml"}
    known.Known(db, "fp").keep(files, others, {"a.yaml": 7, "b.yaml": 8})
    assert known.Known(db, "fp").see(files) == ({"a.yaml": 7, "b.yaml": 8}, {})
    before = os.stat("a.yaml")
    Path("a.yaml").write_text("x: 9\n", encoding="utf-8")  # same size
    os.utime("a.yaml", ns=(before.st_atime_ns, before.st_mtime_ns))
    recs, others = known.Known(db, "fp").see(files)
    assert recs == {"b.yaml": 8} and set(others) == {"a.yaml"}
    assert others["a.yaml"].sha256 == filestat.file_digests(None, ["a.yaml"])["a.yaml"]
    assert known.Known(db, "another fingerprint").see(files)[0] == {}, "lines of another fingerprint"
    assert known.Known(db, "fp").see({"other/a.yaml": "a.yaml"})[0] == {}, "shown otherwise: read again"


def test_a_file_written_just_now_or_named_oddly_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("new.yaml", "tab\there.yaml", "line\nbreak.yaml"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    files = {name: name for name in ("new.yaml", "tab\there.yaml", "line\nbreak.yaml")}
    db = sqlite3.connect(":memory:")
    monkeypatch.setattr(filestat, "RACY_NS", 0)
    seen = known.Known(db, "fp")
    recs, others = seen.see(files)
    seen.keep(files, others, dict.fromkeys(files, 1))
    assert known.Known(db, "fp").see(files)[0] == {"new.yaml": 1}
    monkeypatch.setattr(filestat, "RACY_NS", 10**18)  # everything is new
    (tmp_path / "new.yaml").write_text("x: 2\n", encoding="utf-8")
    seen = known.Known(db, "fp")
    recs, others = seen.see(files)
    seen.keep(files, others, dict.fromkeys(files, 2))
    assert known.Known(db, "fp").see(files)[0] == {}, "a file written just now is read again"


def test_clearing_a_damaged_index_forgets_the_known_files(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path / "cache"))
    expected = validate_paths([dataset], use_cache=False)
    validate_paths([dataset])
    db = sqlite3.connect(tmp_path / "cache" / "results.sqlite")
    db.execute(f"UPDATE {FINDINGS} SET line = 'x' WHERE rowid = (SELECT MIN(rowid) FROM {FINDINGS})")
    db.commit()
    assert validate_paths([dataset]) == expected
    assert db.execute(f"SELECT COUNT(*) FROM {known.TABLE}").fetchall() == [(0,)]
    assert validate_paths([dataset]) == expected
    db.execute(f"DELETE FROM {RECORDS}")  # the ids the known files point to are gone
    db.commit()
    assert validate_paths([dataset]) == expected
    named = dataset / "full-case.yaml"
    assert validate_paths([named]) == validate_paths([named], use_cache=False)
