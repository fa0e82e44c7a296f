"""The one token bucket: bursts, a steady refill, one bucket per key, bounded memory."""

from __future__ import annotations

import pytest

from providers.rate_limit import PRUNE_ABOVE, KeyedTokenBucket, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    clock = Clock()
    bucket = TokenBucket(per_minute=60, burst=2, clock=clock)
    assert bucket.take() is None and bucket.take() is None
    assert bucket.take() == pytest.approx(1.0)
    clock.now += 0.25
    assert bucket.take() == pytest.approx(0.75)  # a refused call takes nothing
    clock.now += 0.75
    assert bucket.take() is None
    clock.now += 60  # refills up to the burst, no further
    assert [bucket.take() is None for _ in range(3)] == [True, True, False]


def test_each_key_has_its_own_bucket() -> None:
    clock = Clock()
    buckets = KeyedTokenBucket(per_minute=30, burst=1, clock=clock)
    assert buckets.take("a") is None
    assert buckets.take("a") == pytest.approx(2.0)
    assert buckets.take("b") is None


def test_full_buckets_are_forgotten_when_there_are_many_keys() -> None:
    clock = Clock()
    buckets = KeyedTokenBucket(per_minute=600, burst=1, clock=clock)
    for index in range(PRUNE_ABOVE + 1):
        assert buckets.take(f"client-{index}") is None
    clock.now += 1.0  # everyone refilled
    assert buckets.take("one-more") is None
    assert len(buckets._buckets) <= 2


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (-1, 1), (60, 0)])
def test_a_bucket_that_could_never_allow_a_call_is_refused(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError, match="per_minute"):
        TokenBucket(per_minute, burst)
