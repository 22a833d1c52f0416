"""exilegraph: publish case records of political exiles as linked open data with provenance."""

__version__ = "0.1.0"
