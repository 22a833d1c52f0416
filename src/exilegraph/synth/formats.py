"""Synthetic records written out: YAML (a small emitter for their fixed shape) and profiles in the
database's text template, with in-text references and a "Press sources" list."""

from __future__ import annotations

import json
import re

from .cases import HEADER, MONTHS, _country, _stages

# --- YAML: a small emitter for this fixed shape (block style, JSON-quoted strings when needed) --------------

_PLAIN = re.compile(r"[^\W\d_][\w .,()'/-]*")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(v) -> str:
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if _PLAIN.fullmatch(v) and not v.endswith(" ") and v.lower() not in _YAML11_WORDS:
        return v
    return json.dumps(v, ensure_ascii=False)


def _emit(value, indent: str, out: list[str]) -> None:
    for k, v in value.items():
        if isinstance(v, dict):
            out.append(f"{indent}{k}:\n")
            _emit(v, indent + "  ", out)
        elif isinstance(v, list):
            out.append(f"{indent}{k}:\n")
            for item in v:
                if isinstance(item, dict):
                    first = len(out)
                    _emit(item, indent + "    ", out)
                    out[first] = f"{indent}  - {out[first][len(indent) + 4 :]}"
                else:
                    out.append(f"{indent}  - {_scalar(item)}\n")
        else:
            out.append(f"{indent}{k}: {_scalar(v)}\n")


def dump_yaml(record: dict, seed: int) -> str:
    out = [HEADER.format(seed=seed) + "\n"]
    _emit(record, "", out)
    return "".join(out)


# --- the database's text template ("cape" profiles) ------------------------------------------------------------

CAPE_HEADINGS = {
    "who": "Who, Why and How exiled:",
    1: "Stage 1 details (accusations/ charges/ Interpol notice/ extradition requests):",
    2: "Stage 2 details (arrest/ detention/ extradition):",
    3: "Stage 3 details (rendition/ abduction/ assassination/ attack):",
    "other": "Other actions during Stages 1–3 (dispossession/ overseas assets frozen/ intimidation/ "
    "action against associates/ …):",
    "legal": "Legal status (refugee/ asylum seeker/ resident):",
    "current": "Current status:",
    "press": "Press sources:",
}
_CATEGORY_TEXT = {
    "civil_society": "Civil society activist",
    "opposition_member": "Opposition member",
    "religious": "Banned cleric",
    "regime_insider": "Former regime insider",
}
_LEGAL = ("asylum_application", "migration_decision", "court_decision", "refugee_status_granted")
_CURRENT = ("release", "interpol_notice_removed")
_SENTENCE = {
    "accusation": "Officials in {soc} publicly called {s} a traitor {d}",
    "criminal_charge": "Investigators in {soc} charged {s} with {charge} under {article} {d}",
    "wanted_list_entry": "{s} appeared on a {notice} {d}",
    "interpol_notice_issued": "{soc} obtained an Interpol {notice} against {s} {d}",
    "interpol_notice_removed": "Interpol deleted the notice against {s} {d}",
    "extradition_request": "{soc} sent {host} a request to hand {s} over {d}",
    "arrest": "{s} was stopped by police in {place}, {host}, {d}",
    "detention": "{s} was held for {days} days in the {facility}, starting {d}",
    "hunger_strike": "{s} refused food for {days} days in custody {d}",
    "release": "{s} walked free {d}",
    "extradition": "{host} flew {s} back to {soc} {d}",
    "deportation": "{host} expelled {s} {d}",
    "rendition": "{desc} {s} resurfaced in a prison in {soc} {d}",
    "abduction": "{desc} This happened {d}",
    "attack": "{desc} The beating took place {d}",
    "asylum_application": "{s} lodged an asylum claim in {host} {d}",
    "migration_decision": "The {actor} ruled on the claim {d}: {outcome}",
    "court_decision": "The {actor} gave its judgment {d}: {outcome}",
    "refugee_status_granted": "{host} recognised {s} as a refugee {d}",
    "administrative_penalty": "A judge in {soc} fined {s} for a minor offence {d}",
    "intimidation": "{s} was followed and warned to keep quiet in {country} {d}",
    "action_against_relatives": "Police in {soc} questioned relatives of {s} {d}",
    "conviction": "A court in {soc} sentenced {s} to {sentence} {d}",
    "flight": "{s} crossed the border out of {soc} {d}",
}


def _when(edtf: str, bare: bool = False) -> str:
    """An EDTF date as running text: on 21 October 2017, in October 2017, around 2017, between 2018 and 2019.
    `bare` drops the preposition (21 October 2017) and keeps a range as EDTF, as the template's date field wants."""
    if "/" in edtf:
        a, b = edtf.split("/")
        return edtf if bare else f"between {_when(a, True)} and {_when(b, True)}"
    approx = edtf.endswith(("~", "?"))
    parts = edtf.rstrip("~?%").split("-")
    text = {1: "{0}", 2: "{m} {0}", 3: "{d} {m} {0}"}[len(parts)].format(
        parts[0],
        m=MONTHS[int(parts[1]) - 1] if len(parts) > 1 else "",
        d=int(parts[2]) if len(parts) > 2 else "",
    )
    if approx:
        return "around " + text
    return text if bare else ("on " if len(parts) == 3 else "in ") + text


def _ref_label(src: dict) -> str:
    if src.get("authors"):
        return " and ".join(a.split(",")[0] for a in src["authors"])
    return src["outlet"]


def _years(sources: list[dict]) -> dict[str, str]:
    """Source key -> the year as references write it: 2015, or 2015a/2015b when one name has two that year."""
    groups: dict[tuple, list[str]] = {}
    for src in sources:
        groups.setdefault((_ref_label(src), src["publication_date"][:4]), []).append(src["key"])
    return {
        k: year + ("abcdefgh"[i] if len(keys) > 1 else "")
        for (_, year), keys in groups.items()
        for i, k in enumerate(keys)
    }


def _refs(claim: dict, sources: dict, years: dict) -> str:
    labels = [f"{_ref_label(sources[c['source']])}, {years[c['source']]}" for c in claim.get("citations", [])]
    return f"({'; '.join(dict.fromkeys(labels))})" if labels else ""


def _bibliography(src: dict, style: int, year: str) -> str:
    date = src["publication_date"]
    long = f"{MONTHS[int(date[5:7]) - 1]} {int(date[8:10])}, {date[:4]}" if len(date) == 10 else ""
    acc = src.get("accessed_date", "")
    label, title, url = _ref_label(src), src["title"], src["url"]
    if src.get("authors"):
        who = "  and ".join(src["authors"])
        return f"{who} {year}. '{title}'. {long}.[Online].Available at: {url} [Accessed :{acc}]"
    if style == 0:
        return f"{label}. {year}. '{title}'. {long}.[Online]. Available at: {url}" + (
            f" [Accessed :{acc}]" if acc else ""
        )
    if style == 1:
        return f"{label}, {year}. '{title}'. {long}.[Online]. Available at:{url}" + (
            f" [Accessed :{acc}]" if acc else ""
        )
    acc = f"[Accessed {acc.replace(',', '')}]." if acc else "."
    return f"{label} ({year}) {title}. [online] {src['outlet']}. Available at: {url}{acc}"


def dump_cape(record: dict, org_names: dict[str, str], header: str) -> str:
    """One case as a profile in the database's text template, with in-text references and a bibliography."""
    case, person = record["case"], record["persons"][0]
    sources, years = {s["key"]: s for s in record["sources"]}, _years(record["sources"])
    surname, given = person["preferred_name"].split(" ", 1)[1], person["preferred_name"].split(" ", 1)[0]
    stage_of = _stages()
    soc, host = _country(case["state_of_concern"]), _country(case["residences"][-1]["country"])
    paras: dict = {k: [] for k in CAPE_HEADINGS}
    aff = person["affiliations"][0]
    names = ", ".join(n["name"] for n in person["alternative_names"])
    occ = person["occupations"][0]
    article = "an" if occ[0] in "aeiou" else "a"
    paras["who"].append(
        f"{person['preferred_name']} (also written {names}) is {article} {occ} and "
        f"{aff.get('role', 'member')} of the {org_names.get(aff['organisation'], aff['organisation'])} "
        f"{_refs(aff, sources, years)}."
    )
    for ev in case["events"]:
        t = ev["event_type"]
        text = _SENTENCE[t].format(
            s=surname,
            soc=soc,
            host=host,
            d=_when(ev["event_date"]),
            charge=ev.get("charge", ""),
            article=f"{ev.get('criminal_code_article', '')} of its criminal code",
            place=ev.get("place", ""),
            notice=ev.get("notice_type", "").replace("_", " "),
            days=ev.get("duration_days", ""),
            facility=ev.get("facility", ""),
            desc=ev.get("description", ""),
            outcome=ev.get("outcome", "").rstrip("."),
            actor=org_names.get((ev.get("actors") or [""])[0], "court"),
            sentence=ev.get("sentence", ""),
            country=_country(ev.get("country", case["state_of_concern"])),
        )
        where = (
            "who"
            if t == "flight"
            else "legal"
            if t in _LEGAL
            else "current"
            if t in _CURRENT
            else stage_of[t] or "other"
        )
        paras[where].append(f"{text} {_refs(ev, sources, years)}.")
    for st in case["statements"]:
        where = "current" if st["section"] == "Current status" else "other"
        paras[where].append(f"{st['text'][:-1]} {_refs(st, sources, years)}.")
    notices = sorted(
        {
            e["notice_type"].replace("_", " ").capitalize()
            for e in case["events"]
            if e["event_type"] == "interpol_notice_issued"
        }
    )
    places = ", ".join(f"{_country(r['country'])} ({r['residence_role']})" for r in case["residences"])
    categories = "; ".join(_CATEGORY_TEXT[c] for c in case["categories"])
    stages = "   ".join(("" if s in case["stages"] else "not ") + f"Stage {s}" for s in (1, 2, 3))
    lines = [
        header,
        "# synthetic: true",
        "",
        f"{surname}, {given}",
        "",
        f"Gender: {person['gender'].capitalize()}.",
        f"State of concern: {soc}.",
        "",
        CAPE_HEADINGS["who"],
        "",
        " ".join(paras["who"]),
        "",
        f"Category of exile: {categories}. (Definitions here.)",
        f"Alleged affiliation: {case['alleged_affiliation']}.",
        "",
        f"Which stages experienced: {stages}. (Definitions here.)",
        f"Date of most serious incident: {_when(case['most_serious_incident_date'], bare=True)}.",
        f"Violence experienced: {'Yes: ' + case['violence_description'] if case['violence_reported'] else 'No.'}",
        "",
    ]
    for key in (1, 2, 3, "other"):
        if paras[key] or key != 3:
            lines += [CAPE_HEADINGS[key], "", *(p for par in paras[key] for p in (par, "")), ""]
    lines += [
        f"International arrest warrant: {', '.join(notices)}.",
        "",
        f"Countries of transit, asylum and/or residence: {places}.",
        "",
        f"{CAPE_HEADINGS['legal']} {case['legal_status'].replace('_', ' ').capitalize()}.",
        "",
        *(p for par in paras["legal"] for p in (par, "")),
        f"{CAPE_HEADINGS['current']} {case['current_status']}",
        "",
        *(p for par in paras["current"] for p in (par, "")),
        "",
        CAPE_HEADINGS["press"],
        "",
    ]
    for i, src in enumerate(record["sources"]):
        lines += [_bibliography(src, (i + len(src["key"])) % 3, years[src["key"]]), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
