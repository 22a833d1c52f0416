"""Layer 1 of validation, and typing: the generated JSON Schema, the references inside one record,
and the typed Record that the later stages take.

The JSON Schema is compiled ahead of time (fastjsonschema, by `exilegraph generate`) and only a record
that fails it is re-checked with jsonschema, which lists every error with its path; those become
findings whose messages read as advice, not as validator dumps.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import RecordError
from .findings import ERROR, Finding, has_errors
from .model import RecordFile
from .rdf.terms import is_language_tag
from .rdf.values import MAX_TEXT_BYTES, date_problem, url_problem
from .readers import find_record_files, read_file
from .records import FieldPath, RawRecord, Record
from .resources import json_schema

# NUL ends a string in C and is refused by SQL-backed stores; other control characters are kept as written
_CONTROL = re.compile(r"\x00")
CLAIM_LISTS = ("events", "statements", "alternative_names", "affiliations", "residences", "associates")


def _fast_validator():
    """The generated JSON Schema compiled to Python by fastjsonschema; `exilegraph generate` writes it
    into the package (_schema_validator.py), so nothing is compiled or executed from a working folder."""
    from ._schema_validator import validate

    return validate


@functools.cache
def _full_validator():
    import jsonschema

    schema = json_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _leaves(error):
    """The errors that say what is wrong, below anyOf/oneOf wrappers (skipping the 'or null' branch)."""
    if not error.context:
        return [error]
    subs = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
    if not subs:
        return [error]
    out = []
    for e in subs:
        out.extend(_leaves(e))
    return out


def _close(word, options) -> str:
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else ""


def _describe(error, types: dict) -> list[tuple[FieldPath, str, str, str | None]]:
    """(path, rule, message, fix) for one jsonschema error."""
    path = tuple(error.absolute_path)
    v, value = error.validator, error.instance
    if v == "required":
        name = re.search(r"'([^']+)' is a required property", error.message)
        name = name.group(1) if name else str(error.validator_value)
        return [(path, "required", f"the required field `{name}` is missing", f"add `{name}:` here")]
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for extra in sorted(set(value) - set(allowed)):
            hint = _close(extra, allowed)
            fix = (
                hint[:-1].replace("did you mean", "rename it to")
                if hint
                else f"remove it; allowed here: {', '.join(allowed)}"
            )
            out.append((path + (extra,), "unknown-field", f"`{extra}` is not a field of this item", fix))
        return out
    if v == "enum":
        options = error.validator_value
        hint = _close(value, options)
        listed = (
            ", ".join(map(str, options)) if len(options) <= 20 else f"{len(options)} values, see docs/schema"
        )
        return [
            (path, "unknown-value", f"`{value}` is not an allowed value", hint or f"use one of: {listed}")
        ]
    if v == "pattern":
        if error.validator_value == types.get("edtf_date"):
            impossible = date_problem(str(value))
            if impossible:
                return [(path, "malformed-date", *impossible)]
            return [
                (
                    path,
                    "malformed-date",
                    f"`{value}` is not a date exilegraph can read",
                    "write YYYY, YYYY-MM or YYYY-MM-DD; add ~ when approximate; join two with / for a range (2018/2019)",
                )
            ]
        if error.validator_value == types.get("slug"):
            return [
                (
                    path,
                    "malformed-id",
                    f"`{value}` is not a valid id or key",
                    "use lower-case letters, digits and hyphens, starting with a letter or digit",
                )
            ]
        return [
            (path, "pattern", f"`{value}` does not match the expected form {error.validator_value}", None)
        ]
    if v == "type":
        expected = error.validator_value
        expected = " or ".join(t for t in expected if t != "null") if isinstance(expected, list) else expected
        word = {
            "array": "a list",
            "object": "a mapping of fields",
            "string": "text",
            "integer": "a whole number",
            "boolean": "true or false",
            "number": "a number",
        }.get(expected, expected)
        fix = "put the item in a list: `- …`" if expected == "array" else None
        return [(path, "wrong-type", f"expected {word} here, found `{value!r}`", fix)]
    if v in ("minimum", "maximum"):
        lo, hi = error.schema.get("minimum"), error.schema.get("maximum")
        allowed = (
            f"from {lo} to {hi}" if lo is not None and hi is not None else f"{v} {error.validator_value}"
        )
        return [
            (
                path,
                "out-of-range",
                f"`{value}` is out of range ({v} {error.validator_value})",
                f"use a value {allowed}",
            )
        ]
    if v == "minItems":
        return [
            (
                path,
                "too-few",
                f"needs at least {error.validator_value} items",
                f"list at least {error.validator_value} items here, or remove the entry",
            )
        ]
    return [(path, v, error.message, None)]


def check_schema(raw: RawRecord) -> list[Finding]:
    import fastjsonschema

    try:
        _fast_validator()(raw.data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    types = {name: t.get("pattern") for name, t in _type_patterns().items()}
    seen, out = set(), []
    for top in _full_validator().iter_errors(raw.data):
        for leaf in _leaves(top):
            for path, rule, message, fix in _describe(leaf, types):
                if (path, rule, message) not in seen:
                    seen.add((path, rule, message))
                    out.append(raw.finding(path, rule, message, fix))
    # the compiled schema also checks formats (a URL), which jsonschema does not list: say why here
    return out or check_values(raw) or [raw.finding((), "schema", "the record does not match the schema")]


@functools.cache
def _type_patterns() -> dict:
    from .resources import schema_index

    return schema_index()["types"]


def check_references(raw: RawRecord, model) -> list[Finding]:
    """Keys unique within the record; citations name a source of the record; conflicts name its claims."""
    data = raw.data
    out: list[Finding] = []
    source_keys: dict[str, FieldPath] = {}
    for i, s in enumerate(data.get("sources") or []):
        k = s.get("key")
        if k in source_keys:
            out.append(
                raw.finding(
                    ("sources", i, "key"),
                    "duplicate-key",
                    f"source key `{k}` is used twice in this record",
                    "give each source its own key",
                )
            )
        source_keys.setdefault(k, ("sources", i))
    for kind in ("persons", "organisations"):
        ids: set = set()
        for i, item in enumerate(data.get(kind) or []):
            if item.get("id") in ids:
                out.append(
                    raw.finding(
                        (kind, i, "id"),
                        "duplicate-id",
                        f"id `{item.get('id')}` is defined twice in this record",
                        "merge the two entries",
                    )
                )
            ids.add(item.get("id"))
    claim_keys: dict[str, FieldPath] = {}
    for path, item in _claims(data):
        k = item.get("key")
        if k is None:
            continue
        if k in claim_keys:
            out.append(
                raw.finding(
                    path + ("key",),
                    "duplicate-key",
                    f"key `{k}` is used twice in this record",
                    "give each event, statement or name its own key",
                )
            )
        claim_keys.setdefault(k, path)
    for path, cit in _citations(data):
        src = cit.get("source")
        if src not in source_keys:
            hint = _close(src, source_keys)
            out.append(
                raw.finding(
                    path + ("source",),
                    "unknown-source",
                    f"cites `{src}`, which is not a source of this record",
                    hint or "add an entry with this key under `sources:`",
                )
            )
    case = data.get("case") or {}
    for i, c in enumerate(case.get("conflicts") or []):
        for j, k in enumerate(c.get("claims") or []):
            if k not in claim_keys:
                hint = _close(k, claim_keys)
                out.append(
                    raw.finding(
                        ("case", "conflicts", i, "claims", j),
                        "unknown-claim",
                        f"`{k}` is not the key of an event, statement or name of this record",
                        hint or "set `key:` on the claim and refer to it here",
                    )
                )
    return out


def _claims(data: dict):
    case = data.get("case") or {}
    for lst in CLAIM_LISTS:
        for i, item in enumerate(case.get(lst) or []):
            yield ("case", lst, i), item
    for pi, person in enumerate(data.get("persons") or []):
        for lst in ("alternative_names", "affiliations"):
            for i, item in enumerate(person.get(lst) or []):
                yield ("persons", pi, lst, i), item
    for oi, org in enumerate(data.get("organisations") or []):
        for i, item in enumerate(org.get("events") or []):
            yield ("organisations", oi, "events", i), item


def _citations(data: dict):
    for path, claim in _claims(data):
        for i, cit in enumerate(claim.get("citations") or []):
            if isinstance(cit, dict):
                yield path + ("citations", i), cit


def _strings(value, path: FieldPath = ()) -> list[tuple[FieldPath, str | None, str]]:
    """(path, key or None, text) of every text in a record, in document order: values, and the keys of
    mappings. One walk into a list: nested generators would pass each text up through every level."""
    out: list[tuple[FieldPath, str | None, str]] = []

    def walk(value, path: FieldPath) -> None:
        if isinstance(value, str):
            out.append((path, None, value))
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str):
                    out.append((path, k, k))
                walk(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + (i,))

    walk(value, path)
    return out


def check_lengths(raw: RawRecord) -> list[Finding]:
    """Texts too long for the RDF store (a pasted file, a runaway value) as `too-long` errors at their field."""
    out = []
    limit = f"{MAX_TEXT_BYTES // (1024 * 1024)} MiB"
    for path, key, text in _strings(raw.data):
        if len(text) * 4 <= MAX_TEXT_BYTES or len(text.encode("utf-8", "surrogatepass")) <= MAX_TEXT_BYTES:
            continue
        size = f"{len(text.encode('utf-8', 'surrogatepass')) / (1024 * 1024):.1f} MiB"
        if key is None:
            out.append(
                raw.finding(
                    path,
                    "too-long",
                    f"this text is {size} long; a value may hold at most {limit}",
                    "keep the text short and cite the document that holds the rest as a source",
                )
            )
        else:
            out.append(
                raw.finding(
                    path,
                    "too-long",
                    f"a field name here is {size} long; names are short words",
                    "check the file: a field name this long is usually a missing colon or quote",
                )
            )
    return out


@functools.cache
def _slots_of_range() -> dict[str, frozenset]:
    from .resources import schema_index

    out: dict[str, set] = {}
    for c in schema_index()["classes"].values():
        for name, slot in c["slots"].items():
            if isinstance(slot["range"], str):  # derived slots (earliest, latest) list several
                out.setdefault(slot["range"], set()).add(name)
    return {k: frozenset(v) for k, v in out.items()}


def check_values(raw: RawRecord) -> list[Finding]:
    """Values of the right form that cannot be published: URLs that are not http(s) or are malformed
    (`bad-url`), dates whose month or day does not exist (`malformed-date`). Each at its own field."""
    slots = _slots_of_range()
    urls = slots.get("uri", frozenset())
    dates = slots.get("edtf_date", frozenset()) | {"accessed_date"}  # text, but a date when written as one
    out = []
    for path, key, text in _strings(raw.data):
        if key is not None:
            continue
        bad = _CONTROL.search(text) if "\x00" in text else None  # `in` is the cheaper scan
        if bad:
            out.append(
                raw.finding(
                    path,
                    "control-character",
                    f"this text holds the invisible control character "
                    f"U+{ord(bad.group()):04X} (NUL), which many triple stores and tools refuse",
                    f"remove it (in the file it may be written `\\x{ord(bad.group()):02x}`)",
                )
            )
            continue
        name = path[-1] if path else None
        if isinstance(name, int) and len(path) > 1:  # an item of a multivalued slot
            name = path[-2]
        if name in urls:
            problem = url_problem(text)
            if problem:
                out.append(
                    raw.finding(
                        path,
                        "bad-url",
                        f"`{text[:200]}` cannot be published as a web address: {problem}",
                        "use the http(s) address of the page (copy it from the "
                        "browser's address bar), or leave the field out",
                    )
                )
        elif name == "language" and not is_language_tag(text):
            out.append(
                raw.finding(
                    path,
                    "malformed-language",
                    f"`{text[:200]}` is not a language tag",
                    "write a BCP 47 tag: a language code such as en, ru, kk, or with its script "
                    "or region, such as uz-Cyrl",
                )
            )
        elif name in dates:
            impossible = date_problem(text)
            if impossible:
                out.append(raw.finding(path, "malformed-date", *impossible))
    return out


def type_record(raw: RawRecord) -> tuple[Record | None, list[Finding]]:
    """Schema-check and type one raw record. Returns the record (None on errors) and all findings."""
    findings = list(raw.findings) + check_lengths(raw)
    if has_errors(findings):  # before the schema, whose messages quote the values
        return None, findings
    findings += check_schema(raw)
    if has_errors(findings):
        return None, findings
    findings += check_values(raw)
    if has_errors(findings):
        return None, findings
    model = RecordFile.model_validate(raw.data)
    findings += check_references(raw, model)
    if has_errors(findings):
        return None, findings
    return Record(raw, model), findings


def load_record(path: str | Path) -> Record:
    """Read and type one record file.

    Raises RecordError with every error finding (unreadable file, syntax, schema, references)."""
    record, findings = type_record(read_file(Path(path)))
    if record is None:
        raise RecordError([f for f in findings if f.severity == ERROR])
    return record


def iter_records(paths: Iterable[str | Path]) -> Iterator[Record]:
    """Typed records of every record file under `paths`, in a stable order.

    Raises RecordError at the first file that cannot be read or typed."""
    for p in find_record_files(paths):
        yield load_record(p)
