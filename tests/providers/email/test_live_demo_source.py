from __future__ import annotations

from datetime import UTC, datetime

import pytest

from providers.email.demo import SECONDS_PER_EMAIL, DemoEmailSource, LiveDemoSource
from providers.errors import ProviderConfigError

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_live_source_dates_the_newest_email_now_and_keeps_the_messages() -> None:
    live = LiveDemoSource(seed=3, clock=lambda: NOW)
    batch = live.fetch("500", 4)
    assert batch.next_cursor == "504"
    assert [e.message_id for e in batch.emails] == [
        DemoEmailSource(seed=3).message_id(i) for i in range(500, 504)
    ]
    for email in batch.emails:
        assert email.received_at <= NOW
        assert (NOW - email.received_at).total_seconds() <= 5 * SECONDS_PER_EMAIL
    assert batch.emails == sorted(batch.emails, key=lambda e: e.received_at)


def test_live_source_refuses_bad_mixes_at_construction() -> None:
    with pytest.raises(ProviderConfigError, match="category_mix"):
        LiveDemoSource(category_mix={"astrology": 1.0})
