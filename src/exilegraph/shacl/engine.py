"""Which SHACL engine runs, and the one entry point that runs it: fast when it can be exact, else pySHACL.

The fast engine (fast.py) refuses, with `UnsupportedShape`, any shape it cannot evaluate exactly; the
shapes are then validated by pySHACL (reference.py) instead, and the outcome carries a one-line note
saying so. Our shapes' compiled form is JSON data generated into the repository (compiled.py); nothing
compiled is read from the working folder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..errors import ExilegraphError
from . import ENGINES, Violation, engine_name, shape_files
from .shapes_model import UnsupportedShape

__all__ = [
    "ENGINES",
    "Outcome",
    "ShapesError",
    "engine_name",
    "engine_note",
    "run_engine",
    "validate_with_shapes",
]


class ShapesError(ExilegraphError):
    """The shapes graph is not valid SHACL, or the data cannot be read: no engine can validate it."""


@dataclass(frozen=True)
class Outcome:
    violations: list[Violation]
    engine: str  # the engine that produced the violations: "fast" or "reference"
    note: str | None = None  # one line for the user when the fast engine refused the shapes


def _our_fast_engine():
    """Our shapes compiled (once per process and set of shapes files), or the UnsupportedShape that refused
    them: read from the compiled form `exilegraph generate` keeps beside them when it matches, compiled
    here otherwise (a dataset's own shapes)."""
    return _fast_engine_for(tuple(shape_files()))


@functools.cache
def _fast_engine_for(files: tuple):
    from . import compiled

    texts = [p.read_text(encoding="utf-8") for p in files]
    kept = compiled.load(texts)
    return kept if kept is not None else _compile(texts)


def _compile(texts: list[str]):
    """The fast engine for these shapes, or the UnsupportedShape that refuses them. Raises ShapesError for
    shapes that are not Turtle. A fault of the compiler itself is a refusal too: pySHACL is exact regardless."""
    from .fast import FastEngine

    try:
        return FastEngine(texts)
    except UnsupportedShape as exc:
        return exc
    except SyntaxError as exc:  # rdflib's Turtle parser raises BadSyntax, a SyntaxError
        raise ShapesError(f"the shapes are not valid Turtle: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        return UnsupportedShape(f"the fast engine failed on these shapes ({type(exc).__name__}: {exc})")


def _note(refusal: UnsupportedShape) -> str:
    why = " ".join(str(refusal).split())  # one line, whatever the reason quotes
    return f"Note: SHACL shapes validated with pySHACL (slower): the fast engine refused them: {why}"


def engine_note() -> str | None:
    """The note to print once when the fast engine is wanted but refuses our shapes (then pySHACL runs)."""
    if engine_name() != "fast":
        return None
    engine = _our_fast_engine()
    return _note(engine) if isinstance(engine, UnsupportedShape) else None


def run_engine(lines: list[str], threads: int | None = None) -> Outcome:
    """Validate N-Triples lines against our shapes with the selected engine.

    `threads`: None lets the fast engine choose. Raises ShapesError if pySHACL cannot read the data."""
    if engine_name() == "fast":
        engine = _our_fast_engine()
        if not isinstance(engine, UnsupportedShape):
            return Outcome(engine.validate_lines(lines, threads), "fast")
        return Outcome(_reference(lines, None), "reference", _note(engine))
    return Outcome(_reference(lines, None), "reference")


def validate_with_shapes(lines: list[str], shapes_ttl: list[str], engine: str | None = None) -> Outcome:
    """Validate N-Triples lines against the given Turtle shapes documents (each parsed on its own).

    `engine`: "fast" (falls back to pySHACL when it refuses the shapes) or "reference"; by default the
    selected one. Raises ShapesError when the shapes or the data cannot be read or are not valid SHACL."""
    if (engine or engine_name()) == "fast":
        fast = _compile(shapes_ttl)
        if isinstance(fast, UnsupportedShape):
            return Outcome(_reference(lines, shapes_ttl), "reference", _note(fast))
        try:
            return Outcome(fast.validate_lines(lines), "fast")
        except (SyntaxError, ValueError) as exc:
            raise ShapesError(f"the data are not valid N-Triples: {exc}") from None
    return Outcome(_reference(lines, shapes_ttl), "reference")


def _reference(lines: list[str], shapes_ttl: list[str] | None) -> list[Violation]:
    from .reference import validate_reference

    return validate_reference(lines, shapes_ttl)
