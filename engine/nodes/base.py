"""What every node type is: a config model, the outputs it can fire, and ``run``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from engine.adapters import ProviderSet
from engine.models import Email, ExecutionLog, RollupIncrement, Workflow, WorkflowNode
from engine.settings import Settings
from engine.store.base import Store


class NodeCategory(StrEnum):
    TRIGGER = "trigger"
    AI = "ai"
    LOGIC = "logic"
    HUMAN = "human"
    ACTION = "action"


class NodeConfig(BaseModel):
    """Base of every node type's config model: unknown settings are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


#: The key of a field's ``json_schema_extra`` that says when the setting applies.
APPLIES_WHEN = "applies_when"


def applies_when(**conditions: Sequence[str]) -> dict[str, Any]:
    """Field metadata (``json_schema_extra``): the setting applies only while each setting named
    has one of the values given, e.g. ``applies_when(source=["imap"])``. Forms show it only then;
    the model still validates it, and a stored value is kept while it does not apply."""
    return {APPLIES_WHEN: {name: list(values) for name, values in conditions.items()}}


@dataclass(frozen=True)
class RetryPolicy:
    """How often a node is tried on a transient error, and how long to wait between tries."""

    max_attempts: int = 3
    initial_wait_seconds: float = 0.2
    max_wait_seconds: float = 5.0


@dataclass
class NodeContext:
    """Everything a node may use while it runs. Nodes get providers only through here."""

    store: Store
    providers: ProviderSet
    settings: Settings
    workflow: Workflow
    node: WorkflowNode
    execution: ExecutionLog
    email: Email | None
    data: dict[str, Any]
    now: Callable[[], datetime]
    rollups: list[RollupIncrement] = field(default_factory=list)
    # Side effects call this just before acting: it renews the execution's lease, or raises
    # LeaseLost if another worker may own the execution now.
    ensure_lease: Callable[[], None] = lambda: None


@dataclass
class NodeResult:
    """What a node produced, which of its outputs fire, and whether it waits on a human."""

    output: dict[str, Any]
    fired_outputs: list[str] = field(default_factory=lambda: ["main"])
    wait: bool = False


ConfigT = TypeVar("ConfigT", bound="NodeConfig")


class NodeType(ABC, Generic[ConfigT]):
    """One kind of node. Subclasses register themselves with ``@register``."""

    type_id: ClassVar[str]
    display_name: ClassVar[str]
    category: ClassVar[NodeCategory]
    description: ClassVar[str]
    config_model: ClassVar[type[NodeConfig]]
    outputs: ClassVar[tuple[str, ...]] = ("main",)
    retry_policy: ClassVar[RetryPolicy] = RetryPolicy()
    #: A node that only computes from the execution's data (no I/O, no side effect, no
    #: provider, bounded work). The executor runs it in the driving thread, with no fenced
    #: write or control check before it: a worker that lost its lease may compute it, but
    #: only a fenced write keeps what it computed.
    inline: ClassVar[bool] = False

    def parse_config(self, raw: dict[str, Any]) -> ConfigT:
        """Validate a node's stored config; raises ``pydantic.ValidationError`` when invalid."""
        return self.config_model.model_validate(raw)  # type: ignore[return-value]

    @abstractmethod
    def run(self, ctx: NodeContext, config: ConfigT) -> NodeResult:
        """Do the node's work once. Raise a provider error to fail (transient errors retry)."""
