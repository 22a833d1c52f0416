"""Shared fixtures. Tests that read the source documents skip when ../shared/seeds is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"
RECORDS = ROOT / "records"


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(
            "../shared/seeds not present: the source documents are only beside the repository in CI "
            "and in the developers' checkout"
        )
    return SEEDS


@pytest.fixture
def seed_profile(seeds_dir) -> Path:
    return next(seeds_dir.glob("000_*.txt"))


@pytest.fixture
def seed_statement(seeds_dir) -> Path:
    return next(seeds_dir.glob("002_*.txt"))


@pytest.fixture(autouse=True)
def _private_validation_cache(tmp_path_factory, monkeypatch):
    """Each test session validates with its own cache, never the working tree's .exilegraph-cache."""
    monkeypatch.setenv("EXILEGRAPH_CACHE", str(tmp_path_factory.getbasetemp() / "validation-cache"))


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current mapper instead of comparing with it",
    )


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    """One public release of records/, built once for the whole session; tests only read it."""
    from exilegraph.release import build_release

    result = build_release([RECORDS], tmp_path_factory.mktemp("release"), use_cache=False)
    assert result.counts.cases >= 7
    return result.path


def pytest_terminal_summary(terminalreporter, config):
    """The reliability corpus's figures (tests/test_reliability.py), when it ran."""
    figures = getattr(config, "reliability_figures", None)
    if figures:
        terminalreporter.write_line(
            "reliability corpus: " + ", ".join(f"{k} {v}" for k, v in figures.items())
        )
