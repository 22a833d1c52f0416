"""Map one typed record to RDF: N-Triples lines, with class and property IRIs from the schema.

IRIs are stable: cases, persons and organisations from their ids; sources from their normalised
URL (or bibliographic key); every other node from a hash of its content and its owner, so the
same records always give the same graph. Restricted slots are left out of public releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from .computed import computed_lines
from .literals import parse_day, text_language
from .rdf.namespaces import RDF_TYPE, XSD
from .rdf.terms import hash_id, iri, iri_value, literal, typed
from .rdf.values import edtf_bounds, normalise_url
from .records import Record, RecordGraph
from .resources import DEFAULT_BASE_IRI, schema_index

DERIVED = ("earliest", "latest", "approximate", "accessed_on", "published_by")
EDTF = "http://id.loc.gov/datatypes/edtf/EDTF"
ID_KINDS = {"ExileCase": "case", "Person": "person", "Organisation": "organisation"}
HASH_KINDS = {"NameVariant": "name"}
EARLIEST_FROM = ("event_date", "start_date", "most_serious_incident_date", "publication_date")
LATEST_FROM = ("end_date", "event_date", "start_date", "most_serious_incident_date", "publication_date")
_bounds = lru_cache(maxsize=8192)(edtf_bounds)  # records of a chunk repeat their dates (and share many)


@dataclass(frozen=True)
class SlotPlan:
    name: str
    pred: str  # predicate term, e.g. <http://schema.org/name>
    kind: str  # class | ref | enum | narrative | date | uri | curie | integer | boolean | string
    target: str | None = None  # class name for class/ref
    enum: dict | None = None  # value -> meaning IRI (or None)
    multivalued: bool = False
    restricted: bool = False


class Mapper:
    """Maps typed records to RecordGraphs; the class and property IRIs come from the schema index."""

    def __init__(
        self,
        base_iri: str = DEFAULT_BASE_IRI,
        *,
        internal: bool = False,
        language: str = "en",
    ):
        self.base = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"
        self.internal = internal
        self.language = language
        self.index = schema_index()

    # ---- schema-derived plans -------------------------------------------------------------
    @cached_property
    def plans(self) -> dict[str, list[SlotPlan]]:
        idx = self.index
        types, enums, classes = idx["types"], idx["enums"], idx["classes"]
        out: dict[str, list[SlotPlan]] = {}
        for cname, c in classes.items():
            plans = []
            for sname, s in sorted(c["slots"].items()):
                if sname in DERIVED:
                    continue
                rng = s["range"]
                target, enum = None, None
                if rng in classes:
                    kind = "class" if s["inlined"] else "ref"
                    target = rng
                elif rng in enums:
                    kind, enum = "enum", {v: m["meaning"] for v, m in enums[rng].items()}
                elif rng == "narrative":
                    kind = "narrative"
                elif rng == "edtf_date":
                    kind = "date"
                elif rng == "uri":
                    kind = "uri"
                elif rng == "uriorcurie":
                    kind = "curie"
                elif types.get(rng, {}).get("uri") in (XSD + "integer", XSD + "boolean"):
                    kind = types[rng]["uri"][len(XSD) :]
                else:
                    kind = "string"
                plans.append(
                    SlotPlan(sname, iri(s["uri"]), kind, target, enum, s["multivalued"], s["restricted"])
                )
            out[cname] = plans
        return out

    @cached_property
    def plan_by_name(self) -> dict[str, dict[str, SlotPlan]]:
        return {c: {p.name: p for p in plans} for c, plans in self.plans.items()}

    @cached_property
    def dated(self) -> frozenset:
        return frozenset(c for c, v in self.index["classes"].items() if "earliest" in v["slots"])

    @cached_property
    def class_iri(self) -> dict[str, str]:
        return {c: iri(v["uri"]) for c, v in self.index["classes"].items()}

    @cached_property
    def derived_preds(self) -> dict[str, str]:
        slots = self.index["classes"]["Event"]["slots"]
        cit = self.index["classes"]["Citation"]["slots"]
        src = self.index["classes"]["Source"]["slots"]
        agent = self.index["classes"]["Agent"]["slots"]
        return {n: iri(slots[n]["uri"]) for n in ("earliest", "latest", "approximate")} | {
            "accessed_on": iri(cit["accessed_on"]["uri"]),
            "published_by": iri(src["published_by"]["uri"]),
            "name": iri(agent["name"]["uri"]),
        }

    @cached_property
    def prefixes(self) -> dict[str, str]:
        return dict(self.index["prefixes"])

    # ---- IRIs -------------------------------------------------------------------------------
    def node_iri(self, kind: str, key: str) -> str:
        return iri(f"{self.base}{kind}/{key}")

    def source_iri(self, source) -> str:
        if source.url:
            return self.node_iri("source", hash_id("url", normalise_url(str(source.url))))
        who = "; ".join(source.authors or []) or (source.outlet or source.publisher or "")
        key = " | ".join(
            " ".join(str(x or "").casefold().split())
            for x in (who, source.year or source.publication_date, source.title)
        )
        return self.node_iri("source", hash_id("bib", key))

    def graph_iri(self, record_id: str) -> str:
        return f"{self.base}graph/{record_id}"

    def expand(self, curie: str) -> str:
        if "://" in curie:
            return curie
        prefix, _, local = curie.partition(":")
        return self.prefixes.get(prefix, prefix + ":") + local

    # ---- mapping ----------------------------------------------------------------------------
    def map(self, record: Record) -> RecordGraph:
        """The record's triples as sorted N-Triples lines, with each node's field path (for findings)."""
        m = record.model
        run = _Run(self, lines=[], sources={}, claims={}, paths={}, refs=[])
        for i, s in enumerate(m.sources or []):
            run.sources[s.key] = self.source_iri(s)
            run.emit(s, "Source", run.sources[s.key], owner="", fpath=("sources", i))
        for i, p in enumerate(m.persons or []):
            run.emit(p, "Person", self.node_iri("person", p.id), owner=p.id, fpath=("persons", i))
        for i, o in enumerate(m.organisations or []):
            run.emit(
                o, "Organisation", self.node_iri("organisation", o.id), owner=o.id, fpath=("organisations", i)
            )
        case_iri = None
        if m.case is not None:
            case_iri = self.node_iri("case", m.case.id)
            run.emit(m.case, "ExileCase", case_iri, owner=m.case.id, fpath=("case",))
            run.lines.extend(computed_lines(run.lines, case_iri, m.case.id, self.base))
        lines = sorted(set(run.lines))
        return RecordGraph(
            record.id,
            record.path,
            record.sha256,
            self.graph_iri(record.id),
            lines,
            iri_value(case_iri) if case_iri else None,
            run.paths,
            run.refs,
        )


@dataclass
class _Run:
    mapper: Mapper
    lines: list[str]
    sources: dict[str, str]
    claims: dict[str, str]
    paths: dict[str, tuple]
    refs: list

    def emit(self, obj, cname: str, node: str | None, owner: str, fpath: tuple) -> str:
        mp = self.mapper
        po: list[str] = []
        children: list[tuple] = []
        deferred: list[tuple[str, list]] = []
        fields = obj.__dict__  # pydantic keeps set values here; iterating it skips the many unset slots
        lang = fields.get("language") or mp.language
        plans = mp.plan_by_name[cname]
        for name, value in fields.items():
            if value is None or value == []:
                continue
            plan = plans.get(name)
            if plan is None or (plan.restricted and not mp.internal):
                continue
            if cname == "Source" and name == "key":
                continue  # a record-local handle: the same source cited by two records stays one node
            values = value if plan.multivalued else [value]
            if plan.kind == "class":
                children.extend(
                    (plan.pred, v, plan.target, fpath + ((name, i) if plan.multivalued else (name,)))
                    for i, v in enumerate(values)
                )
                continue
            if plan.kind == "ref" and plan.target != "Source":
                self.refs.extend(
                    (plan.target, v, fpath + ((name, i) if plan.multivalued else (name,)))
                    for i, v in enumerate(values)
                )
            if name == "claims":
                deferred.append((plan.pred, values))
                continue
            if name == "publisher":
                self.publisher(str(value), po)
                continue
            # an item's `language` is that of its own text (a name, a statement); a source's is that of
            # the document, so its title keeps it only when written in its script (else a curator's
            # translation, in the dataset's language); a curator's note is in the dataset's language
            vlang = mp.language if name == "note" else lang
            for v in values:
                if cname == "Source" and name == "title":
                    vlang = text_language(str(v), lang, mp.language)
                po.append(f"{plan.pred} {self.term(plan, v, vlang)}")
            if name == "accessed_date" and (day := parse_day(str(value))):
                po.append(f"{mp.derived_preds['accessed_on']} {literal(day.isoformat(), XSD + 'date')}")
        self.dates(fields, cname, po)
        if node is None:
            kind = HASH_KINDS.get(cname, cname.lower())
            node = mp.node_iri(kind, hash_id(owner, cname, *sorted(po)))
        key = fields.get("key")
        if key and cname != "Source":
            self.claims[key] = node
        children.sort(key=lambda c: c[2] == "Conflict")  # conflicts name claims: map those first
        for pred, child, ccls, cpath in children:
            child_iri = self.emit(child, ccls, None, owner=node, fpath=cpath)
            po.append(f"{pred} {child_iri}")
        for pred, keys in deferred:
            po.extend(f"{pred} {self.claims[k]}" for k in keys if k in self.claims)
        self.paths.setdefault(iri_value(node), fpath)
        self.lines.append(f"{node} {RDF_TYPE} {mp.class_iri[cname]} .")
        self.lines.extend(f"{node} {x} ." for x in po)
        return node

    def term(self, plan: SlotPlan, v, lang: str) -> str:
        mp = self.mapper
        kind = plan.kind
        if kind == "ref":
            if plan.target == "Source":
                return self.sources[v]
            return mp.node_iri(ID_KINDS.get(plan.target, plan.target.lower()), v)
        if kind == "enum":
            meaning = plan.enum.get(v)
            return iri(meaning) if meaning else literal(str(v))
        if kind == "narrative":
            return literal(str(v), lang=lang)
        if kind == "date":
            return literal(str(v), EDTF)
        if kind == "uri":
            return iri(str(v))
        if kind == "curie":
            return iri(mp.expand(str(v)))
        if kind in ("integer", "boolean"):
            return typed(v, kind)
        return literal(str(v))

    def publisher(self, name: str, po: list[str]) -> None:
        """A publisher as a node with its name; the same name (case and spacing aside) is one node."""
        mp = self.mapper
        node = mp.node_iri("agent", hash_id("agent", " ".join(name.casefold().split())))
        po.append(f"{mp.derived_preds['published_by']} {node}")
        self.lines.append(f"{node} {RDF_TYPE} {mp.class_iri['Agent']} .")
        self.lines.append(f"{node} {mp.derived_preds['name']} {literal(' '.join(name.split()))} .")

    def dates(self, fields: dict, cname: str, po: list[str]) -> None:
        if cname not in self.mapper.dated:
            return
        first = next((fields[n] for n in EARLIEST_FROM if fields.get(n)), None)
        last = next((fields[n] for n in LATEST_FROM if fields.get(n)), None)
        if not first and not last:
            return
        d = self.mapper.derived_preds
        lo, _, approx_lo = _bounds(first or last)
        _, hi, approx_hi = _bounds(last or first)
        if lo:
            po.append(f"{d['earliest']} {lo}")
        if hi:
            po.append(f"{d['latest']} {hi}")
        if approx_lo or approx_hi:
            po.append(f"{d['approximate']} {typed(True, 'boolean')}")
