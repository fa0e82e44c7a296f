"""The demo mailbox: reproducible, paged without gaps, realistic in shape and mix."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from providers.email.base import InboundEmail
from providers.email.demo import DemoEmailSource, DemoLabels
from providers.errors import PermanentProviderError, ProviderConfigError

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[3]
GERMAN_WORDS = re.compile(r"\b(ich|sie|und|nicht|mit|bitte|danke|das|die|der)\b", re.IGNORECASE)
RESERVED_DOMAIN = re.compile(r"(\.example|(^|\.)example\.(com|net|org))$")


@pytest.fixture(scope="module")
def source() -> DemoEmailSource:
    return DemoEmailSource(start=START)


@pytest.fixture(scope="module")
def labelled(source: DemoEmailSource) -> list[tuple[InboundEmail, DemoLabels]]:
    return [source.generate_labelled(i) for i in range(5000)]


def _share(values: Sequence[str], value: str) -> float:
    return sum(v == value for v in values) / len(values)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_and_index_give_the_same_email() -> None:
    first, second = DemoEmailSource(start=START), DemoEmailSource(start=START)
    for index in (4321, 0, 17, 999, 3):  # out of order on purpose: no hidden state
        assert first.generate(index) == second.generate(index)
        assert first.generate_labelled(index) == second.generate_labelled(index)


def test_generate_is_the_email_of_generate_labelled(source: DemoEmailSource) -> None:
    for index in range(50):
        assert source.generate(index) == source.generate_labelled(index)[0]


def test_different_seeds_give_different_emails() -> None:
    a = DemoEmailSource(seed=1, start=START).generate_batch(0, 50)
    b = DemoEmailSource(seed=2, start=START).generate_batch(0, 50)
    assert sum(x.body_text != y.body_text for x, y in zip(a, b, strict=True)) >= 48
    assert {e.message_id for e in a}.isdisjoint(e.message_id for e in b)


def test_emails_are_the_same_in_another_process(source: DemoEmailSource) -> None:
    """Nothing depends on hash randomisation or on what was generated before."""
    script = (
        "import hashlib, json, sys\n"
        "from datetime import datetime, UTC\n"
        "from providers.email.demo import DemoEmailSource\n"
        "s = DemoEmailSource(start=datetime(2025, 3, 3, 8, 0, tzinfo=UTC))\n"
        "data = json.dumps([s.generate(i).model_dump(mode='json') for i in range(300, 0, -1)])\n"
        "print(hashlib.sha256(data.encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    local = json.dumps([source.generate(i).model_dump(mode="json") for i in range(300, 0, -1)])
    assert result.stdout.strip() == hashlib.sha256(local.encode()).hexdigest()


def test_received_at_is_increasing_and_follows_start() -> None:
    naive = DemoEmailSource(start=datetime(2025, 3, 3, 8, 0))
    emails = naive.generate_batch(0, 500)
    assert all(e.received_at.tzinfo is not None for e in emails)
    assert emails[0].received_at >= START
    times = [e.received_at for e in emails]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert DemoEmailSource(start=START).generate(10) == naive.generate(10)


# --- fetch ---------------------------------------------------------------------------------


def test_fetch_pages_cover_every_index_once(source: DemoEmailSource) -> None:
    cursor: str | None = None
    seen: list[str] = []
    for limit in (7, 13, 1, 29, 50):
        result = source.fetch(cursor, limit)
        assert len(result.emails) == limit
        seen += [e.message_id for e in result.emails]
        cursor = result.next_cursor
    assert cursor == "100"
    assert seen == [source.message_id(i) for i in range(100)]


def test_fetching_from_the_same_cursor_returns_the_same_messages(source: DemoEmailSource) -> None:
    assert source.fetch("42", 5) == source.fetch("42", 5)
    assert source.fetch(None, 3) == source.fetch("0", 3)


def test_fetch_with_limit_zero_keeps_the_cursor(source: DemoEmailSource) -> None:
    result = source.fetch("12", 0)
    assert result.emails == [] and result.next_cursor == "12"


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "", " 3", "١٢"])
def test_fetch_rejects_a_cursor_it_did_not_issue(source: DemoEmailSource, cursor: str) -> None:
    with pytest.raises(PermanentProviderError, match="cursor"):
        source.fetch(cursor, 5)


def test_fetch_rejects_a_negative_limit(source: DemoEmailSource) -> None:
    with pytest.raises(PermanentProviderError, match="limit"):
        source.fetch("0", -1)


# --- shape and mix -------------------------------------------------------------------------


def test_message_ids_are_unique(labelled: list[tuple[InboundEmail, DemoLabels]]) -> None:
    ids = [email.message_id for email, _ in labelled]
    assert len(set(ids)) == len(ids) == 5000
    assert ids[12] == "<demo-7-12@customers.mailroom.example>"


def test_default_mixes_are_respected(labelled: list[tuple[InboundEmail, DemoLabels]]) -> None:
    labels = [label for _, label in labelled]
    categories = [label.category for label in labels]
    assert abs(_share(categories, "technical") - 0.20) < 0.025
    assert abs(_share(categories, "feature_request") - 0.08) < 0.02
    priorities = [label.priority for label in labels]
    assert abs(_share(priorities, "urgent") - 0.10) < 0.02
    assert abs(_share(priorities, "normal") - 0.50) < 0.03
    sentiments = [label.sentiment for label in labels]
    assert abs(_share(sentiments, "negative") - 0.30) < 0.03


def test_a_configured_category_mix_is_respected() -> None:
    source = DemoEmailSource(
        start=START, category_mix={"billing": 3, "shipping": 1, "refund": 0}, follow_up_rate=0.3
    )
    categories = [source.generate_labelled(i)[1].category for i in range(5000)]
    assert set(categories) == {"billing", "shipping"}
    assert abs(_share(categories, "billing") - 0.75) < 0.03


def test_configured_priority_and_sentiment_mixes_are_respected() -> None:
    source = DemoEmailSource(
        start=START, priority_mix={"urgent": 1, "low": 1}, sentiment_mix={"positive": 1.0}
    )
    labels = [source.generate_labelled(i)[1] for i in range(3000)]
    assert {label.sentiment for label in labels} == {"positive"}
    assert abs(_share([label.priority for label in labels], "urgent") - 0.5) < 0.04


def test_non_english_share_is_as_configured(
    labelled: list[tuple[InboundEmail, DemoLabels]],
) -> None:
    languages = [label.language for _, label in labelled]
    assert set(languages) == {"en", "fr", "de", "es"}
    assert 0.035 < 1 - _share(languages, "en") < 0.065

    mixed = DemoEmailSource(start=START, language_mix={"en": 1, "de": 1})
    languages = [mixed.generate_labelled(i)[1].language for i in range(2000)]
    assert abs(_share(languages, "de") - 0.5) < 0.04
    german = [
        e.body_text
        for e, label in map(mixed.generate_labelled, range(200))
        if label.language == "de"
    ]
    assert german and all(GERMAN_WORDS.search(body) for body in german)


def test_follow_ups_reply_on_an_earlier_email_thread(
    source: DemoEmailSource, labelled: list[tuple[InboundEmail, DemoLabels]]
) -> None:
    follow_ups = [(i, e, label) for i, (e, label) in enumerate(labelled) if label.is_follow_up]
    assert abs(len(follow_ups) / len(labelled) - 0.15) < 0.02
    for index, email, label in follow_ups:
        assert email.in_reply_to is not None
        match = re.fullmatch(r"<demo-7-(\d+)@customers\.mailroom\.example>", email.in_reply_to)
        assert match is not None
        parent_index = int(match[1])
        assert parent_index < index
        parent, parent_label = labelled[parent_index]
        assert email.in_reply_to == parent.message_id
        assert email.references == [*parent.references, parent.message_id]
        assert email.subject == "Re: " + parent.subject.removeprefix("Re: ")
        assert email.from_address == parent.from_address
        assert (label.category, label.language) == (parent_label.category, parent_label.language)
        assert label.thread_root == parent_label.thread_root
    roots = [e for e, label in labelled if not label.is_follow_up]
    assert all(e.in_reply_to is None and e.references == [] for e in roots)
    assert all(not e.subject.startswith("Re:") for e in roots)


def test_english_follow_ups_say_they_are_still_waiting(
    labelled: list[tuple[InboundEmail, DemoLabels]],
) -> None:
    bodies = [e.body_text for e, label in labelled if label.is_follow_up and label.language == "en"]
    waiting = re.compile(r"still|follow|any update|bumping|haven't heard", re.IGNORECASE)
    assert bodies and all(waiting.search(body) for body in bodies)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_follow_up_rate_extremes(rate: float) -> None:
    source = DemoEmailSource(start=START, follow_up_rate=rate)
    labels = [source.generate_labelled(i)[1] for i in range(300)]
    expected = [False] * 300 if rate == 0 else [False] + [True] * 299
    assert [label.is_follow_up for label in labels] == expected
    if rate == 1.0:
        assert {label.thread_root for label in labels} == {0}


def test_bodies_are_diverse(labelled: list[tuple[InboundEmail, DemoLabels]]) -> None:
    emails = [email for email, _ in labelled[:2000]]
    assert len({e.body_text for e in emails}) >= 0.9 * len(emails)
    # Also without the details that vary anyway (numbers, sign-off): the wording itself varies.
    skeletons = {re.sub(r"\d+", "#", e.body_text.rsplit("\n\n", 1)[0]) for e in emails}
    assert len(skeletons) >= 0.85 * len(emails)
    assert len({e.subject for e in emails}) >= 500
    first_emails = [email for email, label in labelled[:2000] if not label.is_follow_up]
    assert len({e.from_address for e in first_emails}) >= 0.95 * len(first_emails)


def test_senders_look_real_but_are_never_real(
    labelled: list[tuple[InboundEmail, DemoLabels]],
) -> None:
    emails = [email for email, _ in labelled]
    for email in emails:
        local, _, domain = email.from_address.partition("@")
        assert local.isascii() and re.fullmatch(r"[a-z0-9._]+", local), email.from_address
        assert RESERVED_DOMAIN.search(domain), domain
        assert email.to_address == email.mailbox == "support@mailroom.example"
    names = [e.from_name for e in emails]
    assert sum(not name.isascii() for name in names) > 100  # Müller, Léa, Søren, ...
    assert len(set(names)) > 1500


def test_entities_appear_verbatim(labelled: list[tuple[InboundEmail, DemoLabels]]) -> None:
    for email, label in labelled:
        text = email.subject + "\n" + email.body_text
        for entity in (*label.order_numbers, *label.amounts, *label.products, *label.emails):
            assert entity in text
        assert all(re.fullmatch(r"ORD-\d{6}", order) for order in label.order_numbers)
    amounts = {a for _, label in labelled for a in label.amounts}
    assert any(a.startswith("$") for a in amounts) and any("€" in a for a in amounts)


def test_shipping_and_refund_emails_name_their_order(
    labelled: list[tuple[InboundEmail, DemoLabels]],
) -> None:
    relevant = [label for _, label in labelled if label.category in ("shipping", "refund")]
    assert sum(bool(label.order_numbers) for label in relevant) >= 0.9 * len(relevant)


def test_urgent_and_angry_emails_read_that_way(
    labelled: list[tuple[InboundEmail, DemoLabels]],
) -> None:
    english = [(e, label) for e, label in labelled if label.language == "en"]
    urgent = [e for e, label in english if label.priority == "urgent"]
    hurry = re.compile(r"urgent|asap|today|immediately|right away|time-critical", re.IGNORECASE)
    assert all(hurry.search(e.subject + e.body_text) for e in urgent)
    angry = [e for e, label in english if label.sentiment == "negative"]
    temper = re.compile(
        r"unacceptable|frustrat|ridiculous|angry|cancel|wasted|worst|expected|ignored|chase",
        re.IGNORECASE,
    )
    assert all(temper.search(e.body_text) for e in angry)


def test_some_emails_also_have_an_html_body(
    labelled: list[tuple[InboundEmail, DemoLabels]],
) -> None:
    with_html = [email for email, _ in labelled if email.body_html is not None]
    assert 0.1 < len(with_html) / len(labelled) < 0.2
    for email in with_html[:50]:
        assert email.body_html is not None and email.body_html.startswith("<div")
        assert escape(email.body_text.split("\n", 1)[0]) in email.body_html


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"category_mix": {"spam": 1.0}}, ("category_mix", "spam")),
        ({"category_mix": {"billing": -1.0}}, ("category_mix", "billing", ">= 0")),
        ({"category_mix": {"billing": 0.0}}, ("category_mix", "greater than zero")),
        ({"category_mix": {}}, ("category_mix", "greater than zero")),
        ({"priority_mix": {"critical": 1.0}}, ("priority_mix", "critical")),
        ({"sentiment_mix": {"positive": float("nan")}}, ("sentiment_mix", "finite")),
        ({"sentiment_mix": {"positive": float("inf")}}, ("sentiment_mix", "finite")),
        ({"language_mix": {"it": 1.0}}, ("language_mix", "it")),
        ({"follow_up_rate": 1.5}, ("follow_up_rate", "between 0 and 1")),
        ({"follow_up_rate": -0.1}, ("follow_up_rate", "between 0 and 1")),
        ({"mailbox": "support"}, ("mailbox", "email address")),
    ],
)
def test_invalid_settings_are_refused_with_the_setting_and_why(
    kwargs: dict[str, Any], words: tuple[str, ...]
) -> None:
    with pytest.raises(ProviderConfigError) as caught:
        DemoEmailSource(**kwargs)
    for word in words:
        assert word in str(caught.value)


def test_negative_index_is_a_programming_error(source: DemoEmailSource) -> None:
    with pytest.raises(ValueError, match="index"):
        source.generate(-1)
