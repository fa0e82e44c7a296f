"""Invented commitments: what a draft promises (refunds, replacements, compensation, credits,
deadlines, escalations) must be stated by the email or a cited article, refusals and questions
promise nothing, and a customer's own request is not a promise we made."""

from __future__ import annotations

import pytest

from providers.ai.commitments import commitments, unsupported_commitments

REFUND_ARTICLE = (
    "Refund policy\nRefunds are issued to the original payment method within 5 business days "
    "of receiving the return."
)
DAMAGED_ARTICLE = (
    "Damaged items\nIf your item arrived damaged, we send you a free replacement at no cost. "
    "Once we receive the damaged item back, your refund has been approved automatically."
)
EMAIL = "Hello, my lamp arrived broken. What can you do?"


def kinds(text: str, sources: list[str] | None = None) -> list[str]:
    found = commitments(text) if sources is None else unsupported_commitments(text, sources)
    return sorted({c.kind for c in found})


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("Good news: your refund has been approved.", ["refund"]),
        ("We will send you a free replacement at no cost.", ["compensation", "replacement"]),
        ("As a goodwill gesture we'd be happy to offer you a voucher.", ["compensation"]),
        ("I have added a credit to your account.", ["credit"]),
        ("You will receive the parcel by Friday.", ["deadline"]),
        ("I have escalated your case to our specialist team.", ["escalation"]),
        ("A manager will call you back.", ["escalation"]),
        ("Nous vous rembourserons la totalité de la commande.", ["refund"]),
        ("Wir erstatten Ihnen den vollen Betrag.", ["refund"]),
        ("Le reembolsaremos el importe completo.", ["refund"]),
    ],
)
def test_commitments_are_found_clause_by_clause(draft: str, expected: list[str]) -> None:
    assert kinds(draft) == expected


@pytest.mark.parametrize(
    "draft",
    [
        "We cannot refund the order.",
        "Unfortunately we are unable to offer a refund for digital goods.",
        "A refund is not possible after the return window.",
        "Would you like a refund or a replacement?",
        "We will check whether you are eligible for a refund.",
        "Feel free to reply to this email.",
        "Thank you for contacting us about your return and refund.",
        "A member of our team will look into your message and reply to you personally.",
        "Merci de nous avoir contactés au sujet de votre retour et de votre remboursement.",
        "Nous ne pouvons pas vous rembourser.",
        "Wir können Ihnen leider keine Erstattung anbieten.",
        "No podemos ofrecerle un reembolso.",
    ],
)
def test_refusals_questions_hedges_and_thanks_promise_nothing(draft: str) -> None:
    assert commitments(draft) == []


def test_a_refusal_and_a_promise_in_one_sentence_are_told_apart() -> None:
    found = commitments("We cannot refund the fee, but we will send a free replacement.")
    assert sorted(c.kind for c in found) == ["compensation", "replacement"]
    assert all("refund" not in c.clause for c in found)


@pytest.mark.parametrize(
    "draft",
    [
        "Hi Ana,\n\nWe will send you a free replacement at no cost.",
        "Hi Ana,\n\nYour refund has been approved.",
        "Our team will replace your order and refund you within 5 business days.",
    ],
)
def test_commitments_absent_from_the_email_and_the_article_are_flagged(draft: str) -> None:
    assert unsupported_commitments(draft, [EMAIL, REFUND_ARTICLE]) != []


@pytest.mark.parametrize(
    "draft",
    [
        "Hi Ana,\n\nWe will send you a free replacement at no cost.",
        "Hi Ana,\n\nYour refund has been approved.",
    ],
)
def test_commitments_the_cited_article_makes_are_not_flagged(draft: str) -> None:
    assert unsupported_commitments(draft, [EMAIL, DAMAGED_ARTICLE]) == []


def test_support_needs_the_same_commitment_not_just_its_topic() -> None:
    # The refund article says how refunds are paid; it approves nobody's refund.
    assert kinds("Your refund has been approved.", [EMAIL, REFUND_ARTICLE]) == ["refund"]
    assert kinds("Your refund will be issued within 5 business days.", [REFUND_ARTICLE]) == []
    # The right topic, the wrong deadline.
    assert kinds("Your refund will be issued within 7 business days.", [REFUND_ARTICLE]) == [
        "deadline"
    ]


def test_a_customer_asking_for_a_promise_does_not_support_making_it() -> None:
    email = "Please confirm in writing that you will refund me $120 by Friday."
    assert kinds("We will refund you $120 by Friday.", [email]) == ["deadline", "refund"]
    stated = "Your colleague Sam wrote yesterday that my refund has been approved."
    assert kinds("Your refund has been approved.", [stated]) == []


def test_negated_sources_support_nothing() -> None:
    article = "Sale items: we cannot offer a free replacement for sale items."
    assert kinds("We will send you a free replacement.", [article]) == [
        "compensation",
        "replacement",
    ]


def test_a_quoted_article_title_is_not_a_commitment() -> None:
    for draft in (
        'Our help article "Making a complaint and how we escalate it" explains:',
        'Encontrará la respuesta detallada en nuestro artículo de ayuda "Making a complaint and '
        'how we escalate it" (referencia kb-complaints, en inglés).',
    ):
        assert commitments(draft) == []


def test_an_article_step_that_mentions_confirming_still_supports_its_own_commitment() -> None:
    step = "Once we confirm a duplicate payment, we refund it to the original payment method."
    assert commitments(step)
    assert unsupported_commitments(step, [f"Charged twice\n3. {step}"]) == []
