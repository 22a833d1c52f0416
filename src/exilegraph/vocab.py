"""The published vocabulary (`vocab.ttl`): every class, property and value set of our namespace.

Classes and slots of the `eg:` namespace get a label, a comment (the schema's description), a domain
and a range; the schema's mappings become links to other vocabularies (exact: owl:equivalent…, broad:
rdfs:subClassOf / rdfs:subPropertyOf, close and related: skos:closeMatch / skos:relatedMatch). Each enum
is a skos:ConceptScheme and each of its values a skos:Concept with a label and its code as skos:notation.
A slot used by several classes names them with schema:domainIncludes, since several rdfs:domain values
would mean their intersection.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .rdf.namespaces import DCT, EDTF, EG, OWL, PROV, RDF, RDF_TYPE, RDFS, SDO, SKOS, WD, XSD
from .rdf.terms import iri, literal
from .resources import GENERATED, SCHEMA

VOCAB_FILE = "vocab.ttl"
VOCAB_PATH = GENERATED / VOCAB_FILE
PREFIXES = {
    "dcterms": DCT,
    "edtf": EDTF,
    "eg": EG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SDO,
    "skos": SKOS,
    "wd": WD,
    "xsd": XSD,
}

# how a range the schema names is written in RDF (the mapper writes enum values and uri slots as IRIs)
_TYPE_RANGE = {"uri": RDFS + "Resource", "uriorcurie": RDFS + "Resource"}
# eg:stage also gives the stage of each event type (a concept), so its domain is not only Statement
ALSO_ON_CONCEPTS = {EG + "stage"}
_MAPPING = {
    "exact": ("equivalentClass", "equivalentProperty"),
    "broad": ("subClassOf", "subPropertyOf"),
    "close": ("closeMatch", "closeMatch"),
    "related": ("relatedMatch", "relatedMatch"),
}


def enum_value_iri(enum: str, value: str) -> str:
    """The IRI a value of an enum without a `meaning` would get: eg:Enum-value (underscores as hyphens)."""
    return f"{EG}{enum}-{value.replace('_', '-')}"


def _label(name: str) -> str:
    """A label from a class name (ExileCase: "Exile case") or a property's name (event_type: "event type")."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").lower()
    return words[:1].upper() + words[1:] if name[:1].isupper() else words


def _text(value) -> str:
    return " ".join(str(value).split())


def vocabulary_lines(schema_path: Path = SCHEMA) -> list[str]:
    """N-Triples of the vocabulary, sorted; raises nothing for a schema that linkml can load."""
    return sorted(_ordered_lines(schema_path))


def _ordered_lines(schema_path: Path) -> list[str]:
    """The vocabulary's lines for readers: the ontology, classes, properties, then value sets."""
    from linkml_runtime.utils.schemaview import SchemaView

    sv = SchemaView(str(schema_path))
    schema = sv.schema
    out: list[str] = []
    onto = iri(EG)

    def add(s: str, p: str, o: str) -> None:
        out.append(f"{s} {p} {o} .")

    add(onto, RDF_TYPE, iri(OWL + "Ontology"))
    add(onto, iri(DCT + "title"), literal("exilegraph vocabulary", lang="en"))
    add(
        onto,
        iri(RDFS + "comment"),
        literal(
            "Classes, properties and value sets of the exilegraph case records of political exiles and "
            "transnational repression, generated from the LinkML schema " + schema.id + ".",
            lang="en",
        ),
    )
    add(onto, iri(OWL + "versionInfo"), literal(str(schema.version)))
    add(onto, iri(DCT + "license"), iri(str(schema.license)))
    add(onto, iri(RDFS + "isDefinedBy"), iri(schema.id))

    def uri(element) -> str:
        return sv.get_uri(element, expand=True)

    def define(node: str, name: str, description, kind: str) -> None:
        add(node, RDF_TYPE, iri(kind))
        add(node, iri(RDFS + "label"), literal(_label(name), lang="en"))
        if description:
            add(node, iri(RDFS + "comment"), literal(_text(description), lang="en"))
        add(node, iri(RDFS + "isDefinedBy"), onto)

    def mappings(node: str, element, is_class: bool) -> None:
        for kind, (as_class, as_prop) in _MAPPING.items():
            ns = OWL if kind == "exact" else (RDFS if kind == "broad" else SKOS)
            for target in getattr(element, f"{kind}_mappings") or []:
                add(node, iri(ns + (as_class if is_class else as_prop)), iri(sv.expand_curie(target)))

    class_uris = {}
    for cname in sorted(sv.all_classes()):
        c = sv.get_class(cname)
        if c.tree_root:
            continue  # the record file is a container, never a node of the graph
        class_uris[cname] = uri(c)
    for cname, curi in class_uris.items():
        if not curi.startswith(EG):
            continue
        c = sv.get_class(cname)
        node = iri(curi)
        define(node, cname, c.description, OWL + "Class")
        if c.is_a:
            add(node, iri(RDFS + "subClassOf"), iri(class_uris[c.is_a]))
        mappings(node, c, True)

    # the classes that declare each slot (inherited slots belong to the class that declares them)
    owners: dict[str, set[str]] = {}
    for cname in class_uris:
        c = sv.get_class(cname)
        for sname in c.slots:
            owners.setdefault(sname, set()).add(cname)
    for sname in sorted(sv.all_slots()):
        s = sv.get_slot(sname)
        suri = sv.expand_curie(s.slot_uri) if s.slot_uri else uri(s)
        if not suri.startswith(EG) or sname not in owners:
            continue
        node = iri(suri)
        ranges = [x.range for x in s.any_of] if s.any_of else [s.range or sv.schema.default_range]
        targets = [_range_iri(sv, r, class_uris) for r in ranges]
        literal_range = all(
            not t.startswith(("<" + RDFS, "<" + SKOS)) and r not in class_uris
            for r, t in zip(ranges, targets)
        )
        define(
            node,
            suri[len(EG) :],
            s.description,
            OWL + ("DatatypeProperty" if literal_range else "ObjectProperty"),
        )
        domains = sorted(iri(class_uris[c]) for c in owners[sname])
        if suri in ALSO_ON_CONCEPTS:
            domains.append(iri(SKOS + "Concept"))
        if sname != suri[len(EG) :]:  # the record's field name, for partners who know the records
            add(node, iri(SKOS + "altLabel"), literal(sname))
        _one_or_includes(add, node, "domain", domains)
        _one_or_includes(add, node, "range", list(dict.fromkeys(targets)))
        enum = next((r for r in ranges if r in sv.all_enums()), None)
        if enum:
            add(node, iri(SKOS + "scopeNote"), literal(f"Values are the concepts of eg:{enum}.", lang="en"))
        mappings(node, s, False)

    for ename in sorted(sv.all_enums()):
        e = sv.get_enum(ename)
        scheme = iri(EG + ename)
        add(scheme, RDF_TYPE, iri(SKOS + "ConceptScheme"))
        add(scheme, iri(SKOS + "prefLabel"), literal(_label(ename), lang="en"))
        add(scheme, iri(RDFS + "label"), literal(_label(ename), lang="en"))
        if e.description:
            add(scheme, iri(SKOS + "definition"), literal(_text(e.description), lang="en"))
        add(scheme, iri(RDFS + "isDefinedBy"), onto)
        for value, pv in e.permissible_values.items():
            node = iri(sv.expand_curie(pv.meaning) if pv.meaning else enum_value_iri(ename, value))
            label = pv.title or value.replace("_", " ")
            add(node, RDF_TYPE, iri(SKOS + "Concept"))
            add(node, iri(SKOS + "prefLabel"), literal(label, lang="en"))
            add(node, iri(RDFS + "label"), literal(label, lang="en"))
            add(node, iri(SKOS + "notation"), literal(value))
            add(node, iri(SKOS + "inScheme"), scheme)
            if pv.description:
                add(node, iri(SKOS + "definition"), literal(_text(pv.description), lang="en"))
            stage = pv.annotations.get("stage") if pv.annotations else None
            if stage is not None:
                add(node, iri(EG + "stage"), literal(str(getattr(stage, "value", stage)), XSD + "integer"))
            if node.startswith("<" + EG):
                add(node, iri(RDFS + "isDefinedBy"), onto)
    return list(dict.fromkeys(out))


def _one_or_includes(add, node: str, kind: str, values: list[str]) -> None:
    """rdfs:domain / rdfs:range for one class; schema:domainIncludes / rangeIncludes for several."""
    if len(values) == 1:
        add(node, iri(RDFS + kind), values[0])
    else:
        for v in values:
            add(node, iri(SDO + kind + "Includes"), v)


def _range_iri(sv, rng: str, class_uris: dict[str, str]) -> str:
    if rng in class_uris:
        return iri(class_uris[rng])
    if rng in sv.all_enums():
        return iri(SKOS + "Concept")
    if rng in _TYPE_RANGE:
        return iri(_TYPE_RANGE[rng])
    t = sv.get_type(rng)
    while t is not None and t.uri is None and t.typeof:
        t = sv.get_type(t.typeof)
    return iri(sv.expand_curie(t.uri)) if t is not None and t.uri else iri(XSD + "string")


def turtle(schema_path: Path = SCHEMA) -> str:
    """vocab.ttl: the vocabulary as Turtle with fixed prefixes, in a stable order."""
    import pyoxigraph as ox

    triples = ox.parse("\n".join(_ordered_lines(schema_path)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode("utf-8")


@functools.cache
def published_lines() -> tuple[str, ...]:
    """The committed vocab.ttl as sorted N-Triples lines, for the release's vocabulary graph."""
    import pyoxigraph as ox

    triples = ox.parse(path=str(VOCAB_PATH), format=ox.RdfFormat.TURTLE)
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return tuple(sorted({line for line in text.splitlines() if line.strip()}))


@functools.cache
def defined_terms() -> frozenset[str]:
    """IRIs of our namespace the published vocabulary defines (its subjects)."""
    return frozenset(line[1 : line.index(">")] for line in published_lines() if line.startswith("<" + EG))
