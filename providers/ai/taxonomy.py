"""The built-in support taxonomy: the categories of the default workflow, with what each means.

Every shipped training label, knowledge-base article and demo email is in one of these
categories. A workflow may define its own taxonomy; this one is its default.
"""

from __future__ import annotations

from providers.ai.base import Category

SUPPORT_TAXONOMY: tuple[Category, ...] = (
    Category(name="technical", description="Something does not work: errors, bugs, log-in."),
    Category(name="billing", description="Invoices, charges, payment methods, plans."),
    Category(name="account", description="Account settings, access, closure, personal data."),
    Category(name="feature_request", description="Ideas and requests for new functionality."),
    Category(name="shipping", description="Delivery times, tracking, lost or damaged parcels."),
    Category(name="refund", description="Money back, returns, cancellations with refund."),
    Category(name="complaint", description="Dissatisfaction with service or product."),
    Category(name="general_inquiry", description="Anything else: questions, information."),
)

#: The names of :data:`SUPPORT_TAXONOMY`, in its order.
SUPPORT_CATEGORIES: tuple[str, ...] = tuple(category.name for category in SUPPORT_TAXONOMY)


def support_taxonomy() -> list[Category]:
    """A fresh copy of :data:`SUPPORT_TAXONOMY` that the caller may change."""
    return [category.model_copy() for category in SUPPORT_TAXONOMY]


__all__ = ["SUPPORT_CATEGORIES", "SUPPORT_TAXONOMY", "support_taxonomy"]
