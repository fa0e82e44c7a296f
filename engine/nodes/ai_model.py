"""AI Model: classify an email into the workflow's taxonomy, or draft a reply."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.models import RollupIncrement
from engine.nodes.base import (
    NodeCategory,
    NodeConfig,
    NodeContext,
    NodeResult,
    NodeType,
    RetryPolicy,
)
from engine.nodes.registry import register
from engine.rollups import hour_bucket
from providers.ai.base import Category, Classification
from providers.errors import PermanentProviderError

SUPPORT_TAXONOMY: list[Category] = [
    Category(name="technical", description="Something does not work: errors, bugs, log-in."),
    Category(name="billing", description="Invoices, charges, payment methods, plans."),
    Category(name="account", description="Account settings, access, closure, personal data."),
    Category(name="feature_request", description="Ideas and requests for new functionality."),
    Category(name="shipping", description="Delivery times, tracking, lost or damaged parcels."),
    Category(name="refund", description="Money back, returns, cancellations with refund."),
    Category(name="complaint", description="Dissatisfaction with service or product."),
    Category(name="general_inquiry", description="Anything else: questions, information."),
]


class AIModelConfig(NodeConfig):
    operation: Literal["classify", "draft"]
    provider: Literal["local"] = "local"
    taxonomy: list[Category] = Field(default_factory=lambda: list(SUPPORT_TAXONOMY), min_length=1)


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
        ai = ctx.providers.ai
        if config.operation == "classify":
            result = ai.classify(ctx.email, config.taxonomy)
            ctx.execution.category = result.category
            ctx.execution.priority = result.priority
            bucket = hour_bucket(ctx.now())
            ctx.rollups += [
                RollupIncrement(bucket=bucket, metric="emails_by_category", key=result.category),
                RollupIncrement(bucket=bucket, metric="emails_by_priority", key=result.priority),
                RollupIncrement(bucket=bucket, metric="emails_by_sentiment", key=result.sentiment),
            ]
            return NodeResult(output={"classification": result.model_dump(mode="json")})
        if "classification" not in ctx.data:
            raise PermanentProviderError("drafting needs a classification upstream")
        classification = Classification.model_validate(ctx.data["classification"])
        draft = ai.draft(ctx.email, classification)
        return NodeResult(output={"draft": draft.model_dump(mode="json")})
