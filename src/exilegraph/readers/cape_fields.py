"""Converters of the profile's one-line field values ("Gender: Female.") to the schema's values.

Each converter returns the case or person fields it sets, or a Problem saying why the value could not
be read; the reader then keeps the value as a statement of the case and reports a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cape_mapping import Mapping
from .cape_text import edtf_from_match, phrase, squeeze


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    fix: str | None = None


def clean(value: str, m: Mapping, final_period: bool = True) -> str | None:
    """The value without the template's markers; None when it is empty ("." or "(Definitions here.)")."""
    for marker in m.strip_markers:
        value = marker.sub(" ", value)
    v = squeeze(value)
    if v.lower() in m.empty_values:
        return None
    if final_period and m.strip_final_period and v.endswith(".") and not v.endswith(".."):
        v = v[:-1].rstrip()
    return None if v.lower() in m.empty_values else v


def _lookup(v: str, table: dict, what: str, heading: str) -> str | Problem:
    found = table.get(phrase(v))
    if found is None:
        known = ", ".join(sorted(set(table)))
        return Problem(
            "unknown-value",
            f"`{v}` is not a {what} the mapping knows; kept as a statement",
            f"write one of: {known} (or add the phrase to mappings/cape.yaml)",
        )
    return found


def to_text(v: str, m: Mapping, field: str) -> dict | Problem:
    return {field: v}


def to_gender(v: str, m: Mapping, field: str) -> dict | Problem:
    got = _lookup(v, m.phrases["gender"], "gender", field)
    return got if isinstance(got, Problem) else {field: got}


def to_country(v: str, m: Mapping, field: str) -> dict | Problem:
    code = m.countries.get(phrase(v))
    if code is None:
        return Problem(
            "unknown-country",
            f"`{v}` is not a country the schema lists; kept as a statement",
            "write the country's English name as the schema's Country enum gives it",
        )
    return {field: code}


def to_categories(v: str, m: Mapping, field: str) -> dict | Problem:
    values, unknown = [], []
    for part in m.category_separator.split(v):
        p = phrase(part)
        if not p:
            continue
        got = m.phrases["categories"].get(p)
        if got is None:
            unknown.append(squeeze(part))
        elif got not in values:
            values.append(got)
    if unknown:
        return Problem(
            "unknown-category",
            f"no category of exile is known for {', '.join(f'`{u}`' for u in unknown)}; "
            "the whole value is kept as a statement",
            "separate categories with `;` and use the phrases of mappings/cape.yaml (categories.phrases)",
        )
    return {field: values} if values else {}


def to_stages(v: str, m: Mapping, field: str) -> dict | Problem:
    tokens = list(m.stage_token.finditer(v))
    if not tokens:
        return Problem(
            "unreadable-stages",
            f"`{v}` names no stage; kept as a statement",
            "write e.g. `Stage 1   Stage 2   not Stage 3`",
        )
    stages = sorted({int(t.group("n")) for t in tokens if not t.group("neg")})
    return {field: stages} if stages else {}


def to_date(v: str, m: Mapping, field: str) -> dict | Problem:
    value = edtf(v, m)
    if value is None:
        return Problem(
            "unreadable-date",
            f"`{v}` is not a date exilegraph can read; kept as a statement",
            "write a year (2017), a month (October 2017) or a day (21 October 2017)",
        )
    return {field: value}


def edtf(v: str, m: Mapping) -> str | None:
    approx = m.date_approximate.match(v)
    body = v[approx.end() :] if approx else v
    for pattern in m.date_patterns:
        found = pattern.match(body.strip())
        if found:
            value = edtf_from_match(found, m.months)
            if value:
                return value + ("~" if approx else "")
    return None


def to_violence(v: str, m: Mapping, field: str) -> dict | Problem:
    parts = m.violence_separator.match(v)
    if parts:
        answer = m.phrases["violence"].get(phrase(parts.group("answer")))
        if answer is not None:
            out: dict = {"violence_reported": answer}
            rest = (parts.group("rest") or "").strip()
            if rest:
                out["violence_description"] = rest
            return out
    return {"violence_description": v}


def to_legal_status(v: str, m: Mapping, field: str) -> dict | Problem:
    got = m.phrases["legal_status"].get(phrase(v))
    return {"legal_status": got} if got else {"legal_status_note": v}


def to_residences(v: str, m: Mapping, field: str) -> dict | Problem:
    out, bad = [], []
    for part in m.residence_separator.split(v):
        if not part.strip():
            continue
        item = m.residence_item.match(part.strip())
        code = m.countries.get(phrase(item.group("country"))) if item else None
        role = m.phrases["residence_roles"].get(phrase(item.group("role") or "")) if item else None
        if code is None or role is None:
            bad.append(squeeze(part))
        else:
            out.append({"country": code, "residence_role": role})
    if bad:
        return Problem(
            "unreadable-residences",
            f"{', '.join(f'`{b}`' for b in bad)}: a country and its role are needed; the whole value is kept "
            "as a statement",
            "write e.g. `Ukraine (asylum); Poland (transit)`",
        )
    return {field: out} if out else {}


def to_url(v: str, m: Mapping, field: str) -> dict | Problem:
    if not v.lower().startswith(("http://", "https://")) or any(ch.isspace() for ch in v):
        return Problem(
            "unreadable-url",
            f"`{v}` is not a web address; kept as a statement",
            "write the profile's address as https://...",
        )
    return {field: v}


CONVERT = {
    "text": to_text,
    "gender": to_gender,
    "country": to_country,
    "categories": to_categories,
    "stages": to_stages,
    "date": to_date,
    "violence": to_violence,
    "legal_status": to_legal_status,
    "residences": to_residences,
    "url": to_url,
}
