"""The `exilegraph` command: thin adapters over the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import ExilegraphError


class _Group(click.Group):
    """Turns every domain error into one line `Error: ...` and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ExilegraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="exilegraph")
def main():
    """Publish case records of political exiles as linked open data with provenance."""


@main.command()
def generate():
    """Regenerate the artifacts derived from the schema (shapes, context, JSON Schema, model, docs)."""
    from .generate import generate as build, write

    written = write(build())
    click.echo(f"wrote {len(written)} generated files")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
