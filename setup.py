"""Build step: a wheel carries the toolkit's data folders (schema/, shapes/, mappings/, queries/) inside the
package as exilegraph/_data/, so an installed toolkit works without a checkout (see resources.py).
Everything else is configured in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("schema", "shapes", "mappings", "queries")
SUFFIXES = {".yaml", ".ttl", ".json", ".jsonld", ".rq", ".md"}


class BuildWithData(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "exilegraph" / "_data"
        for folder in DATA_FOLDERS:
            for f in sorted((here / folder).rglob("*")):
                if f.is_file() and f.suffix in SUFFIXES:
                    dest = target / f.relative_to(here)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, dest)


setup(cmdclass={"build_py": BuildWithData})
