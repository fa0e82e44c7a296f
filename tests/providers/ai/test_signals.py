"""Language detection, the sentiment baseline and the priority rules."""

from __future__ import annotations

import pytest

from providers.ai.language import FALLBACK_CONFIDENCE, detect_language
from providers.ai.priority import assess_priority
from providers.ai.sentiment import SentimentAnalyzer, SentimentResult, frustration_cues

FRENCH = (
    "Bonjour,\n\nJe n'ai toujours pas reçu ma commande passée il y a deux semaines. "
    "Pourriez-vous me dire où en est la livraison ?\n\nMerci d'avance,\nJulie"
)
GERMAN = (
    "Hallo,\n\nseit dem letzten Update stürzt die App jedes Mal ab, wenn ich meine Bestellungen "
    "öffnen möchte. Können Sie mir bitte helfen?\n\nViele Grüße\nMarkus"
)
ANGRY = (
    "This is the THIRD time I am writing. I was charged twice and I am STILL WAITING for my "
    "money. Absolutely unacceptable!!! Fix it immediately or I cancel my account."
)


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    return SentimentAnalyzer()


def _neutral() -> SentimentResult:
    return SentimentResult("neutral", 0.7, 0.0, {"neutral": 0.7}, ())


def test_french_and_german_are_detected() -> None:
    french, german = detect_language(FRENCH), detect_language(GERMAN)
    assert (french.code, german.code) == ("fr", "de")
    assert french.confidence > 0.9 and german.confidence > 0.9


def test_detection_is_deterministic_and_falls_back_to_english() -> None:
    assert detect_language(FRENCH) == detect_language(FRENCH)
    assert detect_language("12345 !!!") == detect_language("")
    assert detect_language("").code == "en"
    assert detect_language("").confidence == FALLBACK_CONFIDENCE


def test_short_texts_are_less_certain() -> None:
    short_english = detect_language("Re: Password reset\nIt still doesn't work.")
    assert short_english.code == "en" and short_english.confidence < 0.6
    short_french = detect_language("Bonjour, merci beaucoup")
    assert short_french.code == "fr" and short_french.confidence < 0.5


def test_angry_email_is_negative_with_cues(analyzer: SentimentAnalyzer) -> None:
    result = analyzer.analyze(ANGRY)
    assert result.label == "negative"
    assert result.confidence > 0.7
    assert {"shouting", "repeated exclamation", "unacceptable", "still waiting"} <= set(result.cues)


def test_politeness_alone_is_not_positive(analyzer: SentimentAnalyzer) -> None:
    polite_request = (
        "Hello,\n\nCould you please help me change my delivery address?\n\n"
        "Thanks in advance,\nKind regards,\nAnna"
    )
    assert analyzer.analyze(polite_request).label == "neutral"
    assert analyzer.analyze("Thank you so much, the headphones are brilliant!").label == (
        "positive"
    )


def test_cues_push_a_mild_text_negative(analyzer: SentimentAnalyzer) -> None:
    assert analyzer.analyze("Where is my parcel?").label == "neutral"
    assert analyzer.analyze("Where is my parcel? Still waiting!!").label == "negative"


def test_non_english_text_gets_lower_confidence(analyzer: SentimentAnalyzer) -> None:
    assert analyzer.analyze("ok", "fr").confidence < analyzer.analyze("ok", "en").confidence


def test_acronyms_are_not_shouting() -> None:
    assert "shouting" not in frustration_cues("Please send the VAT invoice as PDF via the API.")
    assert "shouting" in frustration_cues("WHERE IS MY ORDER")


@pytest.mark.parametrize(
    "text",
    [
        "Our AWS EMR cluster cannot reach SAP since Monday.",
        "My Dell XPS 15 (XPS-9530) screen flickers, order ORD-48213.",
        "Re: EMR integration with SAP HANA on AWS",
        "AWS XPS SAP EMR",
        "The HP LaserJet MFP M428 shows error E3 on the ADF. Ticket INC-20391, IBM DB2 on RHEL.",
        "Our CRM exports a CSV; the ERP and the BI tool reject it.",
        'A charge of 19.99 labelled "MAILROOM DEMO*SHOP" on my statement that I don\'t recognise',
    ],
)
def test_product_names_and_codes_are_not_shouting(text: str) -> None:
    assert "shouting" not in frustration_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "I WANT MY MONEY BACK NOW",
        "Hello. WHY HAS NOBODY ANSWERED MY EMAIL? Thanks",
        "I was charged twice and I am STILL WAITING for my money.",
        "JE VEUX MON ARGENT",
        "WO IST MEIN PAKET",
        "DÓNDE ESTÁ MI PEDIDO",
        "My AWS bill is wrong. THIS IS NOT WHAT I ORDERED",
    ],
)
def test_shouted_sentences_are_shouting(text: str) -> None:
    assert "shouting" in frustration_cues(text)


def test_angry_email_gets_high_or_urgent_priority(analyzer: SentimentAnalyzer) -> None:
    result = assess_priority(ANGRY, "billing", analyzer.analyze(ANGRY))
    assert result.level in {"high", "urgent"}


@pytest.mark.parametrize(
    ("text", "category", "level", "reason"),
    [
        ("Your website is down for everyone in our office.", "technical", "urgent", "outage"),
        ("Someone changed my password and placed orders.", "account", "urgent", "security"),
        ("My lawyer will be in touch about this.", "complaint", "urgent", "legal"),
        ("I cannot log in since this morning.", "technical", "high", "locked out"),
        ("You charged me twice for one order.", "billing", "high", "charged twice"),
        ("Please reply asap.", "general_inquiry", "high", "urgency"),
        ("I need the parcel by Friday.", "shipping", "high", "deadline"),
        ("A dark mode would be lovely.", "feature_request", "low", "feature request"),
        ("How do I change my email address?", "account", "normal", None),
    ],
)
def test_priority_rules(text: str, category: str, level: str, reason: str | None) -> None:
    result = assess_priority(text, category, _neutral())
    assert result.level == level
    kinds = {r.split(":")[0] for r in result.reasons}
    assert (reason in kinds) if reason else result.reasons == ()


def test_negative_complaint_is_high(analyzer: SentimentAnalyzer) -> None:
    text = "I am very disappointed with how rude your agent was."
    sentiment = analyzer.analyze(text)
    assert sentiment.label == "negative"
    assert assess_priority(text, "complaint", sentiment).level == "high"
    assert assess_priority(text, "general_inquiry", sentiment).level == "normal"
