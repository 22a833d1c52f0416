"""Result formats: content negotiation, RFC 4180 CSV, and serialising a result into a capped buffer.

Oxigraph writes SPARQL CSV with IRIs unquoted, so an IRI holding a comma splits its row; CSV is written
here with Python's csv module instead (fields quoted when they hold a comma, quote or line break; CRLF
line ends, as RFC 4180 and SPARQL 1.1 CSV ask). The other formats are Oxigraph's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyoxigraph as ox

MAX_RESULT = 64 * 1024 * 1024  # bytes of one serialised result; a larger one is refused with advice

# name: (media type sent, pyoxigraph format or None when written here)
RESULTS = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv; charset=utf-8", None),
    "tsv": ("text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV),
}
GRAPHS = {
    "turtle": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
_ACCEPTED = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
}


class ResultTooLarge(Exception):
    """The serialised result passed the cap (the engine stops writing at that point)."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media types of an Accept header, best first (by q, then by position)."""
    found = []
    for pos, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            found.append((fields[0].lower(), q, pos))
    return [(media, q) for media, q, _ in sorted(found, key=lambda x: (-x[1], x[2]))]


def negotiate(header: str | None, choices: dict[str, tuple], default: str) -> str | None:
    """The name of the best format among `choices` for an Accept header; None when nothing acceptable."""
    accepted = parse_accept(header)
    if not accepted:
        return default
    for media, _ in accepted:
        if media in ("*/*", "application/*", "text/*"):
            return default
        name = _ACCEPTED.get(media)
        if name in choices:
            return name
    return None


@dataclass
class Serialised:
    kind: str  # select, ask or graph
    media: str
    body: bytes


class _Capped(io.RawIOBase):
    def __init__(self, cap: int):
        self.cap, self.parts, self.size = cap, [], 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise ResultTooLarge(f"the result is larger than {self.cap:,} bytes")
        self.parts.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


def serialise(
    result, results_format: str = "json", graph_format: str = "turtle", cap: int = MAX_RESULT
) -> Serialised:
    """Write a pyoxigraph query result in the chosen format; raises ResultTooLarge past `cap` bytes."""
    out = _Capped(cap)
    if isinstance(result, ox.QueryTriples):
        media, fmt = GRAPHS[graph_format]
        ox.serialize(result, out, format=fmt)
        return Serialised("graph", media, out.value())
    kind = "ask" if isinstance(result, ox.QueryBoolean) else "select"
    media, fmt = RESULTS[results_format]
    if fmt is None:
        if kind == "select":
            write_csv(result, out)
        else:
            out.write(b"true\r\n" if bool(result) else b"false\r\n")
    else:
        result.serialize(out, format=fmt)
    return Serialised(kind, media, out.value())


def csv_cell(term) -> str:
    """A term as SPARQL 1.1 CSV writes it: IRI and literal values bare, blank nodes as _:id, unbound empty."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)  # a quoted triple


def write_csv(solutions, out) -> None:
    """SPARQL results as RFC 4180 CSV (header of variable names, CRLF line ends) into a binary writer."""
    names = solutions.variables
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([v.value for v in names])
    for solution in solutions:
        writer.writerow([csv_cell(solution[v]) for v in names])
    text.flush()
    text.detach()
