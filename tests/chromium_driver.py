"""Headless Chromium for the page tests: find or install Debian's `chromium`, drive it over the DevTools
protocol, and a loopback server that serves a site folder and answers SPARQL on /query from a store."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--remote-allow-origins=*",
]
INSTALL_TIMEOUT = 600  # seconds for apt-get update and install together


def find_or_install_chromium() -> tuple[str | None, str]:
    """(path to chromium, '') or (None, why it is not there). Installs Debian's package when it can."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found, ""
    if not shutil.which("apt-get"):
        return None, "no chromium on PATH and no apt-get to install Debian's chromium package"
    if os.geteuid() != 0:
        return None, "no chromium on PATH, and installing Debian's chromium package needs root"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    deadline = time.monotonic() + INSTALL_TIMEOUT
    steps = (["apt-get", "install", "-y", "--no-install-recommends", "chromium"],)
    lists = Path("/var/lib/apt/lists")
    if not any(lists.glob("*Packages*")):
        steps = (["apt-get", "update"],) + steps
    for cmd in steps:
        try:
            done = subprocess.run(
                cmd,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=max(1.0, deadline - time.monotonic()),
            )
        except subprocess.TimeoutExpired:
            return None, f"`{' '.join(cmd)}` took more than {INSTALL_TIMEOUT} s"
        if done.returncode != 0 and cmd[1] == "install":
            # the package lists may be stale: refresh them once and try again
            subprocess.run(
                ["apt-get", "update"],
                env=env,
                capture_output=True,
                check=False,
                timeout=max(1.0, deadline - time.monotonic()),
            )
            done = subprocess.run(
                cmd,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=max(1.0, deadline - time.monotonic()),
            )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            return None, f"`{' '.join(cmd)}` failed: {last}"
    found = shutil.which("chromium")
    return (found, "") if found else (None, "apt-get installed chromium but it is not on PATH")


class Chromium:
    """One headless Chromium with one page, driven over the DevTools protocol's websocket."""

    def __init__(self, binary: str, profile: Path, width: int = 1280, height: int = 900):
        import websocket  # websocket-client: a test dependency

        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params) -> dict:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def navigate(self, url: str, timeout: float = 30) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout)

    def evaluate(self, expression: str, await_promise: bool = False):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout} s for {expression}")

    def console_errors(self) -> list[str]:
        """Errors the page reported: console.error/assert, uncaught exceptions, failed loads and the like."""
        self.evaluate("0")  # let pending events arrive
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails", {}))[:500])
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"{p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    def screenshot(self, path: Path) -> Path:
        """The whole page, not only the window, as PNG."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 16000), "scale": 1}
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)[
            "data"
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                ws.close()
            except OSError:
                pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _Handler(SimpleHTTPRequestHandler):
    store = None  # pyoxigraph.Store, set per server

    def log_message(self, *args):  # quiet test output
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/query":
            query = urllib.parse.parse_qs(url.query).get("query", [""])[0]
            return self._answer(query)
        return super().do_GET()

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/query":
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        query = (
            body if kind == "application/sparql-query" else urllib.parse.parse_qs(body).get("query", [""])[0]
        )
        self._answer(query)

    def _answer(self, query: str):
        import pyoxigraph as ox

        try:
            result = self.store.query(query)
        except (SyntaxError, OSError, ValueError, RuntimeError) as exc:
            data, status, media = str(exc).encode("utf-8"), 400, "text/plain; charset=utf-8"
        else:
            if isinstance(result, ox.QueryTriples):
                data, media = (
                    ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b"",
                    "application/n-triples",
                )
            else:
                data = result.serialize(format=ox.QueryResultsFormat.JSON)
                media = "application/sparql-results+json"
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class SiteServer:
    """The site folder over HTTP on 127.0.0.1, and SPARQL on /query from the release's store, in-process."""

    def __init__(self, site: Path, store_dir: Path):
        import pyoxigraph as ox

        handler = type("Handler", (_Handler,), {"store": ox.Store.read_only(str(store_dir))})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
