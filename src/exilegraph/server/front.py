"""The HTTP front of `exilegraph serve`: the SPARQL 1.1 Protocol (read-only) on /query, pages elsewhere.

The front owns the port and never runs a query itself: it checks the text (guard.py), hands it to the
engine pool (pool.py) and sends the complete result, or an error status with a one-line reason. Paths
other than /query, /update and /store go to a page handler (site.py: the release's static pages).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from ..sparqlguard import DEFAULT_LIMITS, Limits, QueryRefused, check_query
from .formats import GRAPHS, RESULTS, negotiate
from .pool import EnginePool, Reply

PageHandler = Callable[["Handler", str, bool], bool]  # (handler, path, head only) -> answered?


@dataclass
class Settings:
    timeout: float = 30.0
    cors: bool = False
    limits: Limits = DEFAULT_LIMITS


class Front(ThreadingHTTPServer):
    """The listening server; one thread per connection (keep-alive), queries run in the pool."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], pool: EnginePool, settings: Settings, pages: PageHandler | None = None
    ):
        self.pool, self.settings, self.pages = pool, settings, pages
        if ":" in address[0]:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        return thread


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every reply carries Content-Length
    server_version = "exilegraph"
    sys_version = ""
    timeout = 120  # seconds an idle or stalled connection is kept: silent clients cannot hold threads
    disable_nagle_algorithm = True  # headers and body are two writes: Nagle would hold the body ~40 ms
    server: Front

    # ---- routing
    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/query":
            self._query_post()
        elif path == "/update":
            self._refuse_update()
        else:
            self._discard_body()
            self.send_reply(
                Reply.error(405, "this server is read-only: only /query accepts POST"), allow="GET, HEAD"
            )

    def _refuse_writes(self) -> None:
        self._discard_body()
        self.send_reply(
            Reply.error(405, "this server is read-only: nothing can be written to it"),
            allow="GET, HEAD, POST",
        )

    do_PUT = do_DELETE = do_PATCH = _refuse_writes

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
        if self.server.settings.cors:
            self.send_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self._cors()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route(self, head: bool) -> None:
        url = urlsplit(self.path)
        if url.path == "/query":
            params = parse_qs(url.query, keep_blank_values=True)
            if "query" not in params:
                self.send_reply(Reply.error(400, "missing the query parameter: /query?query=SELECT…"))
                return
            self._query(params, head)
        elif url.path == "/update":
            self._refuse_update()
        elif url.path == "/store":
            self.send_reply(
                Reply.error(
                    405, "the Graph Store Protocol is not served; download the release's dumps instead"
                ),
                allow="",
            )
        elif not (self.server.pages and self.server.pages(self, url.path, head)):
            self.send_reply(Reply.error(404, f"nothing at {url.path}; the SPARQL endpoint is /query"))

    def _refuse_update(self) -> None:
        self._discard_body()
        self.send_reply(Reply.error(403, "this endpoint is read-only: SPARQL Update is refused"))

    # ---- queries
    def _query_post(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        body = self._body()
        if body is None:
            return
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif media == "application/sparql-query":
            params["query"] = [body.decode("utf-8", "replace")]
        else:
            self.send_reply(
                Reply.error(
                    415,
                    "send the query as application/sparql-query or as a form "
                    "(application/x-www-form-urlencoded)",
                )
            )
            return
        if not params.get("query"):
            self.send_reply(Reply.error(400, "missing the query"))
            return
        self._query(params, False)

    def _query(self, params: dict[str, list[str]], head: bool) -> None:
        text = params["query"][0]
        settings = self.server.settings
        try:
            check_query(text, settings.limits)
        except QueryRefused as exc:
            self.send_reply(Reply.error(400, f"query refused: {exc}"))
            return
        accept = self.headers.get("Accept")
        results, graph = negotiate(accept, RESULTS, "json"), negotiate(accept, GRAPHS, "turtle")
        if results is None and graph is None:
            self.send_reply(
                Reply.error(
                    406,
                    "no acceptable format: ask for SPARQL JSON, XML, CSV or TSV "
                    "results, or Turtle, N-Triples, JSON-LD or RDF/XML",
                )
            )
            return
        job = {
            "query": text,
            "results": results or "json",
            "graph": graph or "turtle",
            "default_graph": params.get("default-graph-uri", []),
            "named_graph": params.get("named-graph-uri", []),
        }
        self.send_reply(self.server.pool.run(job, settings.timeout), head=head, vary="Accept")

    # ---- replies
    def send_reply(
        self,
        reply: Reply,
        head: bool = False,
        allow: str | None = None,
        vary: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.media)
            self.send_header("Content-Length", str(len(reply.body)))
            if allow:
                self.send_header("Allow", allow)
            if vary:
                self.send_header("Vary", vary)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self._cors()
            self.end_headers()
            if not head:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _cors(self) -> None:
        if self.server.settings.cors:
            self.send_header("Access-Control-Allow-Origin", "*")

    def _body(self) -> bytes | None:
        """The request body, or None after answering 411/413 (a body over the limit is not read)."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            self.send_reply(Reply.error(411, "a POST needs a Content-Length"))
            return None
        limit = 3 * self.server.settings.limits.max_bytes + 4096  # form encoding can triple the size
        if length > limit:
            self.close_connection = True
            self.send_reply(Reply.error(413, f"the request body is {length:,} bytes; the limit is {limit:,}"))
            return None
        return self.rfile.read(length)

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        if 0 < length <= 1 << 20:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args) -> None:
        pass  # one line per request would flood the terminal of `exilegraph serve`
