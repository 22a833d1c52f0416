"""Push a release to any triple store that speaks the SPARQL 1.1 Graph Store HTTP Protocol.

One request, `PUT <endpoint>?graph=<IRI>` with the release's N-Triples (the union of its graphs) as the
body, streamed from disk: the store replaces the whole graph at once, so a second push replaces rather
than duplicates, and a store that applies a PUT in one transaction never shows half a release. The
dataset description (`void.ttl`) follows in a second PUT, into a named graph of its own.
Examples of endpoints: Oxigraph `http://host:7878/store`, Fuseki `http://host:3030/DATASET/data`,
Virtuoso `http://host:8890/sparql-graph-crud-auth`, GraphDB
`http://host:7200/repositories/REPO/rdf-graphs/service`.

Stores ask for HTTP Basic or Digest authentication (Virtuoso's authenticated endpoint takes Digest only).
A Digest client must see the store's challenge before it can answer it, and re-sending a large body after
a 401 doubles the upload (some stores close the connection instead of reading it). So a small HEAD
request goes first: it shows whether the host answers, which scheme the store asks for, and (sent again
with the credentials) whether it accepts them, before a single byte of the release is sent.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit

from .errors import NoReleaseError, PushError
from .release.folder import ReleaseDir

DUMP = "exilegraph.nt"
DESCRIPTION = "void.ttl"
MEDIA_TYPE = "application/n-triples"
DESCRIPTION_TYPE = "text/turtle"
SCHEMES = ("auto", "basic", "digest")


class Credentials(NamedTuple):
    """A user name and password; the password never appears in a repr or a message."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=***)"


@dataclass(frozen=True)
class PushResult:
    endpoint: str
    graph: str
    triples: int | None
    size: int
    status: int
    description_graph: str | None = None
    description_triples: int | None = None
    scheme: str | None = None  # the authentication scheme used: "Basic", "Digest" or None

    def summary(self) -> str:
        what = f"{self.triples} triples" if self.triples is not None else "the release"
        text = (
            f"pushed {what} ({_size(self.size)}) to {self.endpoint} as graph <{self.graph}> "
            f"(HTTP {self.status})"
        )
        if self.description_graph:
            count = f" ({self.description_triples} triples)" if self.description_triples is not None else ""
            text += f" and the dataset description{count} as graph <{self.description_graph}>"
        return text + (f", with {self.scheme} authentication" if self.scheme else "")


def credentials(user: str | None, password_env: str | None) -> Credentials | None:
    """The user name, and the password read from an environment variable; None without either.

    Raises PushError when only one of the two is given or the variable is not set."""
    if not user and not password_env:
        return None
    if not user or not password_env:
        raise PushError(
            "give both --user and --password-env (the name of the variable that holds the password)"
        )
    password = os.environ.get(password_env)
    if password is None:
        raise PushError(f"the environment variable {password_env} is not set (it should hold the password)")
    return Credentials(user, password)


def check_endpoint(endpoint: str) -> str:
    """The endpoint URL if it is an http(s) URL with a host and without credentials.

    Raises PushError otherwise; a URL holding a user name or password is refused without being echoed."""
    text = endpoint.strip()
    authority = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", text)
    authority = re.split(r"[/?#]", authority, maxsplit=1)[0]
    if "@" in authority:
        raise PushError(
            "the endpoint URL holds a user name or password; remove them from the URL and pass "
            "--user NAME --password-env VAR instead (the URL is not shown, to keep them private)"
        )
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        raise PushError(f"the endpoint must be an http:// or https:// URL without spaces, got '{text}'")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise PushError(f"the endpoint '{text}' is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise PushError(f"the endpoint must be an http:// or https:// URL, got '{text}'")
    if not parts.hostname:
        raise PushError(f"the endpoint URL '{text}' names no host (e.g. http://localhost:7878/store)")
    if parts.fragment or text.endswith("#"):
        # the graph parameter would land in the fragment, which is never sent: the PUT would hit the
        # store's default graph
        raise PushError(f"the endpoint URL '{text}' has a '#' part; remove it")
    if {"graph", "default"} & set(parse_qs(parts.query, keep_blank_values=True)):
        raise PushError(
            f"the endpoint URL '{text}' already names a graph; give the graph with --graph instead"
        )
    return text


def default_graph(release: Path | ReleaseDir) -> str:
    """`<base IRI>graph/release`, the base read from the release's manifest."""
    return f"{_base(release)}graph/release"


def default_description_graph(release: Path | ReleaseDir, graph: str | None = None) -> str:
    """`<graph>/description` for a graph the user named, else `<base IRI>graph/description`."""
    return f"{graph.rstrip('/')}/description" if graph else f"{_base(release)}graph/description"


def push(
    release: Path | ReleaseDir,
    endpoint: str,
    *,
    graph: str | None = None,
    auth: tuple[str, str] | None = None,
    scheme: str = "auto",
    description: bool = True,
    description_graph: str | None = None,
    timeout: float = 300.0,
) -> PushResult:
    """Replace `graph` at the Graph Store endpoint with the release's triples, in one streamed PUT, then
    `description_graph` with the release's dataset description (unless `description` is false).

    `scheme` is "auto" (Digest if the store offers it, else Basic), "basic" or "digest".
    Example: ``push(Path("output/exilegraph"), "http://localhost:7878/store").summary()``.
    Raises NoReleaseError without a release, PushError for a bad URL, an unreachable or timed-out store, refused
    credentials, or an upload the store rejects; messages never contain the password."""
    import requests  # only pushes need it

    from .pushauth import Sender

    endpoint = check_endpoint(endpoint)
    if scheme not in SCHEMES:
        raise PushError(f"unknown authentication scheme '{scheme}' (use one of: {', '.join(SCHEMES)})")
    release = release if isinstance(release, ReleaseDir) else ReleaseDir(release)
    dump = release.require().ntriples
    void = release.description
    if description and not void.is_file():
        raise PushError(
            f"the release at {release} has no {DESCRIPTION} (dataset description); build it "
            "again or pass --no-description"
        )
    user_graph = graph
    graph = graph or default_graph(release)
    _check_iri(graph, "graph")
    described = (description_graph or default_description_graph(release, user_graph)) if description else None
    if described:
        _check_iri(described, "description graph")
        if described == graph:
            raise PushError(f"the description graph must differ from the data graph <{graph}>")
    credentials_ = Credentials(*auth) if auth else None
    try:
        with requests.Session() as session:
            sender = Sender(session, endpoint, credentials_, scheme, timeout)
            sender.probe(_graph_url(endpoint, graph))
            status = sender.put(_graph_url(endpoint, graph), dump, MEDIA_TYPE)
            if described:
                try:
                    sender.put(_graph_url(endpoint, described), void, DESCRIPTION_TYPE)
                except PushError as exc:
                    raise PushError(
                        f"the release's triples are in <{graph}>, but the dataset description "
                        f"was not pushed: {exc}"
                    ) from None
    except PushError as exc:
        if credentials_ and credentials_.password and credentials_.password in str(exc):
            # a store may echo what it was sent; the password still never reaches the screen
            raise PushError(str(exc).replace(credentials_.password, "***")) from None
        raise
    return PushResult(
        endpoint,
        graph,
        _triples(release),
        dump.stat().st_size,
        status,
        described,
        _count_turtle(void) if described else None,
        sender.used_scheme,
    )


def _graph_url(endpoint: str, graph: str) -> str:
    return f"{endpoint}{'&' if urlsplit(endpoint).query else '?'}{urlencode({'graph': graph})}"


def _check_iri(iri: str, what: str) -> None:
    parts = urlsplit(iri)
    if not parts.scheme or any(c.isspace() or c in '<>"{}|\\^`' for c in iri):
        raise PushError(f"the {what} must be an absolute IRI, got '{iri}'")


def _base(release: Path | ReleaseDir) -> str:
    return (release if isinstance(release, ReleaseDir) else ReleaseDir(release)).base_iri


def _triples(release: ReleaseDir) -> int | None:
    try:
        return int(release.manifest.counts["triples"])
    except (NoReleaseError, KeyError, TypeError, ValueError):
        return None


def _count_turtle(path: Path) -> int | None:
    import pyoxigraph as ox

    try:
        return sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError, ValueError):
        return None


def _size(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)
