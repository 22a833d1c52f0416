"""Synthetic case records for measuring build, validation and queries at scale (issue 8).

`iter_corpus(n, seed=...)` yields the shared organisations record and then n case records as plain
dicts; `generate_corpus` writes them as YAML records and/or profiles in the database's text
template. Everything is drawn from `random.Random` streams seeded by (seed, case number), so the
same n and seed always give byte-identical files. Names, outlets, places and URLs are invented
(https://example.org/synthetic/...) and every file is marked `synthetic: true`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ExilegraphError
from ..resources import RECORDS
from .cases import FORMATS, HEADER, MARK, ORGS_FILE, SUFFIX, estimate_triples, iter_corpus, iter_records
from .formats import dump_cape, dump_yaml

__all__ = [
    "FORMATS",
    "HEADER",
    "MARK",
    "dump_cape",
    "dump_yaml",
    "estimate_triples",
    "generate_corpus",
    "iter_corpus",
    "iter_records",
]


# --- writing --------------------------------------------------------------------------------------------------


def _check_target(out_dir: Path) -> None:
    target = out_dir.resolve()
    records = RECORDS.resolve()
    if target == records or records in target.parents:
        raise ExilegraphError(
            f"refusing to write synthetic records into the repository's records folder ({out_dir})"
        )
    if target.exists() and not target.is_dir():
        raise ExilegraphError(f"{out_dir} exists and is not a folder")
    if not target.is_dir():
        return
    from ..readers import READERS

    suffixes = {".yaml", ".yml", ".txt"} | {s for reader in READERS.values() for s in reader.suffixes}
    for f in sorted(target.rglob("*")):
        if f.is_file() and f.suffix.lower() in suffixes:
            with f.open("r", encoding="utf-8", errors="replace") as fh:
                if not fh.readline().startswith(MARK):
                    raise ExilegraphError(
                        f"refusing to write into {out_dir}: it holds records that are not synthetic "
                        f"(e.g. {f.relative_to(target).as_posix()}); use an empty folder"
                    )


def generate_corpus(n: int, out_dir: Path, *, seed: int = 1, fmt: str = "yaml") -> list[Path]:
    """Write n synthetic case records plus organisations.yaml into out_dir; returns the files written.

    fmt "yaml" or "cape" writes into out_dir; "both" into out_dir/yaml and out_dir/cape. Stale synthetic
    files of an earlier run in those folders are removed, so the folder holds exactly this corpus."""
    if fmt not in FORMATS:
        raise ExilegraphError(f"unknown format `{fmt}`: use one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    _check_target(out_dir)
    kinds = ("yaml", "cape") if fmt == "both" else (fmt,)
    dirs = {k: (out_dir / k if fmt == "both" else out_dir) for k in kinds}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    org_names: dict[str, str] = {}
    for stem, rec in iter_corpus(n, seed=seed):
        if stem == "organisations":
            org_names = {o["id"]: o["name"] for o in rec["organisations"]}
            path = dirs[kinds[0]] / ORGS_FILE
            path.write_text(dump_yaml(rec, seed), encoding="utf-8", newline="\n")
            written.append(path)
            continue
        for kind in kinds:
            path = dirs[kind] / f"{stem}{SUFFIX[kind]}"
            text = (
                dump_yaml(rec, seed)
                if kind == "yaml"
                else dump_cape(rec, org_names, HEADER.format(seed=seed))
            )
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    keep = set(written)
    for d in dirs.values():
        for f in sorted(d.iterdir()):
            if f.is_file() and f not in keep and f.suffix in (".yaml", ".txt"):
                with f.open("r", encoding="utf-8", errors="replace") as fh:
                    if fh.readline().startswith(MARK):
                        f.unlink()
    return written
