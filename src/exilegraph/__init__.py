"""exilegraph: publish case records of political exiles as linked open data with provenance.

The verbs a script needs, each importable from the package::

    from pathlib import Path
    import exilegraph

    findings = exilegraph.validate_paths([Path("records")])          # list of Finding
    release = exilegraph.build_release([Path("records")], Path("output"))
    rows = exilegraph.run_query("cases-by-state", release.path, {"state": "KZ"}).values()

Every function raises a subclass of `ExilegraphError` for a problem a user can act on.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "ExilegraphError": "exilegraph.errors",
    "Finding": "exilegraph.findings",
    "Record": "exilegraph.records",
    "load_record": "exilegraph.check",
    "validate_paths": "exilegraph.validate",
    "build_release": "exilegraph.release",
    "ReleaseDir": "exilegraph.release.folder",
    "import_cape": "exilegraph.importers",
    "evidence_report": "exilegraph.evidence",
    "init_dataset": "exilegraph.scaffold",
    "run_query": "exilegraph.query",
    "push": "exilegraph.push",
    "serve_release": "exilegraph.serve",
}
_NAMES = {"evidence_report": "report"}  # exported under another name than the module's
__all__ = [
    "ExilegraphError",
    "Finding",
    "Record",
    "ReleaseDir",
    "__version__",
    "build_release",
    "evidence_report",
    "import_cape",
    "init_dataset",
    "load_record",
    "push",
    "run_query",
    "serve_release",
    "validate_paths",
]

if TYPE_CHECKING:  # pragma: no cover
    from .check import load_record
    from .errors import ExilegraphError
    from .evidence import report as evidence_report
    from .findings import Finding
    from .importers import import_cape
    from .push import push
    from .query import run_query
    from .records import Record
    from .release import build_release
    from .release.folder import ReleaseDir
    from .scaffold import init_dataset
    from .serve import serve_release
    from .validate import validate_paths


def __getattr__(name: str):
    """The verbs are imported on first use, so `import exilegraph` stays cheap (a worker imports it too)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'exilegraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _NAMES.get(name, name))
    globals()[name] = value
    return value
