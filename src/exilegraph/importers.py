"""Convert records from other formats into curated YAML records (one file per case).

`import_cape` reads profiles written in the database's text template, types them (a profile that does
not pass the schema is refused with its findings) and writes `<out>/<case id>.yaml`. It never
overwrites a file. The reader's warnings (damaged dates, unresolved references) come back as findings
with the written paths; the CLI prints them one per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .check import type_record
from .errors import RecordError
from .findings import ERROR, WARNING, Finding


@dataclass
class Imported:
    written: list[Path] = field(default_factory=list)  # in the order of the profiles given
    warnings: list[Finding] = field(default_factory=list)  # about the profiles, with their file and line


# Plain scalars that a YAML 1.2 (core schema) reader would not give back as text: PyYAML only knows
# YAML 1.1's list, so these are quoted explicitly ("0o17", "1e3", ".inf").
_YAML12_NOT_TEXT = re.compile(
    r"""^(?:
    ~|null|Null|NULL|true|True|TRUE|false|False|FALSE
  | [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
  | [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
  | [-+]?\.(?:inf|Inf|INF) | \.nan|\.NaN|\.NAN
)$""",
    re.X,
)


class _Dumper(yaml.SafeDumper):
    """Block style, keys in record order, text quoted wherever a YAML 1.1 or 1.2 reader could misread it."""

    def ignore_aliases(self, data):  # a value used twice is written twice, never as an anchor
        return True


# PyYAML (YAML 1.1) takes these for line breaks and writes them raw in plain or single-quoted text, where a
# YAML 1.2 reader keeps them as ordinary characters: such text is written double-quoted, where they are escaped.
_YAML11_BREAKS = re.compile("[\x85\u2028\u2029\r]")


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = '"' if _YAML11_BREAKS.search(value) else "'" if _YAML12_NOT_TEXT.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_record(data: dict, comment: str | None = None) -> str:
    """The YAML text of one record: UTF-8, wide lines, strings that read back unchanged under YAML 1.2."""
    body = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 30, default_flow_style=False
    )
    if comment:
        safe = "".join(ch if ch.isprintable() else "?" for ch in comment)
        return f"# {safe}\n{body}"
    return body


def _exists(target: Path) -> RecordError:
    return RecordError(
        [
            Finding(
                target.as_posix(),
                1,
                1,
                ERROR,
                "file-exists",
                "",
                "this record file already exists; it was not overwritten",
                "move or delete it first, or import into another folder with --out",
            )
        ]
    )


def import_cape(files: list[Path], out_dir: Path) -> Imported:
    """Write one YAML record per profile into `out_dir`; return the written paths, in the order of `files`,
    and the reader's warnings.

    Every profile is read and typed before anything is written, so a bad profile or an existing
    target leaves the folder untouched.

    Example: ``import_cape([Path("profile.txt")], Path("records")).written``.
    Raises RecordError for a profile with errors, an existing target file or a folder that cannot be written.
    """
    from .readers import read_file

    planned: list[tuple[Path, str]] = []
    targets: dict[Path, str] = {}
    warnings: list[Finding] = []
    for f in map(Path, files):
        raw = read_file(f, "cape")
        record, findings = type_record(raw)
        if record is None:
            raise RecordError([x for x in findings if x.severity == ERROR])
        warnings += [w for w in findings if w.severity == WARNING]
        target = Path(out_dir) / f"{record.id}.yaml"
        if target in targets:
            line, col = raw.locate(("case", "id"))
            raise RecordError(
                [
                    Finding(
                        raw.path,
                        line,
                        col,
                        ERROR,
                        "duplicate-id",
                        "case.id",
                        f"this profile's case id `{record.id}` is also the id of {targets[target]}",
                        "import the two profiles into different folders, or tell the two names apart",
                    )
                ]
            )
        if target.exists():
            raise _exists(target)
        targets[target] = raw.path
        planned.append(
            (
                target,
                dump_record(
                    raw.data, f"Imported from {raw.path} (sha256 {raw.sha256}) by `exilegraph import cape`."
                ),
            )
        )
    written: list[Path] = []
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        for target, text in planned:
            with open(target, "x", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            written.append(target)
    except FileExistsError as exc:
        raise _exists(Path(exc.filename)) from None
    except OSError as exc:
        where = Path(exc.filename).as_posix() if exc.filename else Path(out_dir).as_posix()
        raise RecordError(
            [
                Finding(
                    where,
                    1,
                    1,
                    ERROR,
                    "unwritable",
                    "",
                    f"cannot write here: {exc.strerror}",
                    "check that --out names a folder you may write to",
                )
            ]
        ) from None
    return Imported(written, warnings)
