"""A node type for engine tests only: it records when it ran, can sleep, and can meet others.

"Meeting" is a barrier shared by the probes of one gate: each waits until all have arrived, so
a gate of two probes on parallel branches only passes if the branches really run at once.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from pydantic import Field

from engine.nodes.base import NodeCategory, NodeConfig, NodeContext, NodeResult, NodeType
from engine.nodes.registry import _REGISTRY, register
from providers.errors import PermanentProviderError

GATES: dict[str, threading.Barrier] = {}
RUNS: dict[str, list[str]] = defaultdict(list)  # execution id -> probe names, in start order
_lock = threading.Lock()


class ProbeConfig(NodeConfig):
    sleep_seconds: float = Field(default=0.0, ge=0)
    gate: str | None = None
    gate_size: int = 2
    fire: list[str] = Field(default_factory=lambda: ["main"])


class Probe(NodeType[ProbeConfig]):
    type_id = "test_probe"
    display_name = "Probe (tests)"
    category = NodeCategory.LOGIC
    description = "Records its run; optionally sleeps or waits for the other probes of a gate."
    config_model = ProbeConfig
    outputs = ("main", "other")

    def run(self, ctx: NodeContext, config: ProbeConfig) -> NodeResult:
        with _lock:
            RUNS[ctx.execution.execution_id].append(ctx.node.node_id)
            gate = (
                GATES.setdefault(config.gate, threading.Barrier(config.gate_size))
                if (config.gate)
                else None
            )
        if gate is not None:
            try:
                gate.wait(timeout=5)
            except threading.BrokenBarrierError:
                raise PermanentProviderError("the branches did not run at the same time") from None
        if config.sleep_seconds:
            time.sleep(config.sleep_seconds)
        return NodeResult(output={ctx.node.node_id: "ran"}, fired_outputs=config.fire)


if Probe.type_id not in _REGISTRY:
    register(Probe)
