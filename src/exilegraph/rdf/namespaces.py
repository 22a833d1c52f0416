"""The namespaces exilegraph writes, defined once, and the prefix map every Turtle file uses."""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
PROV = "http://www.w3.org/ns/prov#"
SDO = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
WD = "http://www.wikidata.org/entity/"
EG = "https://w3id.org/exilegraph/vocab/"
EDTF = "http://id.loc.gov/datatypes/edtf/"
IANA = "http://www.iana.org/assignments/media-types/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

RDF_TYPE_IRI = RDF + "type"  # the IRI itself
RDF_TYPE = f"<{RDF_TYPE_IRI}>"  # the same as an N-Triples term, as the mapper writes it
RDF_LANG_STRING = RDF + "langString"
XSD_STRING = XSD + "string"

TURTLE_PREFIXES: dict[str, str] = dict(
    sorted(
        {
            "dcat": DCAT,
            "dcterms": DCT,
            "edtf": EDTF,
            "eg": EG,
            "foaf": FOAF,
            "owl": OWL,
            "prov": PROV,
            "rdf": RDF,
            "rdfs": RDFS,
            "schema": SDO,
            "skos": SKOS,
            "void": VOID,
            "wd": WD,
            "xsd": XSD,
        }.items()
    )
)
