"""The `exilegraph` command: thin adapters over the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import ExilegraphError
from .resources import DEFAULT_BASE_IRI


class _Group(click.Group):
    """Turns every domain error into one line `Error: ...` and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ExilegraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except OSError as exc:  # the system refused (disk full, no permission) where no stage said more
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="exilegraph")
def main():
    """Publish case records of political exiles as linked open data with provenance."""


@main.command()
def generate():
    """Regenerate the artifacts derived from the schema (shapes, context, JSON Schema, model, docs)."""
    from .generate import generate as build
    from .generate import write

    written = write(build())
    click.echo(f"wrote {len(written)} generated files")


@main.command()
@click.argument("records", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    default=Path("output"),
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder that receives the release directory.",
)
@click.option("--internal", is_flag=True, help="Include restricted values; the release is marked internal.")
@click.option(
    "--base-iri", default=DEFAULT_BASE_IRI, show_default=True, help="Base IRI of the dataset's nodes."
)
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="Where the release's files will be downloaded from (a folder URL); named in void.ttl.",
)
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="The public SPARQL endpoint serving the release; named in void.ttl.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option("--verbose", "-v", is_flag=True, help="Print each stage and its timing.")
@click.option(
    "--force",
    is_flag=True,
    help="Rebuild even when the release in place was built from the same inputs; re-validate every record.",
)
def release(records, out, internal, base_iri, public_url, endpoint_url, quiet, verbose, force):
    """Build a release from RECORDS (default: records/) into OUT, atomically."""
    from .progress import Reporter
    from .release import build_release
    from .release.describe import Publication

    reporter = Reporter(quiet=quiet, verbose=verbose)
    result = build_release(
        list(records) or [Path("records")],
        out,
        internal=internal,
        base_iri=base_iri,
        reporter=reporter,
        publication=Publication(public_url, endpoint_url),
        use_cache=not force,
    )
    if not quiet:
        click.echo(result.summary())


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-cache", is_flag=True, help="Re-validate every record, ignoring cached results.")
def validate(paths, fmt, no_cache):
    """Validate record files or folders (default: records/). Exit 0 without errors, 1 with errors."""
    from .validate import validate_report

    report = validate_report(list(paths) or [Path("records")], fmt, use_cache=not no_cache)
    for note in report.notes:  # the fast SHACL engine refused our shapes: pySHACL ran instead
        click.echo(note, err=True)
    if fmt == "json":
        click.echo(report.json(), nl=False)
    else:
        click.echo(report.text(), nl=False)
        click.echo(report.summary(), err=True)
    sys.exit(1 if report.has_errors() else 0)


@main.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init_command(folder):
    """Start a dataset in FOLDER: records/ with an example case, a README, .gitignore and a CI example."""
    from .scaffold import init_dataset

    for written in init_dataset(folder).files:
        click.echo(f"wrote {written}")
    click.echo(f"Next: cd {folder} && exilegraph validate && exilegraph release")


@main.group("new")
def new():
    """Write a commented template for a new record."""


@new.command("case")
@click.argument("case_id")
@click.option(
    "--records",
    "records",
    default=Path("records"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The dataset's records folder.",
)
def new_case_command(case_id, records):
    """Write records/CASE_ID.yaml, a commented template to fill in from the sources."""
    from .scaffold import new_case

    click.echo(f"wrote {new_case(case_id, records)}")


@main.group("import")
def import_():
    """Convert records from other formats into curated YAML."""


@import_.command("cape")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out",
    default=Path("records"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
def import_cape(files, out):
    """Write one YAML record per profile FILE in the database's text template."""
    from .importers import import_cape as run

    result = run(files, out)
    for w in result.warnings:
        click.echo(w.text(), err=True)
    for written in result.written:
        click.echo(f"wrote {written}")


@main.command("evidence")
@click.argument("case_id")
@click.option(
    "--records",
    "records",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Record file or folder (repeatable)  [default: records]",
)
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html"]), default="text", show_default=True)
@click.option("--internal", is_flag=True, help="Include restricted values (never publish the report).")
def evidence_command(case_id, records, fmt, internal):
    """The evidence report of CASE_ID: every claim with its basis, citations and conflicts, to check against
    the sources."""
    from .evidence import report

    click.echo(report(case_id, list(records) or [Path("records")], fmt, internal=internal), nl=False)


_RELEASE_DIR = click.option(
    "--release",
    "release_dir",
    default=Path("output/exilegraph"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The release folder (the one holding release.json and store/).",
)


@main.command("query")
@click.argument("query_or_file", required=False)
@_RELEASE_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
    help="SELECT/ASK: table or SPARQL results; CONSTRUCT/DESCRIBE: Turtle, "
    "N-Triples (csv, tsv) or JSON-LD (json).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind ?NAME (repeatable): state=KZ, case=ID, person=ID, since=2015, ...",
)
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Stop the query after this many seconds (0: no limit).",
)
@click.option(
    "--page",
    type=click.IntRange(min=1),
    help="For a catalogue listing that comes in pages: which page (default the first).",
)
@click.option("--list", "list_", is_flag=True, help="List the catalogue of ready-made queries and exit.")
def query_command(query_or_file, release_dir, fmt, params, timeout, page, list_):
    """Run QUERY_OR_FILE (SPARQL text, a .rq file or a catalogue name) on a release's embedded store."""
    from .catalogue import listing
    from .query import run

    if list_:
        click.echo(listing(), nl=False)
        return
    if not query_or_file:
        raise click.UsageError("give a SPARQL query, a .rq file or a catalogue name (see --list)")
    click.echo(
        run(
            query_or_file,
            release_dir,
            fmt,
            params,
            timeout or None,
            warn=lambda message: click.echo(f"Warning: {message}", err=True),
            page=page,
            note=lambda message: click.echo(message, err=True),
        ),
        nl=False,
    )


@main.command("serve")
@_RELEASE_DIR
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--timeout",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds after which the server stops a query.",
)
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (web pages on other sites).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Query engine processes (default: one per core, at least 3).",
)
def serve_command(release_dir, host, port, timeout, cors, workers):
    """Serve the release as a read-only SPARQL endpoint (Oxigraph engines) until Ctrl-C."""
    from .serve import serve_release

    serve_release(
        release_dir, host=host, port=port, timeout=timeout, cors=cors, workers=workers, echo=click.echo
    )


@main.command("push")
@click.option(
    "--endpoint",
    required=True,
    help="Graph Store Protocol URL, e.g. http://localhost:7878/store "
    "(Oxigraph), http://localhost:3030/DATASET/data (Fuseki) or "
    "http://localhost:8890/sparql-graph-crud-auth (Virtuoso).",
)
@_RELEASE_DIR
@click.option(
    "--graph", default=None, help="IRI of the named graph to replace  [default: <base>graph/release]"
)
@click.option(
    "--description-graph",
    default=None,
    metavar="IRI",
    help="IRI of the named graph for the dataset description (void.ttl)  "
    "[default: <graph>/description, or <base>graph/description]",
)
@click.option("--no-description", is_flag=True, help="Push only the data, not the dataset description.")
@click.option("--user", default=None, help="User name for HTTP authentication.")
@click.option(
    "--password-env", default=None, metavar="VAR", help="Environment variable holding the password."
)
@click.option(
    "--auth",
    "scheme",
    type=click.Choice(["auto", "basic", "digest"]),
    default="auto",
    show_default=True,
    help="HTTP authentication scheme; auto takes Digest if the store offers it.",
)
@click.option(
    "--timeout",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds to wait for the store's answer.",
)
def push_command(
    endpoint, release_dir, graph, description_graph, no_description, user, password_env, scheme, timeout
):
    """Upload the release's triples to a triple store, replacing one named graph in a single PUT, and the
    dataset description into a named graph of its own."""
    from .push import credentials, push

    click.echo(
        push(
            release_dir,
            endpoint,
            graph=graph,
            auth=credentials(user, password_env),
            scheme=scheme,
            description=not no_description,
            description_graph=description_graph,
            timeout=timeout,
        ).summary()
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
