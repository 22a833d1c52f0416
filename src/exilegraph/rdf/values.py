"""Value rules of the domain: the identity of a source's URL, and the bounds of an EDTF date."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .namespaces import XSD
from .terms import literal

TRACKING = re.compile(r"^(utm_[a-z]+|mc_cid|mc_eid|fbclid|gclid|yclid|_hsenc|_hsmi)$", re.I)
WEB_SCHEMES = ("http", "https")


def normalise_url(url: str) -> str:
    """The form of a URL used to identify a source: lower-case scheme and host, no tracking parameters,
    no default port, no trailing slash. The fragment stays (some sites address articles by it)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    )
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme.lower(), host, path, query, parts.fragment))


def has_tracking(url: str) -> bool:
    try:
        return any(TRACKING.match(k) for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why a source URL cannot be published (not http(s), no host, malformed), or None when it can."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        return f"it is not a well-formed URL ({exc})"
    if parts.scheme.lower() not in WEB_SCHEMES:
        shown = f"`{parts.scheme}:`" if parts.scheme else "no scheme"
        return f"it has {shown}; sources are published with http or https addresses only"
    if not parts.hostname:
        return "it names no host"
    if any(c.isspace() for c in url.strip()):
        return "it contains spaces"
    return None


_EDTF_PART = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%]?)$")


def edtf_bounds(value: str) -> tuple[str | None, str | None, bool]:
    """(earliest, latest, approximate) of an EDTF date, each bound a typed N-Triples literal.

    "2017-10-21" -> xsd:date both ends; "2017-10" -> xsd:gYearMonth; "2017" -> xsd:gYear;
    "2018/2019" -> gYear 2018 .. gYear 2019; "2016~" -> gYear 2016, approximate. Nothing is rounded.
    """
    ends = value.split("/")
    out, approx = [], False
    for end in ends:
        m = _EDTF_PART.match(end.strip())
        if not m:
            out.append(None)
            continue
        y, mo, d, flag = m.groups()
        approx = approx or bool(flag)
        if d:
            out.append(literal(f"{y}-{mo}-{d}", XSD + "date"))
        elif mo:
            out.append(literal(f"{y}-{mo}", XSD + "gYearMonth"))
        else:
            out.append(literal(y, XSD + "gYear"))
    return out[0], out[-1], approx


# pyoxigraph refuses a single term longer than 16 MiB ("Reached the buffer maximal size"); a text this
# long is never a curated value, so anything over a quarter of it (escaping can double a text) is refused.
MAX_TEXT_BYTES = 4 * 1024 * 1024

_DATE_END = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[~?%]?$")
MONTH_NAMES = (  # English, as the template and the curated records write them
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_problem(value: str) -> tuple[str, str] | None:
    """(message, fix) for an EDTF date whose month or day does not exist (2017-13, 2017-02-30), or None.

    Only the calendar is judged here; the form of the date is the schema's pattern."""
    import calendar

    for end in value.split("/"):
        m = _DATE_END.match(end.strip())
        if not m:
            continue
        year, month, day = m.group(1), m.group(2), m.group(3)
        if month is not None and not 1 <= int(month) <= 12:
            return (
                f"`{value}` has month {month}, which does not exist",
                "write the month as 01 to 12 (YYYY-MM-DD: the year comes first, then the month, then the day)",
            )
        if day is not None:
            last = calendar.monthrange(int(year), int(month))[1]
            if not 1 <= int(day) <= last:
                name = MONTH_NAMES[int(month) - 1]
                return (
                    f"`{value}` has day {day}, but {name} {year} has {last} days",
                    f"check the day against the source; write the month alone ({year}-{month}) "
                    "if the day is not known",
                )
    return None
