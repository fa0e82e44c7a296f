"""AI Model: classify an email into the workflow's taxonomy, or draft a reply."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import Field, model_validator

from engine.ai_guard import (
    GuardThresholds,
    apply_guard,
    approval_follows,
    needs_review_classification,
)
from engine.nodes.base import (
    NodeCategory,
    NodeConfig,
    NodeContext,
    NodeResult,
    NodeType,
    RetryPolicy,
)
from engine.nodes.registry import register
from engine.ops import telemetry
from engine.rollups import (
    ai_usage_increments,
    classification_increments,
    hour_bucket,
    split_by_category,
)
from providers.ai.base import AIProvider, Category, Classification
from providers.ai.injection import injection_scan_text
from providers.ai.taxonomy import SUPPORT_TAXONOMY, support_taxonomy
from providers.errors import InvalidModelOutputError, PermanentProviderError


@contextmanager
def _counted_calls(ai: AIProvider, operation: str) -> Iterator[None]:
    """Count the provider calls of one classify or draft: each link a chain tried, with how
    it went, or the one provider's call."""
    outcome = "ok"
    try:
        yield
    except Exception:
        outcome = "error"
        raise
    finally:
        attempts = getattr(ai, "attempts", None)
        if isinstance(attempts, list) and attempts:
            for attempt in attempts:
                telemetry.provider_call("ai", attempt.provider, operation, attempt.outcome)
        else:
            telemetry.provider_call("ai", ai.name, operation, outcome)


#: ``default`` is the engine's chains (MAILROOM_AI_CLASSIFY_CHAIN / MAILROOM_AI_DRAFT_CHAIN); a
#: remote provider named here is tried first and the local one takes over when it fails.
AIProviderChoice = Literal["default", "local", "openai", "azure", "compatible", "anthropic"]


class AIModelConfig(NodeConfig):
    operation: Literal["classify", "draft"]
    provider: AIProviderChoice = Field(
        default="default",
        description="default: the engine's AI chains; local: the offline models only; a remote "
        "provider: tried first, the local models take over when it fails. A remote provider "
        "must be configured (its key and address) to be chosen.",
    )
    model: str = Field(
        default="",
        max_length=200,
        description="Model of the remote provider (for Azure, the deployment); empty: the "
        "one configured for the provider.",
    )
    taxonomy: list[Category] = Field(default_factory=support_taxonomy, min_length=1)

    @model_validator(mode="after")
    def _model_needs_a_remote_provider(self) -> AIModelConfig:
        if self.model.strip() and self.provider in ("default", "local"):
            raise ValueError(
                f"a model can only be chosen for a remote provider (openai, azure, compatible, "
                f"anthropic), not for {self.provider!r}"
            )
        return self


@register
class AIModel(NodeType[AIModelConfig]):
    type_id = "ai_model"
    display_name = "AI Model"
    category = NodeCategory.AI
    description = "Classifies an email (category, priority, sentiment, language) or drafts a reply."
    config_model = AIModelConfig
    retry_policy = RetryPolicy(max_attempts=4, initial_wait_seconds=0.5, max_wait_seconds=10.0)

    def run(self, ctx: NodeContext, config: AIModelConfig) -> NodeResult:
        if ctx.email is None:
            raise PermanentProviderError("the AI Model node needs an email to work on")
        ai = ctx.providers.ai_for(config.provider, config.model.strip())
        bucket = hour_bucket(ctx.now())
        if config.operation == "classify":
            try:
                with _counted_calls(ai, "classify"):
                    result = ai.classify(ctx.email, config.taxonomy)
            except InvalidModelOutputError as exc:
                # Output that failed validation is never used as is: a person decides.
                result = needs_review_classification(str(exc), config.taxonomy)
            thresholds = GuardThresholds(
                min_confidence=ctx.settings.ai_review_min_confidence,
                max_frustration=ctx.settings.ai_review_max_frustration,
            )
            result = apply_guard(result, injection_scan_text(ctx.email), thresholds)
            ctx.execution.category = result.category
            ctx.execution.priority = result.priority
            ctx.rollups += classification_increments(bucket, result)
            if result.needs_review:
                telemetry.guard_held(result.review_reasons)
            return NodeResult(output={"classification": result.model_dump(mode="json")})
        if "classification" not in ctx.data:
            raise PermanentProviderError("drafting needs a classification upstream")
        classification = Classification.model_validate(ctx.data["classification"])
        if classification.needs_review and not approval_follows(ctx.workflow, ctx.node.node_id):
            raise PermanentProviderError(
                "guard rail: this email must be seen by a person ("
                + "; ".join(classification.review_reasons)
                + ") but no approval node follows this draft"
            )
        with _counted_calls(ai, "draft"):
            draft = ai.draft(ctx.email, classification)
        ctx.rollups += split_by_category(
            ai_usage_increments(bucket, draft.provider, "draft", draft.usage),
            classification.category,
        )
        return NodeResult(output={"draft": draft.model_dump(mode="json")})


__all__ = ["SUPPORT_TAXONOMY", "AIModel", "AIModelConfig"]
