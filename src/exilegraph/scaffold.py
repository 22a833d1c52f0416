"""Start a dataset (`exilegraph init DIR`) and a new case record (`exilegraph new case ID`).

The files written come from the package's templates/ folder: an example case that validates and shows
the fields curators use most, the shared organisations file, a README for the curators, a .gitignore
and a CI example that validates every pull request. Nothing existing is ever overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExilegraphError

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ScaffoldError(ExilegraphError):
    """A dataset or record could not be started: the target exists, the id is malformed, no permission."""


@dataclass
class Written:
    """The files a scaffold command wrote, in the order written."""

    files: list[Path] = field(default_factory=list)


def _template(template: str, **values: str) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _write_new(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{target} already exists; nothing was overwritten") from None
    except OSError as exc:
        raise ScaffoldError(f"cannot write {target}: {exc.strerror or exc}") from None


def init_dataset(folder: Path) -> Written:
    """Start a dataset in `folder` (created if needed; it must not already hold records/).

    Example: ``init_dataset(Path("my-cases")).files``.
    Raises ScaffoldError when the folder already holds a dataset or cannot be written."""
    folder = Path(folder)
    if (folder / "records").exists():
        raise ScaffoldError(f"{folder} already holds records/; choose an empty or new folder")
    plan = [
        (folder / "records" / "example-case.yaml", _template("example-case.yaml")),
        (folder / "records" / "organisations.yaml", _template("organisations.yaml")),
        (folder / "README.md", _template("README.md", name=folder.resolve().name)),
        (folder / ".gitignore", _template("gitignore")),
        (folder / "ci" / "validate.yml", _template("ci-validate.yml")),
    ]
    existing = [p for p, _ in plan if p.exists()]
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists; nothing was written")
    out = Written()
    for target, text in plan:
        _write_new(target, text)
        out.files.append(target)
    return out


def new_case(case_id: str, records: Path = Path("records")) -> Path:
    """Write a commented template record `records/<case_id>.yaml`.

    Raises ScaffoldError for a malformed id or an existing file."""
    if not _ID.match(case_id):
        raise ScaffoldError(
            f"`{case_id}` is not a valid id: use lower-case letters, digits and hyphens (family-given)"
        )
    target = Path(records) / f"{case_id}.yaml"
    _write_new(target, _template("new-case.yaml", case_id=case_id, path=target.as_posix()))
    return target
