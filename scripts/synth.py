"""Write N synthetic case records for benchmarks.

python scripts/synth.py N --out DIR [--seed S] [--format yaml|cape|both]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from exilegraph.errors import ExilegraphError
from exilegraph.synth import FORMATS, generate_corpus


@click.command()
@click.argument("n", type=click.IntRange(min=1))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write into (new, or holding only synthetic records).",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Seed of the generator; the same N and seed give identical files.",
)
@click.option(
    "--format",
    "fmt",
    default="yaml",
    show_default=True,
    type=click.Choice(FORMATS),
    help="YAML records, profiles in the database's text template, or both (in OUT/yaml and OUT/cape).",
)
def main(n: int, out: Path, seed: int, fmt: str) -> None:
    """Write N synthetic case records plus organisations.yaml into OUT."""
    started = time.perf_counter()
    try:
        written = generate_corpus(n, out, seed=seed, fmt=fmt)
    except ExilegraphError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"wrote {len(written)} files for {n} synthetic cases (seed {seed}, {fmt}) into {out} "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
