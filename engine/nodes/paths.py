"""Dotted paths into a node's input data, e.g. ``classification.priority``."""

from __future__ import annotations

from typing import Any


class MissingPath(LookupError):
    def __init__(self, path: str) -> None:
        super().__init__(f"no value at {path!r} in the node's input")
        self.path = path


def resolve_path(data: dict[str, Any], path: str) -> Any:
    """The value at ``path``; raise ``MissingPath`` if any part is absent."""
    value: Any = data
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise MissingPath(path)
    return value
