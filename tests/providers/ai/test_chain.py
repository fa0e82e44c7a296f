"""The fallback chain with its circuit breakers and rate limits, over real loopback providers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from providers.ai.base import Category
from providers.ai.chain import FallbackChain, Link
from providers.ai.local import LocalAIProvider
from providers.ai.openai_provider import OpenAIProvider
from providers.ai.resilience import CircuitBreaker, MemoryStateStore, RateLimiter
from providers.email.base import InboundEmail
from providers.errors import (
    InvalidModelOutputError,
    ProviderUnavailableError,
    TransientProviderError,
)
from tests.providers.ai.loopback import LoopbackAPI, Reply, openai_completion, openai_error
from tests.providers.ai.test_remote_providers import classification_json

TAXONOMY = [Category(name=n) for n in ("shipping", "refund", "general_inquiry")]


@pytest.fixture
def server() -> Iterator[LoopbackAPI]:
    api = LoopbackAPI().start()
    yield api
    api.stop()


@pytest.fixture
def email(make_email: Callable[..., InboundEmail]) -> InboundEmail:
    return make_email(subject="Where is my parcel?", body="My order ORD-482913 has not arrived.")


def _remote(server: LoopbackAPI) -> OpenAIProvider:
    return OpenAIProvider.openai_api(
        api_key="sk-test", model="gpt-test", base_url=f"{server.base_url}/v1", max_retries=0
    )


def _breaker(clock: list[float], threshold: int = 2) -> CircuitBreaker:
    return CircuitBreaker(
        "openai",
        MemoryStateStore(),
        failure_threshold=threshold,
        cooldown_seconds=60,
        clock=lambda: clock[0],
    )


def test_the_first_valid_answer_wins(server: LoopbackAPI, email: InboundEmail) -> None:
    server.script(Reply(200, openai_completion(classification_json())))
    chain = FallbackChain([Link(_remote(server))], [Link(_remote(server))])
    assert chain.classify(email, TAXONOMY).provider == "openai"
    assert [a.outcome for a in chain.attempts] == ["ok"]


def test_a_server_error_falls_back_to_the_local_provider(
    server: LoopbackAPI, email: InboundEmail, provider: LocalAIProvider
) -> None:
    server.script(Reply(500, openai_error(500, "boom", "server_error")))
    chain = FallbackChain([Link(_remote(server)), Link(provider)], [Link(provider)])
    result = chain.classify(email, TAXONOMY)
    assert result.provider == "local" and result.category in {c.name for c in TAXONOMY}
    assert [(a.provider, a.outcome) for a in chain.attempts] == [
        ("openai", "transient"),
        ("local", "ok"),
    ]


def test_an_invalid_category_moves_on_and_is_reported_when_nothing_else_works(
    server: LoopbackAPI, email: InboundEmail
) -> None:
    server.script(Reply(200, openai_completion(classification_json("made_up"))))
    chain = FallbackChain([Link(_remote(server))], [Link(_remote(server))])
    with pytest.raises(InvalidModelOutputError, match="made_up"):
        chain.classify(email, TAXONOMY)


def test_the_breaker_opens_after_repeated_failures_and_skips_the_provider(
    server: LoopbackAPI, email: InboundEmail, provider: LocalAIProvider
) -> None:
    clock = [0.0]
    breaker = _breaker(clock)
    chain = FallbackChain(
        [Link(_remote(server), breaker=breaker), Link(provider)], [Link(provider)]
    )
    server.script(
        Reply(500, openai_error(500, "boom", "server_error")),
        Reply(503, openai_error(503, "overloaded", "server_error")),
    )
    chain.classify(email, TAXONOMY)
    chain.classify(email, TAXONOMY)
    assert breaker.is_open()
    calls = len(server.requests)
    chain.classify(email, TAXONOMY)
    assert len(server.requests) == calls  # skipped: no request reached the server
    assert chain.attempts[0].outcome == "skipped"
    clock[0] += 61  # half-open: one call goes through and closes the circuit on success
    server.script(Reply(200, openai_completion(classification_json())))
    assert chain.classify(email, TAXONOMY).provider == "openai"
    assert not breaker.is_open() and breaker.state().failures == 0


def test_all_transient_failures_raise_transient(server: LoopbackAPI, email: InboundEmail) -> None:
    server.script(Reply(429, openai_error(429, "slow down", "requests"), {"retry-after": "1"}))
    chain = FallbackChain([Link(_remote(server))], [Link(_remote(server))])
    with pytest.raises(TransientProviderError, match="openai: transient"):
        chain.classify(email, TAXONOMY)


def test_the_rate_limit_refuses_beyond_its_budget_and_refills() -> None:
    now = [0.0]
    limiter = RateLimiter("openai", per_minute=60, burst=2, clock=lambda: now[0])
    limiter.acquire()
    limiter.acquire()
    with pytest.raises(ProviderUnavailableError, match="rate limit"):
        limiter.acquire()
    now[0] += 1.0  # one token a second
    limiter.acquire()


def test_a_rate_limited_link_is_skipped(
    server: LoopbackAPI, email: InboundEmail, provider: LocalAIProvider
) -> None:
    now = [0.0]
    limiter = RateLimiter("openai", per_minute=1, burst=1, clock=lambda: now[0])
    chain = FallbackChain(
        [Link(_remote(server), limiter=limiter), Link(provider)], [Link(provider)]
    )
    server.script(Reply(200, openai_completion(classification_json())))
    assert chain.classify(email, TAXONOMY).provider == "openai"
    assert chain.classify(email, TAXONOMY).provider == "local"
    assert chain.attempts[0].outcome == "skipped" and len(server.requests) == 1


def test_an_unreadable_breaker_state_does_not_block() -> None:
    state = MemoryStateStore()
    state.set("ai-circuit:openai", "not json")
    assert not CircuitBreaker("openai", state).is_open()
    assert json.loads(json.dumps({"ok": True}))
