"""Starting a dataset (`exilegraph init`), a new record (`exilegraph new case`), and validating one file
inside its dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import RECORDS
from exilegraph.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_init_starts_a_dataset_that_validates_and_releases(tmp_path, monkeypatch):
    result = run("init", str(tmp_path / "cases"))
    assert result.exit_code == 0, result.output
    for name in (
        "records/example-case.yaml",
        "records/organisations.yaml",
        "README.md",
        ".gitignore",
        "ci/validate.yml",
    ):
        assert (tmp_path / "cases" / name).is_file(), name
    monkeypatch.chdir(tmp_path / "cases")
    assert run("validate").exit_code == 0
    released = run("release")
    assert released.exit_code == 0, released.output
    assert "1 cases" in released.output
    example = Path("records/example-case.yaml").read_text(encoding="utf-8")
    assert example.count("\n#") >= 5 and "locator" in example  # commented, and shows citations with locators


def test_init_never_overwrites(tmp_path):
    assert run("init", str(tmp_path / "d")).exit_code == 0
    again = run("init", str(tmp_path / "d"))
    assert (
        again.exit_code == 1
        and again.output.startswith("Error: ")
        and "already holds records/" in again.output
    )


def test_new_case_writes_a_commented_template(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("new", "case", "doe-jane")
    assert result.exit_code == 0 and "records/doe-jane.yaml" in result.output
    text = (tmp_path / "records" / "doe-jane.yaml").read_text(encoding="utf-8")
    assert "id: doe-jane" in text and "# " in text and "locator" in text
    # the template is a form to fill in: validating it points at what is still missing
    check = run("validate", "records/doe-jane.yaml")
    assert check.exit_code == 1 and "state_of_concern" in check.output
    again = run("new", "case", "doe-jane")
    assert again.exit_code == 1 and "already exists" in again.output
    bad = run("new", "case", "Doe Jane")
    assert bad.exit_code == 1 and "not a valid id" in bad.output


@pytest.fixture
def dataset(tmp_path, monkeypatch) -> Path:
    shutil.copytree(RECORDS, tmp_path / "records")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_one_file_is_checked_against_its_dataset(dataset):
    """Organisations defined in organisations.yaml resolve; only the named file's findings are shown."""
    result = run("validate", "records/akhmetova-zhanara.yaml")
    assert result.exit_code == 0, result.output
    assert "undefined-reference" not in result.output
    assert all(
        line.startswith("records/akhmetova-zhanara.yaml:")
        for line in result.output.splitlines()
        if line[:1] != " " and ":" in line and "errors," not in line
    )


def test_a_new_case_reusing_an_id_is_an_error_naming_both_files(dataset):
    text = (dataset / "records" / "huseynov-fikrat.yaml").read_text(encoding="utf-8")
    (dataset / "records" / "a-new-case.yaml").write_text(text, encoding="utf-8")  # sorts before the original
    result = run("validate", "records/a-new-case.yaml")
    assert result.exit_code == 1
    clash = [line for line in result.output.splitlines() if "[duplicate-id] case.id" in line]
    assert len(clash) == 1
    assert clash[0].startswith("records/a-new-case.yaml:") and "records/huseynov-fikrat.yaml" in clash[0]


def test_a_file_outside_any_dataset_is_checked_alone(tmp_path, monkeypatch):
    shutil.copy(RECORDS / "akhmetova-zhanara.yaml", tmp_path / "loose.yaml")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "loose.yaml")
    assert "undefined-reference" in result.output  # its organisations are defined nowhere it can see


def test_a_datasets_own_queries_extend_the_catalogue(tmp_path, monkeypatch):
    assert run("init", str(tmp_path / "d")).exit_code == 0
    monkeypatch.chdir(tmp_path / "d")
    (tmp_path / "d" / "queries").mkdir()
    (tmp_path / "d" / "queries" / "our-count.rq").write_text(
        "# title: How many cases we hold\n# answers: one number\nSELECT (COUNT(?c) AS ?n) WHERE { ?c a ?t }\n",
        encoding="utf-8",
    )
    listed = run("query", "--list")
    assert "our-count" in listed.output and "cases-by-state" in listed.output
    assert run("release").exit_code == 0
    answer = run("query", "our-count", "--format", "csv")
    assert answer.exit_code == 0, answer.output


def test_a_datasets_own_shapes_add_rules(tmp_path, monkeypatch):
    """A team's own rule in shapes/*.ttl applies to its records, beside the toolkit's."""
    assert run("init", str(tmp_path / "d")).exit_code == 0
    monkeypatch.chdir(tmp_path / "d")
    (tmp_path / "d" / "shapes").mkdir()
    (tmp_path / "d" / "shapes" / "ours.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix eg: <https://w3id.org/exilegraph/vocab/> .\n"
        "<https://example.org/shapes/summary-required> a sh:NodeShape ;\n"
        "  sh:targetClass eg:ExileCase ;\n"
        "  sh:property [ sh:path <http://purl.org/dc/terms/abstract> ; sh:maxCount 0 ;\n"
        '    sh:message "our dataset keeps summaries out of the records" ] .\n',
        encoding="utf-8",
    )
    result = run("validate", "--no-cache", "records/example-case.yaml")
    assert result.exit_code == 1, result.output
    assert "our dataset keeps summaries out of the records" in result.output


def test_a_datasets_own_mapping_replaces_the_shipped_one(tmp_path, monkeypatch):
    from exilegraph.readers import READERS
    from exilegraph.resources import MAPPINGS

    monkeypatch.chdir(tmp_path)
    assert READERS["cape"].mapping == MAPPINGS / "cape.yaml"
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "cape.yaml").write_text("not: [a, usable, mapping\n", encoding="utf-8")
    assert READERS["cape"].mapping == Path("mappings") / "cape.yaml"
    profile = tmp_path / "p.txt"
    profile.write_text("Doe, Jane\n", encoding="utf-8")
    result = run("validate", "--no-cache", str(profile))
    assert result.exit_code == 1 and "cape.yaml" in result.output and "Traceback" not in result.output
