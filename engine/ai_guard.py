"""Guard rails: which classified emails must be seen by a person, whatever the workflow says.

An email goes to a human when its category confidence is low, when the customer is angry
(negative sentiment with high frustration), when it tries to instruct the model, or when no
provider gave a valid answer. The reasons are stored on the classification (the Approvals page
shows them); the AI Model node refuses to draft for automatic sending when no approval follows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from engine.models import Workflow, guard_reason_kind
from providers.ai import guard_defaults
from providers.ai.base import Category, Classification
from providers.ai.injection import injection_signals

#: The category an email gets when no provider produced a valid classification.
NEEDS_REVIEW_CATEGORY = "needs_review"


@dataclass(frozen=True)
class GuardThresholds:
    """Below ``min_confidence`` or from ``max_frustration`` up (when negative): a human decides."""

    min_confidence: float = guard_defaults.MIN_CONFIDENCE
    max_frustration: float = guard_defaults.MAX_FRUSTRATION


def review_reasons(
    classification: Classification, text: str, thresholds: GuardThresholds
) -> list[str]:
    """Why this email must go to a person (empty: the workflow decides)."""
    reasons = list(classification.review_reasons)
    if classification.category_confidence < thresholds.min_confidence:
        reasons.append(
            f"low confidence: {classification.category_confidence:.2f} for "
            f"{classification.category} (threshold {thresholds.min_confidence:.2f})"
        )
    if (
        classification.sentiment == "negative"
        and classification.frustration >= thresholds.max_frustration
    ):
        reasons.append(f"angry customer: frustration {classification.frustration:.2f}")
    signals = injection_signals(text)
    if signals:
        reasons.append(f"tries to instruct the model: {', '.join(signals)}")
    return list(dict.fromkeys(reasons))


def apply_guard(
    classification: Classification, text: str, thresholds: GuardThresholds
) -> Classification:
    """``classification`` with ``needs_review`` and its reasons set by the guard rails."""
    reasons = review_reasons(classification, text, thresholds)
    return classification.model_copy(
        update={"needs_review": bool(reasons), "review_reasons": reasons}
    )


def held_reasons(classification: Classification, thresholds: GuardThresholds) -> list[str]:
    """Why a draft built on ``classification`` must not leave without a person reading it.

    The reasons stored by the guard rails when the email was classified, plus the checks that
    need no text, made again with today's thresholds, so a classification stored without its
    flag (an older engine, a hand-made record) is still held. Empty: nothing holds it.
    """
    reasons = list(classification.review_reasons)
    if classification.needs_review and not reasons:
        reasons.append("flagged by the guard rails")
    kinds = {guard_reason_kind(reason) for reason in reasons}
    unflagged = classification.model_copy(update={"review_reasons": []})
    for reason in review_reasons(unflagged, "", thresholds):
        if guard_reason_kind(reason) not in kinds:
            reasons.append(reason)
    return list(dict.fromkeys(reasons))


def needs_review_classification(error: str, taxonomy: list[Category]) -> Classification:
    """What an email gets when no provider gave a valid classification: a human decides."""
    return Classification(
        category=NEEDS_REVIEW_CATEGORY,
        category_confidence=0.0,
        priority="normal",
        priority_confidence=0.0,
        sentiment="neutral",
        sentiment_confidence=0.0,
        language="en",
        language_confidence=0.0,
        provider="guard",
        model="none",
        needs_review=True,
        review_reasons=[f"no valid model output: {error}"[:500]],
    )


def approval_follows(workflow: Workflow, node_id: str) -> bool:
    """True if an approval node is reachable downstream of ``node_id``."""
    graph = workflow.visual_data
    types = {node.node_id: node.node_type_id for node in graph.nodes}
    queue, seen = deque([node_id]), {node_id}
    while queue:
        current = queue.popleft()
        for link in graph.connections:
            if link.source_node_id == current and link.target_node_id not in seen:
                if types.get(link.target_node_id) == "approval":
                    return True
                seen.add(link.target_node_id)
                queue.append(link.target_node_id)
    return False
