"""Where the toolkit's own files are: schema, generated artifacts, shapes, mappings, catalogue queries.

They live at the top of the repository (schema/, shapes/, mappings/, queries/), the single source of
truth. A built wheel carries a copy of them in the package (exilegraph/_data/, written by setup.py's
build step), so an installed toolkit needs no checkout; in a checkout (or an editable install) they are
read from the repository itself.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DATA_FOLDERS = ("schema", "shapes", "mappings", "queries")
_SHIPPED = PACKAGE / "_data"
ROOT = _SHIPPED if (_SHIPPED / "schema").is_dir() else PACKAGE.parents[1]
INSTALLED = ROOT == _SHIPPED  # True in an installed wheel: there is no repository to write into
SCHEMA = ROOT / "schema" / "exilegraph.yaml"
GENERATED = ROOT / "schema" / "generated"
SHAPES = ROOT / "shapes"
MAPPINGS = ROOT / "mappings"
QUERIES = ROOT / "queries"
RECORDS = PACKAGE.parents[1] / "records"  # the repository's own records (synthetic corpora refuse to mix)

DEFAULT_BASE_IRI = "https://w3id.org/exilegraph/"


def dataset_folder(name: str) -> Path | None:
    """The working dataset's own `shapes/`, `queries/` or `mappings/` folder, which extends (or, for a
    mapping of the same name, replaces) the toolkit's; None when there is none or it is the toolkit's own."""
    own = Path(name)
    if own.is_dir() and own.resolve() != (ROOT / name).resolve():
        return own
    return None


@functools.cache
def schema_index() -> dict:
    """The compact, generated view of the schema the mapper and validators use (no LinkML import)."""
    return json.loads((GENERATED / "exilegraph.index.json").read_text(encoding="utf-8"))


@functools.cache
def json_schema() -> dict:
    return json.loads((GENERATED / "exilegraph.schema.json").read_text(encoding="utf-8"))
