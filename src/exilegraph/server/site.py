"""The release's pages (`<release>/site/`) served by the front, with content negotiation for entities.

`/case/akhmetova-zhanara` answers with `site/case/akhmetova-zhanara.html`, `.ttl`, `.jsonld` or `.nt`,
whichever the Accept header prefers (HTML when it says nothing), with `Vary: Accept`; a path naming a
file (`/case/akhmetova-zhanara.ttl`, `/index.html`) answers with that file. Without a site folder `/`
is a small query form. Nothing outside the site folder is served (no `..`, no symlinks leading out).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import unquote

from .formats import parse_accept
from .pool import Reply

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".rq": "application/sparql-query",
}
VARIANTS = {  # media type asked for -> file suffix, in the order served when Accept ties
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/n-triples": ".nt",
}

_FORM = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>exilegraph SPARQL endpoint</title></head>
<body><h1>exilegraph SPARQL endpoint</h1>
<p>Release: {release}. Send SPARQL 1.1 queries to <code>/query</code> (GET or POST);
the endpoint is read-only.</p>
<form action="/query" method="post">
<textarea name="query" rows="12" cols="90">SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT 10</textarea><br>
<button type="submit">Run</button></form></body></html>
"""


class Site:
    """A page handler for the front (see front.PageHandler)."""

    def __init__(self, release: Path):
        self.release = release

    @property
    def root(self) -> Path:
        return self.release / "site"  # looked up per request: a rebuild replaces the release folder

    def __call__(self, handler, path: str, head: bool) -> bool:
        rel = unquote(path).strip("/")
        if "\x00" in rel or any(part in ("..", ".") for part in rel.split("/")):
            return False
        root = self.root
        if not rel and not (root / "index.html").is_file():
            page = _FORM.format(release=html.escape(str(self.release)))
            handler.send_reply(Reply(200, TYPES[".html"], page.encode("utf-8")), head=head)
            return True
        target = root / rel if rel else root / "index.html"
        if target.is_dir():
            target = target / "index.html"
        if target.is_file():
            return self._send(handler, root, target, head)
        variants = {suffix: root / f"{rel}{suffix}" for suffix in set(VARIANTS.values())}
        variants = {s: p for s, p in variants.items() if p.is_file()}
        if not variants:
            return False
        suffix = _choose(handler.headers.get("Accept"), variants)
        if suffix is None:
            offered = ", ".join(sorted(m for m, s in VARIANTS.items() if s in variants))
            handler.send_reply(
                Reply.error(406, f"{path} is available as {offered}"), head=head, vary="Accept"
            )
            return True
        return self._send(handler, root, variants[suffix], head, vary="Accept")

    def _send(self, handler, root: Path, target: Path, head: bool, vary: str | None = None) -> bool:
        try:
            if not target.resolve().is_relative_to(root.resolve()):
                return False
            body = target.read_bytes()
        except OSError:
            return False
        media = TYPES.get(target.suffix, "application/octet-stream")
        location = "/" + target.relative_to(root).as_posix()
        handler.send_reply(
            Reply(200, media, body),
            head=head,
            vary=vary,
            extra={"Content-Location": location} if vary else None,
        )
        return True


def _choose(accept: str | None, variants: dict[str, Path]) -> str | None:
    order = [".html", ".ttl", ".jsonld", ".nt"]
    accepted = parse_accept(accept)
    if not accepted:
        return next(s for s in order if s in variants)
    for media, _ in accepted:
        if media in ("*/*", "text/*", "application/*"):
            wanted = [
                s
                for s in order
                if s in variants
                and (media == "*/*" or any(m.startswith(media[:-1]) and VARIANTS[m] == s for m in VARIANTS))
            ]
            if wanted:
                return wanted[0]
        suffix = VARIANTS.get(media)
        if suffix in variants:
            return suffix
    return None
