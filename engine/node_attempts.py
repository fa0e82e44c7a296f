"""One node run: its config parsed, its retry policy applied, its outcome reported.

Transient provider errors are retried with exponential backoff and jitter up to the node type's
policy, or until the executor abandons the node for running past its timeout; any other error
fails the node with its message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from engine.lease import LeaseLost
from engine.models import NodeExecution
from engine.nodes import get_node_type
from engine.nodes.base import NodeContext, NodeResult
from providers.errors import TransientProviderError

log = logging.getLogger("engine.executor")


class StopWhenSet(stop_base):
    """Stop retrying once the node has been abandoned (it ran past its timeout)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.event.is_set()


@dataclass
class NodeOutcome:
    """What one node run produced, handed from its thread to the driving loop."""

    result: NodeResult | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    lease_lost: bool = False

    @property
    def label(self) -> str:
        """How the node run ended, for the duration histogram."""
        if self.lease_lost:
            return "lease_lost"
        if self.result is None:
            return "failed"
        return "waiting" if self.result.wait else "completed"


def attempt_node(
    ctx: NodeContext,
    run: NodeExecution,
    abandon: threading.Event,
    sleep: Callable[[float], None],
) -> NodeOutcome:
    """Run ``ctx.node`` with its type's retry policy; ``run.retry_count`` counts the retries."""
    node = ctx.node
    node_type = get_node_type(node.node_type_id)
    policy = node_type.retry_policy

    def count_retry(state: RetryCallState) -> None:
        run.retry_count += 1
        log.warning(
            "node %s of %s: transient error, retry %d",
            node.node_id,
            ctx.execution.execution_id,
            state.attempt_number,
        )

    started = time.perf_counter()
    result: NodeResult
    try:
        config = node_type.parse_config(node.config)
        if node_type.inline:
            # An inline node calls no provider, so it has no transient error to retry.
            result = node_type.run(ctx, config)
        else:
            retrying = Retrying(
                stop=stop_after_attempt(policy.max_attempts) | StopWhenSet(abandon),
                wait=wait_exponential_jitter(
                    multiplier=policy.initial_wait_seconds,
                    max=policy.max_wait_seconds,
                    jitter=policy.initial_wait_seconds,
                ),
                retry=retry_if_exception_type(TransientProviderError),
                before_sleep=count_retry,
                sleep=sleep,
                reraise=True,
            )
            result = retrying(node_type.run, ctx, config)
    except LeaseLost:
        return NodeOutcome(lease_lost=True)
    except ValidationError as exc:
        return NodeOutcome(error=f"invalid config of node {node.name!r}: {exc}")
    except Exception as exc:  # any error of a node fails that node, with its message
        log.warning("node %s of %s failed: %s", node.node_id, ctx.execution.execution_id, exc)
        return NodeOutcome(error=f"{type(exc).__name__}: {exc}")
    return NodeOutcome(result=result, elapsed_ms=(time.perf_counter() - started) * 1000)
