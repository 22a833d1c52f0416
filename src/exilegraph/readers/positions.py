"""Find the line and column of a field in YAML text, lazily: only when a finding needs it."""

from __future__ import annotations

import yaml
from yaml.resolver import BaseResolver

try:  # libyaml's parser is ~10x faster; fall back to the pure one
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover
    from yaml.composer import Composer
    from yaml.parser import Parser as _Parser  # type: ignore

    class _Parser(_Parser, Composer):  # type: ignore[no-redef]
        pass


class _Loader(_Parser, BaseResolver):
    """Nodes with their positions only: no tag is resolved (a third of the time with the safe resolver)."""

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        if not hasattr(self, "anchors"):  # the pure composer keeps its state here
            self.anchors = {}
        BaseResolver.__init__(self)

    def resolve(self, kind, value, implicit):
        return ""


class YamlLocator:
    """Callable mapping a field path (keys and indexes) to (line, column), both 1-based."""

    def __init__(self, text: str):
        self._text = text
        self._root = None
        self._composed = False

    def _compose(self):
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self._text, Loader=_Loader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def __call__(self, path) -> tuple[int, int]:
        node = self._compose()
        if node is None:
            return 1, 1
        mark = node.start_mark
        for part in path:
            if isinstance(node, yaml.MappingNode) and not isinstance(part, int):
                for key, value in node.value:
                    if key.value == part:
                        mark, node = key.start_mark, value
                        break
                else:
                    break
            elif (
                isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value)
            ):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1
