"""Renderers of the evidence report: plain text for the terminal, Markdown, and one self-contained
HTML page (no script, a small inline stylesheet). All output is deterministic: no timestamps."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from .report import CitationInfo, ClaimInfo, ConflictInfo, Evidence

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _letter(i: int) -> str:
    return LETTERS[i] if i < len(LETTERS) else f"{i + 1}"


def _kind(ev: Evidence) -> str:
    return (
        "INTERNAL report: restricted values are included; do not publish it."
        if ev.internal
        else "Public report: values of restricted slots are left out."
    )


def _summary(ev: Evidence) -> str:
    counts = ev.counts()
    flagged = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if k != "claims")
    return (
        f"{counts['claims']} claims"
        + (f" ({flagged})" if flagged else "")
        + f", {len(ev.conflicts)} conflict{'' if len(ev.conflicts) == 1 else 's'}"
    )


def _citation_bits(c: CitationInfo) -> list[tuple[str, str]]:
    s = c.source
    bits = [("locator", c.locator or "none given"), ("support", c.support)]
    bits += [
        (k, v)
        for k, v in (
            ("reference", c.reference_text),
            ("quote", c.quote),
            ("URL", s.url),
            ("accessed", c.accessed_date or s.accessed_date),
        )
        if v
    ]
    if not s.defined:
        bits.append(("problem", "the record does not define this source"))
    return bits


# --- text ------------------------------------------------------------------------------------------


def _text_claim(c: ClaimInfo, indent: str = "") -> list[str]:
    out = [f"{indent}[ ] {c.number}. {c.what}"]
    pad = indent + "      "
    head = [f"key: {c.key}"] if c.key else []
    head.append(f"basis: {c.basis}")
    out.append(pad + " | ".join(head))
    if c.assessment_note:
        out.append(f"{pad}assessment: {c.assessment_note}")
    if c.flags:
        out.append(f"{pad}CHECK: {', '.join(c.flags)}")
    out += [f"{pad}{k}: {v}" for k, v in c.details]
    if not c.citations:
        out.append(f"{pad}sources: none")
    for i, cit in enumerate(c.citations):
        out.append(f"{pad}{_letter(i)}) {cit.source.key}: {cit.source.label()}")
        out += [f"{pad}   {k}: {v}" for k, v in _citation_bits(cit)]
    return out


def render_text(ev: Evidence) -> str:
    lines = [
        f"Evidence report: {ev.case_id} ({ev.subject})",
        f"Record: {ev.record_path}",
        _kind(ev),
        _summary(ev),
    ]
    if ev.context:
        lines += ["", "Case details (context; these fields carry no citations)"]
        lines += [f"  {k}: {v}" for k, v in ev.context]
    for s in ev.sections:
        lines += ["", f"== {s.title} =="]
        for c in s.claims:
            lines += _text_claim(c)
    if ev.conflicts:
        lines += ["", "== Conflicts: claims that sources report differently =="]
    for cf in ev.conflicts:
        lines += ["", f"Conflict {cf.key or ''}".rstrip() + ":"]
        if cf.note:
            lines.append(f"  note: {cf.note}")
        for i, c in enumerate(cf.claims):
            lines.append(f"  {_letter(i).upper()}:")
            lines += _text_claim(c, "    ")
        lines += [f"  (names `{k}`, which is no claim of the case)" for k in cf.missing]
    return "\n".join(lines) + "\n"


# --- Markdown --------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")  # values never start a line: `#`, `-` and `1.` stay
_SAFE_URL = re.compile(r"^https?://[^\s<>`]+$", re.IGNORECASE)


def md(text: str) -> str:
    """Markdown-escaped inline text: no markup, link or HTML from record values."""
    found = _MD_DONE.get(text)
    if found is None:
        found = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
        if len(_MD_DONE) < _MEMO and type(text) is str:  # 1 and True are one key, not one text
            _MD_DONE[text] = found
    return found


# a case's pages repeat many values (labels, locators, bases): each is escaped once per process
_MEMO = 50_000
_MD_DONE: dict[str, str] = {}
_H_DONE: dict[str, str] = {}


def md_url(url: str) -> str:
    """An address as a Markdown autolink when it is a plain web address, else as escaped text."""
    return f"<{url}>" if _SAFE_URL.match(url) else md(url)


def code(text: str) -> str:
    """A Markdown code span; a backtick in the value cannot close it early."""
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


def _md_citations(c: ClaimInfo) -> list[str]:
    if not c.citations:
        return ["  - **Sources: none**"]
    out = []
    for i, cit in enumerate(c.citations):
        out.append(f"  - {_letter(i)}) {code(cit.source.key)}: {md(cit.source.label())}")
        out.append(
            "    " + " · ".join(f"{k}: {md_url(v) if k == 'URL' else md(v)}" for k, v in _citation_bits(cit))
        )
    return out


def _md_claim(c: ClaimInfo) -> list[str]:
    out = [f"- [ ] **{c.number}.** {md(c.what)}"]
    head = ([f"key {code(c.key)}"] if c.key else []) + [f"basis: {md(c.basis)}"]
    if c.flags:
        head.append("**check: " + md(", ".join(c.flags)) + "**")
    out.append("  " + " · ".join(head))
    if c.assessment_note:
        out.append(f"  - assessment: {md(c.assessment_note)}")
    out += [f"  - {md(k)}: {md(v)}" for k, v in c.details]
    return out + _md_citations(c)


def _md_cell(c: ClaimInfo) -> str:
    bits = [f"**{c.number}.** {md(c.what)}", f"basis: {md(c.basis)}"]
    if c.flags:
        bits.append("check: " + md(", ".join(c.flags)))
    for i, cit in enumerate(c.citations):
        bits.append(
            f"{_letter(i)}) {md(cit.source.label())}; locator: {md(cit.locator or 'none given')}; "
            f"support: {md(cit.support)}"
            + (f"; reference: {md(cit.reference_text)}" if cit.reference_text else "")
        )
    if not c.citations:
        bits.append("sources: none")
    return "<br>".join(bits)


def _md_conflict(cf: ConflictInfo) -> list[str]:
    out = [f"### Conflict {md(cf.key or '')}".rstrip(), ""]
    if cf.note:
        out += [md(cf.note), ""]
    if cf.claims:
        out.append("| " + " | ".join(f"Claim {_letter(i).upper()}" for i in range(len(cf.claims))) + " |")
        out.append("|" + "---|" * len(cf.claims))
        out.append("| " + " | ".join(_md_cell(c) for c in cf.claims) + " |")
        out.append("")
    out += [f"- names {code(k)}, which is no claim of the case" for k in cf.missing]
    return out


def render_markdown(ev: Evidence) -> str:
    lines = [
        f"# Evidence report: {md(ev.case_id)}",
        "",
        f"Subject: {md(ev.subject)}  ",
        f"Record: {code(ev.record_path)}  ",
        md(_kind(ev)) + "  ",
        md(_summary(ev)),
        "",
    ]
    if ev.context:
        lines += ["## Case details", "", "Context; these fields carry no citations.", ""]
        lines += [f"- {md(k)}: {md(v)}" for k, v in ev.context] + [""]
    for s in ev.sections:
        lines += [f"## {md(s.title)}", ""]
        for c in s.claims:
            lines += _md_claim(c)
        lines.append("")
    if ev.conflicts:
        lines += ["## Conflicts", "", "Claims that sources report differently, side by side.", ""]
    for cf in ev.conflicts:
        lines += _md_conflict(cf)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- HTML ------------------------------------------------------------------------------------------

_CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;margin-top:2rem}
.claim{border-left:3px solid #bbb;padding:.2rem .8rem;margin:.8rem 0}.claim.flagged{border-color:#c60}
.claim h3{font-size:1rem;margin:.2rem 0}.meta{color:#555;font-size:.9rem}.flag{background:#fde3c8;color:#7a3300;
padding:0 .3rem;border-radius:3px;margin-right:.3rem;font-size:.85rem}ol.cites{margin:.3rem 0}
dl{display:grid;grid-template-columns:max-content auto;gap:0 .8rem;margin:.3rem 0}dt{color:#555}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{overflow-wrap:anywhere;border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}
.internal{background:#fdd;padding:.4rem;border:1px solid #c00}@media print{input{display:none}}"""


def h(text) -> str:
    found = _H_DONE.get(text)
    if found is None:
        found = html.escape(str(text), quote=True)
        if len(_H_DONE) < _MEMO and type(text) is str:  # 1 and True are one key, not one text
            _H_DONE[text] = found
    return found


def _link(url: str) -> str:
    if re.match(r"^https?://", url, re.IGNORECASE):
        return f'<a href="{h(url)}">{h(url)}</a>'
    return h(url)


def _html_citations(c: ClaimInfo) -> str:
    if not c.citations:
        return '<p class="meta"><strong>Sources: none</strong></p>'
    items = []
    for cit in c.citations:
        rows = "".join(
            f"<dt>{h(k)}</dt><dd>{_link(v) if k == 'URL' else h(v)}</dd>" for k, v in _citation_bits(cit)
        )
        items.append(f"<li><code>{h(cit.source.key)}</code>: {h(cit.source.label())}<dl>{rows}</dl></li>")
    return f'<ol class="cites" type="a">{"".join(items)}</ol>'


def _html_claim(c: ClaimInfo, anchor: bool = True) -> str:
    flags = "".join(f'<span class="flag">{h(f)}</span>' for f in c.flags)
    ident = f' id="claim-{c.number}"' if anchor else ""
    meta = ([f"key <code>{h(c.key)}</code>"] if c.key else []) + [f"basis: {h(c.basis)}"]
    parts = [
        f'<div class="claim{" flagged" if c.flags else ""}"{ident}>',
        f'<h3><label><input type="checkbox"> {c.number}.</label> {h(c.what)}</h3>',
        f'<p class="meta">{" · ".join(meta)} {flags}</p>',
    ]
    if c.assessment_note:
        parts.append(f'<p class="meta">assessment: {h(c.assessment_note)}</p>')
    if c.details:
        parts.append("<dl>" + "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in c.details) + "</dl>")
    parts.append(_html_citations(c))
    parts.append("</div>")
    return "\n".join(parts)


def _html_conflict(cf: ConflictInfo) -> str:
    parts = [f"<h3>Conflict {h(cf.key or '')}</h3>"]
    if cf.note:
        parts.append(f"<p>{h(cf.note)}</p>")
    if cf.claims:
        head = "".join(
            f'<th>Claim {_letter(i).upper()} (<a href="#claim-{c.number}">no. {c.number}</a>)</th>'
            for i, c in enumerate(cf.claims)
        )
        cells = "".join(f"<td>{_html_claim(c, anchor=False)}</td>" for c in cf.claims)
        parts.append(f"<table><tr>{head}</tr><tr>{cells}</tr></table>")
    parts += [f"<p>names <code>{h(k)}</code>, which is no claim of the case</p>" for k in cf.missing]
    return "\n".join(parts)


def render_html(ev: Evidence) -> str:
    kind = f'<p class="internal">{h(_kind(ev))}</p>' if ev.internal else f'<p class="meta">{h(_kind(ev))}</p>'
    body = [
        f"<h1>Evidence report: {h(ev.case_id)}</h1>",
        f"<p>Subject: {h(ev.subject)}<br>Record: <code>{h(ev.record_path)}</code></p>",
        kind,
        f"<p>{h(_summary(ev))}</p>",
    ]
    if ev.context:
        body.append(
            '<h2>Case details</h2><p class="meta">Context; these fields carry no citations.</p><dl>'
            + "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in ev.context)
            + "</dl>"
        )
    for s in ev.sections:
        body.append(f"<h2>{h(s.title)}</h2>")
        body += [_html_claim(c) for c in s.claims]
    if ev.conflicts:
        body.append(
            '<h2>Conflicts</h2><p class="meta">Claims that sources report differently, side by side.</p>'
        )
        body += [_html_conflict(cf) for cf in ev.conflicts]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Evidence report: {h(ev.case_id)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


RENDERERS: dict[str, Callable[[Evidence], str]] = {
    "text": render_text,
    "md": render_markdown,
    "html": render_html,
}
