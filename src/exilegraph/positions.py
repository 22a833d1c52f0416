"""Find the line and column of a field in YAML text, lazily: only when a finding needs it."""

from __future__ import annotations

import yaml

try:  # libyaml's composer is ~10x faster; fall back to the pure one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore


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
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1
