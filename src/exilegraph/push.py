"""Push a release to any triple store that speaks the SPARQL 1.1 Graph Store HTTP Protocol.

One request, `PUT <endpoint>?graph=<IRI>` with the release's N-Triples (the union of its graphs) as the
body, streamed from disk: the store replaces the whole graph at once, so a second push replaces rather
than duplicates, and a store that applies a PUT in one transaction never shows half a release.
Examples of endpoints: Oxigraph `http://host:7878/store`, Fuseki `http://host:3030/DATASET/data`,
GraphDB `http://host:7200/repositories/REPO/rdf-graphs/service`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from .errors import NoReleaseError, PushError
from .release.folder import ReleaseDir

DUMP = "exilegraph.nt"
MEDIA_TYPE = "application/n-triples"
MAX_MESSAGE = 300  # characters of a server's error message kept in a PushError


@dataclass(frozen=True)
class PushResult:
    endpoint: str
    graph: str
    triples: int | None
    size: int
    status: int

    def summary(self) -> str:
        what = f"{self.triples} triples" if self.triples is not None else "the release"
        return (f"pushed {what} ({_size(self.size)}) to {self.endpoint} as graph <{self.graph}> "
                f"(HTTP {self.status})")


def credentials(user: str | None, password_env: str | None) -> tuple[str, str] | None:
    """HTTP basic credentials: the user name, and the password read from an environment variable."""
    if not user and not password_env:
        return None
    if not user or not password_env:
        raise PushError("give both --user and --password-env (the name of the variable that holds the password)")
    password = os.environ.get(password_env)
    if password is None:
        raise PushError(f"the environment variable {password_env} is not set (it should hold the password)")
    return user, password


def default_graph(release: Path | ReleaseDir) -> str:
    """`<base IRI>graph/release`, the base read from the release's manifest."""
    return f"{ReleaseDir(release).base_iri if isinstance(release, Path) else release.base_iri}graph/release"


def push(release: Path | ReleaseDir, endpoint: str, *, graph: str | None = None, auth: tuple[str, str] | None = None,
         timeout: float = 300.0) -> PushResult:
    """Replace `graph` at the Graph Store endpoint with the release's triples, in one streamed PUT."""
    import requests  # only pushes need it

    release = release if isinstance(release, ReleaseDir) else ReleaseDir(release)
    dump = release.require().ntriples
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"the endpoint must be an http(s) URL, got '{endpoint}'")
    graph = graph or default_graph(release)
    if not urlsplit(graph).scheme:
        raise PushError(f"the graph must be an absolute IRI, got '{graph}'")
    url = f"{endpoint}{'&' if parts.query else '?'}{urlencode({'graph': graph})}"
    size = dump.stat().st_size
    try:
        with open(dump, "rb") as body:
            reply = requests.put(url, data=body, headers={"Content-Type": MEDIA_TYPE}, auth=auth,
                                 timeout=(10, timeout), allow_redirects=False)
    except requests.exceptions.ConnectionError as exc:
        raise PushError(f"cannot reach {endpoint}: {_reason(exc)}") from None
    except requests.exceptions.Timeout:
        raise PushError(f"{endpoint} did not answer within {timeout:g} s") from None
    except requests.exceptions.RequestException as exc:
        raise PushError(f"the push to {endpoint} failed: {exc}") from None
    status = reply.status_code
    if status in (401, 403):
        hint = "" if auth else "; pass --user and --password-env"
        raise PushError(f"{endpoint} refused the credentials (HTTP {status} {reply.reason}){hint}")
    if 300 <= status < 400:
        raise PushError(f"{endpoint} redirects to {reply.headers.get('Location', '?')} (HTTP {status}); "
                        "push to that address instead")
    if status >= 400:
        raise PushError(f"{endpoint} rejected the upload (HTTP {status} {reply.reason}): {_message(reply.text)}")
    return PushResult(endpoint, graph, _triples(release), size, status)


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host", "timed out"):
        if marker in text:
            return marker.lower()
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def _message(text: str) -> str:
    text = " ".join((text or "").split()) or "(no message)"
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def _triples(release: ReleaseDir) -> int | None:
    try:
        return int(release.manifest.counts["triples"])
    except (NoReleaseError, KeyError, TypeError, ValueError):
        return None


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)
