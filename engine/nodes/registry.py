"""The one registry mapping ``node_type_id`` to its node type."""

from __future__ import annotations

from typing import Any, TypeVar

from engine.nodes.base import NodeType

_REGISTRY: dict[str, NodeType[Any]] = {}

NodeTypeT = TypeVar("NodeTypeT", bound=type[NodeType[Any]])


class UnknownNodeType(KeyError):
    def __init__(self, type_id: str) -> None:
        super().__init__(f"no node type {type_id!r} is registered")
        self.type_id = type_id


def register(cls: NodeTypeT) -> NodeTypeT:
    """Class decorator: make a node type available under its ``type_id``."""
    if cls.type_id in _REGISTRY:
        raise ValueError(f"node type {cls.type_id!r} registered twice")
    _REGISTRY[cls.type_id] = cls()
    return cls


def get_node_type(type_id: str) -> NodeType[Any]:
    """The registered node type; raise ``UnknownNodeType``."""
    try:
        return _REGISTRY[type_id]
    except KeyError:
        raise UnknownNodeType(type_id) from None


def all_node_types() -> list[NodeType[Any]]:
    """Every registered node type, ordered by category then name."""
    return sorted(_REGISTRY.values(), key=lambda t: (t.category.value, t.display_name))
