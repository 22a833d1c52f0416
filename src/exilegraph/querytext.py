"""Where things are in a SPARQL query's text: its WHERE group, its sub-selects, a page's LIMIT.

The catalogue binds parameters and cuts listings into pages by editing query text at these places, so
the result can be sent as it is to any SPARQL endpoint. Strings, IRIs and comments are skipped as tokens;
the query page of the site (site/assets/sparql.js) finds the same places the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryError

TOKENS = re.compile(
    r'''
    (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_]+)
  | (?P<word>[A-Za-z_][\w.-]*(?::[\w.%-]*)?|:[\w.%-]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>\S)
''',
    re.X | re.S,
)
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The query's tokens, comments left out (a number is a run of `other` tokens: digits are not words)."""
    out = []
    for m in TOKENS.finditer(text):
        if m.lastgroup != "comment":
            out.append(Token(m.lastgroup or "other", m.group(), m.start(), m.end()))
    return out


def where_group(text: str, label: str) -> tuple[int, int, int | None]:
    """Offsets of the braces of the query's WHERE group, and of the WHERE of a `CONSTRUCT WHERE {}`.

    Strings, IRIs and comments are skipped; the WHERE keyword may be left out, and a CONSTRUCT's
    first group is its template. Raises QueryError for a query without a group."""
    depth, form, seen_where, start = 0, None, False, None
    groups: list[tuple[int, int]] = []
    short_construct = None
    for t in tokens(text):
        if t.kind == "word" and depth == 0:
            word = t.text.upper()
            if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = word
            elif form and word == "WHERE":
                seen_where = True
                short_construct = t.start if form == "CONSTRUCT" and not groups else None
        elif t.kind == "open":
            if depth == 0 and form:
                start = t.start
            depth += 1
        elif t.kind == "close":
            depth -= 1
            if depth == 0 and start is not None:
                groups.append((start, t.start))
                start = None
                if seen_where or form != "CONSTRUCT" or len(groups) == 2:
                    break
    if not groups:
        raise QueryError(f"{label}: parameters need a WHERE {{ ... }} group to bind into")
    return groups[-1][0], groups[-1][1], short_construct


@dataclass(frozen=True)
class SubSelect:
    """A sub-select: where its text starts (`SELECT`) and ends (after its last modifier), the braces of its
    WHERE group, and the variables a parameter can be bound in: those it projects as they are (not as the
    target of an `AS`), and that every sub-select around it projects too."""

    start: int
    end: int
    open_at: int
    close_at: int
    bindable: frozenset[str]


def sub_selects(text: str) -> list[SubSelect]:
    """Every sub-select of the query, in the order they open."""
    toks = tokens(text)
    found: list[SubSelect] = []
    # the open groups: for each `{`, the sub-select whose WHERE group it opens (its index), or None
    stack: list[int | None] = []
    pending: list[tuple[int, frozenset[str] | None]] = []  # a sub-select's start and projection, awaiting `{`
    opened: dict[int, tuple[int, frozenset[str] | None, frozenset[str]]] = {}
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "word" and t.text.upper() == "SELECT" and stack:
            projected, i = _projection(toks, i + 1)
            pending.append((t.start, projected))
            continue
        if t.kind == "open":
            if pending:
                start, projected = pending.pop()
                outer = [opened[j][2] for j in stack if j is not None]
                mine = projected if projected is not None else None
                bindable = _bindable(mine, outer, toks, i)
                opened[i] = (start, projected, bindable)
                stack.append(i)
            else:
                stack.append(None)
        elif t.kind == "close" and stack:
            j = stack.pop()
            if j is not None:
                start, _, bindable = opened[j]
                end = _modifiers_end(toks, i + 1, t.end)
                found.append(SubSelect(start, end, toks[j].start, t.start, bindable))
        i += 1
    return sorted(found, key=lambda s: s.start)


def _projection(toks: list[Token], i: int) -> tuple[frozenset[str] | None, int]:
    """The variables a SELECT clause projects as they are (None for `*`), and the index of its WHERE or `{`."""
    names: set[str] = set()
    star, depth = False, 0
    while i < len(toks):
        t = toks[i]
        if depth == 0 and (t.kind == "open" or (t.kind == "word" and t.text.upper() == "WHERE")):
            break
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.text == "*" and depth == 0:
            star = True
        elif t.kind == "var" and depth == 0:
            names.add(t.text[1:])
        i += 1
    if i < len(toks) and toks[i].kind == "word":
        i += 1  # WHERE
    return (None if star else frozenset(names)), i


def _bindable(
    mine: frozenset[str] | None, outer: list[frozenset[str]], toks: list[Token], i: int
) -> frozenset[str]:
    """Variables projected by this sub-select (all its variables for `*`) and by every one around it."""
    if mine is None:
        mine = frozenset(_group_variables(toks, i))
    for names in outer:
        mine &= names
    return mine


def _group_variables(toks: list[Token], i: int) -> set[str]:
    depth, names = 0, set()
    for t in toks[i:]:
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth -= 1
            if depth == 0:
                break
        elif t.kind == "var":
            names.add(t.text[1:])
    return names


def _modifiers_end(toks: list[Token], i: int, end: int) -> int:
    """Where a sub-select's modifiers (GROUP BY ... LIMIT n, a VALUES clause) end: a sub-select fills its
    group, so at the `}` that closes the group around it."""
    depth = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            if depth == 0:
                break
            depth -= 1
        end = t.end
        i += 1
    return end


def page_limit(text: str, size: int) -> Token:
    """The number token of the one `LIMIT size` that ends a page's sub-select. Raises QueryError when there
    is none or more than one."""
    toks = tokens(text)
    found = []
    for i, t in enumerate(toks[:-1]):
        if t.kind == "word" and t.text.upper() == "LIMIT":
            digits = _number_at(toks, i + 1, text)
            if digits is not None and int(digits.text) == size:
                found.append(digits)
    if len(found) != 1:
        raise QueryError(
            f"a query in pages of {size} opens with one sub-select ending in `LIMIT {size}` "
            f"(found {len(found)})"
        )
    return found[0]


def _number_at(toks: list[Token], i: int, text: str) -> Token | None:
    """The integer starting at token i (digits are `other` tokens, one a character), as one token."""
    if i >= len(toks) or not toks[i].text.isdigit():
        return None
    m = _NUMBER.match(text, toks[i].start)
    assert m is not None
    return Token("number", m.group(), m.start(), m.end())
