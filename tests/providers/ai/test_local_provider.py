"""LocalAIProvider.classify: taxonomy restriction, signals and lazy, thread-safe loading."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from providers.ai.base import Category
from providers.ai.local import LocalAIProvider
from providers.ai.local_classifier import LocalClassifierModel
from providers.ai.text_cleaning import email_classification_text
from providers.email.base import InboundEmail
from providers.errors import PermanentProviderError

EmailFactory = Callable[..., InboundEmail]

EMAILS: list[tuple[str, str]] = [
    ("Charged twice", "Hello,\n\nYou charged my card twice for order ORD-123456 ($49.99).\n\nTom"),
    ("App crash", "The app crashes every time I open my basket on my iPhone."),
    ("Idea", "It would be great if you added a dark mode to the app."),
    ("Where is my parcel?", "I ordered ten days ago and the tracking has not moved."),
    ("Refund", "I returned the lamp two weeks ago and have not been refunded yet."),
    ("Awful service", "Your agent was rude and nobody answers my emails. Very disappointed."),
    ("Password", "I forgot my password and the reset link never arrives."),
    ("Opening hours", "What are your customer service opening hours?"),
    ("Question", ""),
]


@pytest.mark.parametrize(
    "allowed",
    [
        ["billing", "refund"],
        ["feature_request"],
        ["complaint", "general_inquiry", "shipping"],
        ["technical", "account"],
    ],
)
def test_classify_never_leaves_the_taxonomy(
    provider: LocalAIProvider, make_email: EmailFactory, allowed: list[str]
) -> None:
    taxonomy = [Category(name=name) for name in allowed]
    for subject, body in EMAILS:
        result = provider.classify(make_email(subject, body), taxonomy)
        assert result.category in allowed


def test_confidence_is_the_probability_of_the_chosen_class(
    provider: LocalAIProvider,
    trained_model: LocalClassifierModel,
    make_email: EmailFactory,
    taxonomy: list[Category],
) -> None:
    email = make_email("Charged twice", EMAILS[0][1])
    probabilities = trained_model.predict_proba([email_classification_text(email)])[0]
    full = provider.classify(email, taxonomy)
    assert full.category == max(probabilities, key=lambda name: probabilities[name])
    assert full.category_confidence == pytest.approx(probabilities[full.category], abs=1e-4)
    # Restricted so the model's favourite is excluded: the next best allowed class.
    allowed = [name for name in probabilities if name != full.category]
    restricted = provider.classify(email, [Category(name=n) for n in allowed])
    assert restricted.category == max(allowed, key=lambda name: probabilities[name])
    assert restricted.category_confidence == pytest.approx(
        probabilities[restricted.category], abs=1e-4
    )


def test_new_categories_are_classified_from_their_descriptions(
    provider: LocalAIProvider, make_email: EmailFactory
) -> None:
    email = make_email("Refund", EMAILS[4][1])
    # A built-in category beside a new one: refund learns from the shipped refund examples.
    mixed = [Category(name="spam", description="Unsolicited advertising"), Category(name="refund")]
    learnt = provider.classify(email, mixed)
    assert learnt.category == "refund" and learnt.model.startswith("few-shot-")
    new = [
        Category(name="spam", description="Unsolicited advertising and marketing mail"),
        Category(name="money_back", description="The customer wants to be reimbursed"),
    ]
    zero_shot = provider.classify(email, new)
    assert zero_shot.category == "money_back" and zero_shot.model.startswith("zero-shot-")
    assert 0.5 < zero_shot.category_confidence <= 1.0
    # The same names, their descriptions swapped in the AI node: the next email follows them.
    swapped = [
        Category(name="spam", description=new[1].description),
        Category(name="money_back", description=new[0].description),
    ]
    assert provider.classify(email, swapped).category == "spam"
    with pytest.raises(PermanentProviderError):
        provider.classify(email, [])


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, "billing"), (1, "technical"), (2, "feature_request"), (3, "shipping"), (4, "refund")],
)
def test_obvious_emails_get_their_category(
    provider: LocalAIProvider,
    make_email: EmailFactory,
    taxonomy: list[Category],
    index: int,
    expected: str,
) -> None:
    subject, body = EMAILS[index]
    assert provider.classify(make_email(subject, body), taxonomy).category == expected


def test_classification_fields(
    provider: LocalAIProvider, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    result = provider.classify(make_email(*EMAILS[0], from_name="Tom"), taxonomy)
    assert result.provider == "local"
    assert result.model.startswith("tfidf+use+minilm-logreg@")
    assert result.language == "en"
    assert result.entities.order_numbers == ["ORD-123456"]
    assert result.entities.amounts == ["$49.99"]
    assert result.priority == "high"  # charged twice


def test_angry_email_is_negative_and_high_priority(
    provider: LocalAIProvider, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    email = make_email(
        "THIRD EMAIL - STILL NO REFUND",
        "This is the third time I write to you. I returned the headphones a month ago and I am "
        "STILL WAITING for my money. This is unacceptable!!! If I don't get it this week I will "
        "cancel my account and tell everyone.",
    )
    result = provider.classify(email, taxonomy)
    assert result.sentiment == "negative"
    assert result.priority in {"high", "urgent"}


def test_french_and_german_emails(
    provider: LocalAIProvider, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    french = make_email(
        "Commande non reçue",
        "Bonjour,\n\nJe n'ai toujours pas reçu ma commande et le suivi ne bouge plus depuis une "
        "semaine. Pouvez-vous vérifier ?\n\nCordialement,\nJulie",
    )
    german = make_email(
        "Rechnung fehlt",
        "Guten Tag,\n\nich habe für meine letzte Bestellung keine Rechnung erhalten. Können Sie "
        "mir diese bitte zusenden?\n\nMit freundlichen Grüßen\nSabine Keller",
    )
    assert provider.classify(french, taxonomy).language == "fr"
    assert provider.classify(german, taxonomy).language == "de"


def test_quoted_text_does_not_decide_the_category(
    provider: LocalAIProvider, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    body = (
        "It would be great if the app had a dark mode.\n\n"
        "On Mon, 3 Jun 2024 at 09:12, Support <support@example.com> wrote:\n"
        "> We have refunded the duplicate charge of $49.99 on your invoice.\n"
        "> The refund takes a few days to reach your card.\n"
    )
    result = provider.classify(make_email("Re: your invoice", body), taxonomy)
    assert result.category == "feature_request"
    assert result.entities.amounts == []


def test_lazy_loading_is_thread_safe(
    ai_models_dir: Path, make_email: EmailFactory, taxonomy: list[Category]
) -> None:
    fresh = LocalAIProvider(ai_models_dir)  # loads its models on first use
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(fresh.classify(make_email(*EMAILS[1]), taxonomy).category)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == ["technical"] * 6
