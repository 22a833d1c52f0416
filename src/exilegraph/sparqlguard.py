"""Checks on a query's text before any engine sees it, and the ORDER BY rewrite for when the engine panics.

Oxigraph's parser recurses once per nesting level: a few thousand nested `{ }`, parentheses or OPTIONALs
overflow its stack and abort the process (pyoxigraph in-process segfaults), and so do long chains
of operators (`1+1+…`, 8,000 terms), of path steps or of BINDs (5,000). So the size, the nesting
depth, the number of OPTIONAL/UNION/MINUS/BIND blocks and of operator characters are counted by a
cheap scan of the text's tokens (strings, IRIs and comments skipped) and a query over a limit is
refused before it is parsed.

Oxigraph 0.5.13 also mis-sorts when ORDER BY compares values that have no order between them (a string
and a number, upstream oxigraph#1542): its sort either panics (aborting the process) or returns rows out
of order. `order_rewrite` turns every ORDER BY condition into keys that are each totally ordered, which
the engine sorts correctly; the pool and `exilegraph query` run every query with ORDER BY rewritten so,
and fall back to the text as given when the rewrite does not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryError

MAX_BYTES = 100_000  # a hand-written or generated query is far smaller; VALUES lists stay well within
MAX_DEPTH = 64  # nested ( { [ ; the catalogue's deepest query nests 6
MAX_BLOCKS = 256  # OPTIONAL, UNION, MINUS and BIND; the catalogue's largest query has 48
MAX_OPERATORS = 1000  # operator and path characters (+ * / | & = < > ! ^ -); the catalogue's has 55


class QueryRefused(QueryError):
    """A query refused before it reaches the engine (HTTP 400): too large, too deep or not allowed."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_blocks: int = MAX_BLOCKS
    max_operators: int = MAX_OPERATORS


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Token:
    kind: str  # word, var, iri, string, punct
    text: str
    start: int
    end: int


_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7]+)
  | (?P<word>[^\W\d][\w.\-]*(?::[\w.\-%]*)?|:[\w.\-%]*|\d[\w.]*)
  | (?P<space>\s+)
  | (?P<punct>.)
""",
    re.VERBOSE | re.DOTALL,
)

_OPEN, _CLOSE = "({[", ")}]"
_ORDER = re.compile(r"\bORDER\b", re.IGNORECASE)
_BLOCKS = {"OPTIONAL", "UNION", "MINUS", "BIND"}
_OPERATORS = "+*/|&=<>!^-"


def tokens(text: str) -> list[Token]:
    """The query's tokens without spaces and comments (close enough to SPARQL's lexer to count)."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("space", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


def check_query(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a query that is too large, nests too deep, has too many blocks or operators, or calls SERVICE.

    Raises QueryRefused with a one-line reason.
    """
    size = len(text.encode("utf-8"))
    if size > limits.max_bytes:
        raise QueryRefused(f"the query is {size:,} bytes long; the limit is {limits.max_bytes:,}")
    upper = text.upper()
    opens = text.count("(") + text.count("{") + text.count("[")
    words = sum(upper.count(w) for w in _BLOCKS)
    ops = sum(text.count(c) for c in _OPERATORS)
    if (
        opens <= limits.max_depth
        and words <= limits.max_blocks
        and ops <= limits.max_operators
        and "SERVICE" not in upper
    ):
        return  # within every limit even counting characters in strings and IRIs: no need to scan
    depth = deepest = blocks = operators = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "punct":
            c = m.group()
            if c in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif c in _CLOSE:
                depth -= 1
            elif c in _OPERATORS:
                operators += 1
        elif kind == "word":
            word = m.group().upper()
            if word in _BLOCKS:
                blocks += 1
            elif word == "SERVICE":
                raise QueryRefused("SERVICE (federated queries) is not allowed on this endpoint")
    if deepest > limits.max_depth:
        raise QueryRefused(
            f"the query nests brackets or groups {deepest} deep; the limit is {limits.max_depth}"
        )
    if blocks > limits.max_blocks:
        raise QueryRefused(
            f"the query has {blocks} OPTIONAL, UNION, MINUS or BIND blocks; the limit is {limits.max_blocks}"
        )
    if operators > limits.max_operators:
        raise QueryRefused(
            f"the query has {operators} operator or path characters (+ * / | & = < > ! ^ -); "
            f"the limit is {limits.max_operators}"
        )


# ---- the ORDER BY rewrite ------------------------------------------------------------------------------
def order_rewrite(text: str) -> str | None:
    """The query with each ORDER BY condition replaced by totally ordered keys, or None without ORDER BY.

    For a condition E the keys are: kind (unbound or error, blank node, IRI, number, other literal),
    numeric value (numbers only), datatype IRI, language tag, lexical form; DESC(E) gives the same
    keys descending. This is SPARQL 1.1's order (section 15.1) for every pair SPARQL orders, except that
    dates and times of one datatype are ordered by their lexical form (chronological for one time zone).
    The datatype and the lexical form are keyed as new text ("~" and the text, which orders alike): Oxigraph
    reads the text of a term the store holds from disk at every comparison of a sort, and a computed
    text once (a listing of 100,000 rows spent most of its time comparing stored text).
    """
    if not _ORDER.search(text):
        return None
    toks = tokens(text)
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks) - 1:
        if toks[i].text.upper() == "ORDER" and toks[i + 1].text.upper() == "BY":
            conditions, end = _conditions(toks, i + 2)
            if conditions:
                keys = " ".join(k for expr, desc in conditions for k in _keys(text, expr, desc))
                edits.append((toks[i + 2].start, toks[end - 1].end, keys))
            i = end
        else:
            i += 1
    if not edits:
        return None
    out = text
    for start, end, keys in reversed(edits):
        out = out[:start] + keys + out[end:]
    return out


def _conditions(toks: list[Token], i: int) -> tuple[list[tuple[tuple[int, int], bool]], int]:
    """Parse ORDER BY conditions from token i: [((start, end) of the expression, descending)], next index."""
    found = []
    while i < len(toks):
        t = toks[i]
        word = t.text.upper()
        if t.kind == "var":
            found.append(((t.start, t.end), False))
            i += 1
        elif word in ("ASC", "DESC") and i + 1 < len(toks) and toks[i + 1].text == "(":
            close = _matching(toks, i + 1)
            if close is None:
                break
            found.append(((toks[i + 2].start, toks[close - 1].end), word == "DESC"))
            i = close + 1
        elif t.text == "(":
            close = _matching(toks, i)
            if close is None:
                break
            found.append(((t.start, toks[close].end), False))
            i = close + 1
        elif (
            t.kind in ("word", "iri")
            and word not in ("LIMIT", "OFFSET", "VALUES")
            and i + 1 < len(toks)
            and toks[i + 1].text == "("
        ):
            close = _matching(toks, i + 1)
            if close is None:
                break
            found.append(((t.start, toks[close].end), False))
            i = close + 1
        else:
            break
    return found, i


def _matching(toks: list[Token], i: int) -> int | None:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def _keys(text: str, span: tuple[int, int], desc: bool) -> list[str]:
    e = f"({text[span[0] : span[1]]})"
    keys = [
        (
            f"COALESCE(IF(isBLANK({e}), 1, IF(isIRI({e}), 2, IF(isNUMERIC({e}), 3, "
            f"IF(isLITERAL({e}), 4, 0)))), 0)"
        ),
        f"COALESCE(IF(isNUMERIC({e}) && {e} = {e}, {e}, 0), 0)",  # NaN is not = itself: it gets 0
        f'COALESCE(CONCAT("~", STR(DATATYPE({e}))), "")',
        f'COALESCE(LANG({e}), "")',
        f'COALESCE(CONCAT("~", STR({e})), "")',
    ]
    return [f"DESC({k})" if desc else f"ASC({k})" for k in keys]
