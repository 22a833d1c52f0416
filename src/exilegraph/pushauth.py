"""The HTTP side of `exilegraph push`: learning the store's authentication scheme, sending the PUTs, and
turning every failure into one PushError message that names the endpoint but never the password."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PushError

if TYPE_CHECKING:  # pragma: no cover
    import requests

    from .push import Credentials

CONNECT_TIMEOUT = 10.0  # seconds to open a connection; --timeout covers the store's answer
MAX_MESSAGE = 300  # characters of a server's error message kept in a PushError
WRONG_PATH_HINT = (
    "is this the store's Graph Store endpoint? (Oxigraph: /store, Fuseki: /DATASET/data, "
    "Virtuoso: /sparql-graph-crud-auth)"
)
_NAMES = {"basic": "Basic", "digest": "Digest"}


class Sender:
    """Sends a probe and the PUTs of one push over one session, with the scheme the store asks for."""

    def __init__(
        self,
        session: requests.Session,
        endpoint: str,
        credentials: Credentials | None,
        scheme: str,
        timeout: float,
    ):
        self.session = session
        self.endpoint = endpoint
        self.credentials = credentials
        self.scheme = scheme  # "auto", "basic" or "digest"
        self.timeout = timeout
        self.auth = None
        self.used_scheme: str | None = None
        self.offered: list[str] = []

    def probe(self, url: str) -> None:
        """A HEAD request without the body: is the host there, which scheme does it ask for, and does it
        take the credentials? Raises PushError when unreachable, or when credentials are missing or
        refused."""
        reply = self._send("HEAD", url)
        if reply.status_code != 401:
            # the store did not ask (or does not know HEAD); it may still ask on the PUT
            if self.credentials:
                self._use("digest" if self.scheme == "digest" else "basic")
            return
        self.offered = offered_schemes(reply.headers.get("WWW-Authenticate", ""))
        if not self.credentials:
            raise PushError(
                f"{self.endpoint} asks for credentials (HTTP 401 {reply.reason}"
                f"{self._offer_text()}); pass --user NAME --password-env VAR"
            )
        self._use(self._choose())
        reply = self._send("HEAD", url)
        if reply.status_code == 401:
            raise self._refused(reply)

    def put(self, url: str, path: Path, media_type: str) -> int:
        """PUT the file's bytes, streamed, and return the HTTP status.

        Raises PushError for anything but a 2xx answer."""
        for attempt in range(2):
            with open(path, "rb") as body:
                reply = self._send(
                    "PUT", url, data=body, headers={"Content-Type": media_type}, uploading=True
                )
            if (
                reply.status_code == 401
                and attempt == 0
                and self.credentials
                and self.scheme == "auto"
                and self.used_scheme != "Digest"
                and "digest" in offered_schemes(reply.headers.get("WWW-Authenticate", ""))
            ):
                # the store asked for nothing on the probe and wants Digest on writes: send once more
                self.offered = offered_schemes(reply.headers.get("WWW-Authenticate", ""))
                self._use("digest")
                continue
            break
        return self._check(reply)

    # ---- helpers -------------------------------------------------------------------------------------------
    def _choose(self) -> str:
        if self.scheme != "auto":
            return self.scheme
        for scheme in ("digest", "basic"):  # Digest first: it never sends the password itself
            if scheme in self.offered:
                return scheme
        offered = ", ".join(self.offered) or "an unnamed scheme"
        raise PushError(
            f"{self.endpoint} asks for {offered} authentication; exilegraph speaks Basic and Digest"
        )

    def _use(self, scheme: str) -> None:
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        user, password = self.credentials
        if scheme == "digest":
            self.auth = HTTPDigestAuth(user, password)
        else:  # as UTF-8 (RFC 7617); requests would encode str as Latin-1 and fail on other letters
            self.auth = HTTPBasicAuth(user.encode("utf-8"), password.encode("utf-8"))
        self.used_scheme = _NAMES[scheme]

    def _offer_text(self) -> str:
        return f"; it offers {' or '.join(_NAMES.get(s, s) for s in self.offered)}" if self.offered else ""

    def _refused(self, reply: requests.Response) -> PushError:
        offered = offered_schemes(reply.headers.get("WWW-Authenticate", "")) or self.offered
        self.offered = offered
        hint = ""
        if self.used_scheme and self.used_scheme.lower() not in offered and offered:
            hint = f"; the store asks for {' or '.join(_NAMES.get(s, s) for s in offered)} (try --auth auto)"
        return PushError(
            f"{self.endpoint} refused the credentials of user '{self.credentials.user}' "
            f"with {self.used_scheme} authentication "
            f"(HTTP {reply.status_code} {reply.reason}){hint}"
        )

    def _send(self, method: str, url: str, *, uploading: bool = False, **kwargs) -> requests.Response:
        import requests

        try:
            return self.session.request(
                method,
                url,
                auth=self.auth,
                allow_redirects=False,
                timeout=(CONNECT_TIMEOUT, self.timeout),
                **kwargs,
            )
        except requests.exceptions.ConnectTimeout:
            raise PushError(
                f"cannot reach {self.endpoint}: no connection within {CONNECT_TIMEOUT:g} s"
            ) from None
        except requests.exceptions.Timeout:
            raise PushError(
                f"{self.endpoint} did not answer within {self.timeout:g} s "
                "(a larger --timeout gives the store more time)"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            if uploading:
                raise PushError(
                    f"the connection to {self.endpoint} broke during the upload: {reason(exc)}"
                ) from None
            raise PushError(f"cannot reach {self.endpoint}: {reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise PushError(f"the push to {self.endpoint} failed: {_clip(str(exc))}") from None
        except UnicodeError:  # a Digest user name outside Latin-1 cannot go into the header
            raise PushError(
                f"the user name cannot be sent to {self.endpoint}: an HTTP header holds only Latin-1 letters"
            ) from None

    def _check(self, reply: requests.Response) -> int:
        status = reply.status_code
        if 200 <= status < 300:
            return status
        what = f"HTTP {status} {reply.reason}".rstrip()
        if 300 <= status < 400:
            raise PushError(
                f"{self.endpoint} redirects to {reply.headers.get('Location', '?')} ({what}); "
                "push to that address instead"
            )
        if status == 401:
            if not self.credentials:
                self.offered = offered_schemes(reply.headers.get("WWW-Authenticate", ""))
                raise PushError(
                    f"{self.endpoint} asks for credentials ({what}{self._offer_text()}); "
                    "pass --user NAME --password-env VAR"
                )
            raise self._refused(reply)
        if status == 403:
            if self.credentials:
                raise PushError(
                    f"{self.endpoint} refused user '{self.credentials.user}' ({what}, "
                    f"{self.used_scheme} authentication): the user may not write graphs there; "
                    f"the store says: {server_message(reply)}"
                )
            raise PushError(
                f"{self.endpoint} refused the upload without credentials ({what}); pass --user "
                "NAME --password-env VAR if it needs them; the store says: "
                f"{server_message(reply)}"
            )
        if status in (404, 405, 501):
            raise PushError(f"{self.endpoint} does not take a Graph Store PUT ({what}): {WRONG_PATH_HINT}")
        raise PushError(f"{self.endpoint} rejected the upload ({what}): {server_message(reply)}")


def offered_schemes(header: str) -> list[str]:
    """The authentication schemes (lower case) in a WWW-Authenticate header, in the order offered."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', header)  # a quoted realm may hold any word
    schemes = []
    for item in bare.split(","):
        match = re.match(r"\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(\s|$)", item)
        if match and match.group(1).lower() not in schemes:
            schemes.append(match.group(1).lower())
    return schemes


def reason(exc: Exception) -> str:
    """A short cause for a failed connection, without the library's wrapping."""
    text = str(exc)
    for markers, said in (
        (("Connection refused",), "connection refused (is the store running, and is the port right?)"),
        (
            (
                "Name or service not known",
                "Temporary failure in name resolution",
                "nodename nor servname",
                "No address associated with hostname",
                "getaddrinfo failed",
            ),
            "the host name cannot be resolved",
        ),
        (("No route to host",), "no route to host"),
        (("Network is unreachable",), "the network is unreachable"),
        (("CERTIFICATE_VERIFY_FAILED",), "its TLS certificate cannot be verified"),
        (
            ("Connection reset", "Broken pipe", "RemoteDisconnected", "Connection aborted"),
            "the store closed the connection",
        ),
        (("timed out",), "timed out"),
    ):
        if any(marker in text for marker in markers):
            return said
    return _clip(text)


def server_message(reply: requests.Response) -> str:
    """The first line of a store's error message; for an HTML page, the text of its body."""
    text = reply.text or ""
    if re.search(r"<(html|body|!doctype)\b", text[:500], re.IGNORECASE):
        text = re.sub(r"(?is)<(head|script|style)\b.*?</\1\s*>", " ", text)
        text = re.sub(r"<[^>]*>", "\n", text)
        lines = [" ".join(html.unescape(line).split()) for line in text.splitlines()]
        lines = [line for line in lines if line and not line.startswith("HTTP/")]
        return _clip(": ".join(lines)) if lines else "(no message)"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "(no message)"
    first = _clip(lines[0])
    return first if len(lines) == 1 or first.endswith("…") else first + " …"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
