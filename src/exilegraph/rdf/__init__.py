"""RDF as text: N-Triples terms (`terms`), namespaces and prefixes (`namespaces`), value rules for
dates and URLs (`values`), and the release's data as named graphs of lines (`dataset`)."""
