"""Priority reads deadlines, outages, money and tier in four languages, and says why."""

from __future__ import annotations

from datetime import date

import pytest

from providers.ai.base import Classification
from providers.ai.priority import assess_priority, customer_tier
from providers.ai.priority_cues import find_amounts, find_deadline, find_outage
from providers.ai.sentiment import SentimentResult

TODAY = date(2026, 12, 7)  # a Monday


def _neutral() -> SentimentResult:
    return SentimentResult("neutral", 0.7, 0.0, {"neutral": 0.7}, ())


def _assess(text: str, category: str = "general_inquiry", tier: str | None = None):  # type: ignore[no-untyped-def]
    return assess_priority(text, category, _neutral(), today=TODAY, tier=tier)


def _kinds(reasons: tuple[str, ...]) -> set[str]:
    return {reason.split(":")[0] for reason in reasons}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Could you send the documents by Friday?", "deadline: by Friday"),
        ("We need the delivery on 9 December for the launch.", "deadline: 9 December"),
        ("Pouvez-vous me répondre avant 17h ?", "deadline: avant 17h"),
        ("Merci de corriger la facture d'ici demain.", "deadline: d'ici demain"),
        ("Bitte schicken Sie die Rechnung bis Freitag.", "deadline: bis Freitag"),
        ("Die Lieferung muss am 08.12.2026 da sein.", "deadline: 08.12.2026"),
        ("Necesito el pedido antes del viernes.", "deadline: antes del viernes"),
        ("La entrega debe llegar el 10 de diciembre.", "deadline: 10 de diciembre"),
    ],
)
def test_deadlines_fire_in_four_languages(text: str, reason: str) -> None:
    result = _assess(text)
    assert reason in result.reasons
    assert result.level == "high"


@pytest.mark.parametrize(
    "text",
    [
        "I ordered it on 1 December and it never came.",  # a past date
        "J'ai commandé le 28 novembre.",
        "Die Bestellung vom 02.12.2026 ist nicht angekommen.",
        "Compré el producto el 15 de diciembre del año pasado, 15 de diciembre de 2025.",
        "The new version costs 4.99 a month.",  # a price, not a date
        "We are planning a trip in March.",  # a month alone is no deadline
        "It was working fine until Monday.",  # "until" a day is often the past
        "Hasta el martes funcionaba bien.",
    ],
)
def test_past_or_distant_dates_are_no_deadline(text: str) -> None:
    assert find_deadline(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Help: our whole team cannot log in since 9am.", "our whole team cannot log in"),
        ("Your website is down for everyone.", "website is down"),
        ("12 users are affected and cannot open the dashboard.", "12 users are affected"),
        ("Le site est en panne depuis ce matin.", "en panne"),
        ("Personne ne peut accéder au tableau de bord.", "Personne ne peut"),
        ("Seit heute früh ist der Dienst nicht erreichbar.", "nicht erreichbar"),
        ("30 Mitarbeiter sind betroffen.", "30 Mitarbeiter sind betroffen"),
        ("El servicio está caído y no podemos trabajar.", "está caído"),
    ],
)
def test_outages_are_urgent_with_the_words_quoted(text: str, phrase: str) -> None:
    result = _assess(text, "technical")
    assert result.level == "urgent"
    assert f"outage: '{phrase}'" in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Since version 5 the export button moved.",
        "We have 5 users on our plan and want to add a sixth.",
        "2 users are affected.",  # too few to call it an outage
        "The download went down to 3 MB after compression.",
    ],
)
def test_outage_look_alikes_do_not_fire(text: str) -> None:
    assert find_outage(text) is None


@pytest.mark.parametrize(
    ("text", "reason", "level"),
    [
        ("There is €1,240 at stake on this invoice.", "money: €1,240 at stake", "high"),
        ("La facture de 1.240,50 € est fausse.", "money: 1.240,50 € at stake", "high"),
        ("Die Rückerstattung von 35 EUR fehlt noch.", "money: 35 EUR at stake", "normal"),
        ("Me cobraron 25.000 € por error.", "money: 25.000 € at stake", "urgent"),
    ],
)
def test_larger_amounts_weigh_more(text: str, reason: str, level: str) -> None:
    result = _assess(text, "billing")
    assert reason in result.reasons
    assert result.level == level


def test_an_order_number_is_no_amount() -> None:
    assert find_amounts("Order #104523 and invoice INV-2026-1240 are missing.") == []
    assert _kinds(_assess("My order 1240 has not arrived.", "shipping").reasons) == set()


def test_tier_from_header_or_plan_raises_normal_to_high() -> None:
    plain = _assess("How do I export my contacts?", "account")
    assert plain.level == "normal"
    header = _assess(
        "How do I export my contacts?",
        "account",
        tier=customer_tier({"X-Customer-Tier": "Enterprise"}),
    )
    assert (header.level, header.reasons[-1]) == ("high", "tier: enterprise")
    named = _assess("We are on the Premium plan. How do I export my contacts?", "account")
    assert (named.level, "tier: premium" in named.reasons) == ("high", True)
    compared = _assess("What's the difference between the Starter plan and the Business plan?")
    assert (compared.level, compared.reasons) == ("normal", ())
    for text, tier in [
        ("Nous avons notre abonnement Enterprise depuis 2019.", "enterprise"),
        ("Wir nutzen unseren Premium-Tarif für 40 Agenten.", "premium"),
        ("Tenemos nuestro plan Business desde enero.", "business"),
    ]:
        assert f"tier: {tier}" in _assess(text).reasons
    basic = _assess("How do I export my contacts?", "account", tier="free")
    assert (basic.level, basic.reasons) == ("normal", ("tier: free",))


def test_no_rush_lowers_and_is_not_read_as_urgent() -> None:
    result = _assess("Not urgent, just curious: is this a known issue?", "technical")
    assert result.level == "low"
    assert "urgency" not in _kinds(result.reasons)
    assert _assess("Pas urgent, rien ne presse.").level == "low"
    assert _assess("Das ist dringend, bitte sofort prüfen.").level == "high"


def test_classification_carries_reasons_and_old_data_still_validates() -> None:
    stored = {
        "category": "billing",
        "category_confidence": 0.9,
        "priority": "high",
        "priority_confidence": 0.9,
        "sentiment": "neutral",
        "sentiment_confidence": 0.8,
        "language": "en",
        "language_confidence": 0.99,
        "provider": "local",
        "model": "m",
    }
    assert Classification.model_validate(stored).priority_reasons == []
    new = Classification.model_validate({**stored, "priority_reasons": ["deadline: by Friday"]})
    again = Classification.model_validate_json(new.model_dump_json())
    assert again.priority_reasons == ["deadline: by Friday"]
