"""The README's promises: its Python example runs, and its command table names every command."""

from __future__ import annotations

import re
import shutil

from click.testing import CliRunner

from conftest import RECORDS, ROOT
from exilegraph.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    [example] = re.findall(r"```python\n(.*?)```", README, re.S)
    shutil.copytree(RECORDS, tmp_path / "records")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})  # our own README, not data from a working folder
    out = capsys.readouterr().out
    assert re.search(r"^\d+ findings, 0 errors$", out, re.M)
    assert "wrote public release to output/exilegraph" in out
    assert "akhmetova-zhanara" in out


def test_every_command_is_in_the_readme_table():
    commands = set(main.commands)
    for name in commands:
        assert f"`exilegraph {name}" in README, name


def test_every_command_has_help():
    for name in main.commands:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
