"""OpenAI, Azure OpenAI, OpenAI-compatible and Anthropic providers, each driven through its real
SDK against a loopback HTTP server speaking the provider's documented wire format."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import openai
import pytest

from providers.ai.anthropic_provider import AnthropicProvider
from providers.ai.base import Category, Classification
from providers.ai.openai_provider import OpenAIProvider
from providers.ai.remote import Pricing, RemoteAIProvider
from providers.email.base import InboundEmail
from providers.errors import (
    InvalidModelOutputError,
    PermanentProviderError,
    ProviderTimeoutError,
    RateLimitedError,
    TransientProviderError,
)
from tests.providers.ai.loopback import (
    LoopbackAPI,
    Reply,
    anthropic_error,
    anthropic_message,
    openai_completion,
    openai_error,
)

TAXONOMY = [
    Category(name="shipping", description="Where is my parcel"),
    Category(name="refund", description="Money back"),
    Category(name="general_inquiry", description="Anything else"),
]
PRICING = Pricing(input_per_mtok=2.5, output_per_mtok=10.0)


def classification_json(category: str = "shipping", **overrides: Any) -> str:
    answer: dict[str, Any] = {
        "category": category,
        "category_confidence": 0.91,
        "priority": "high",
        "priority_confidence": 0.8,
        "sentiment": "negative",
        "sentiment_confidence": 0.85,
        "frustration": 0.7,
        "language": "en",
        "language_confidence": 0.99,
        "entities": {
            "order_numbers": ["ORD-482913", "ORD-999999"],
            "amounts": ["$49.99"],
            "emails": [],
            "products": ["Terra Backpack"],
        },
    }
    answer.update(overrides)
    return json.dumps(answer)


def draft_json(body: str, article_ids: list[str]) -> str:
    return json.dumps(
        {
            "subject": "Re: Where is my order?",
            "body": body,
            "article_ids": article_ids,
            "confidence": 0.8,
        }
    )


@pytest.fixture
def server() -> Iterator[LoopbackAPI]:
    api = LoopbackAPI().start()
    yield api
    api.stop()


def _openai(server: LoopbackAPI, *, max_retries: int = 0, timeout: float = 5.0) -> OpenAIProvider:
    return OpenAIProvider.openai_api(
        api_key="sk-test",
        model="gpt-test",
        base_url=f"{server.base_url}/v1",
        timeout=timeout,
        max_retries=max_retries,
        pricing=PRICING,
    )


def _azure(server: LoopbackAPI, *, max_retries: int = 0, timeout: float = 5.0) -> OpenAIProvider:
    return OpenAIProvider.azure(
        endpoint=server.base_url,
        api_key="azure-key",
        deployment="support-gpt",
        api_version="2024-10-21",
        timeout=timeout,
        max_retries=max_retries,
        pricing=PRICING,
    )


def _compatible(
    server: LoopbackAPI, *, max_retries: int = 0, timeout: float = 5.0
) -> OpenAIProvider:
    return OpenAIProvider.compatible(
        base_url=f"{server.base_url}/v1",
        model="llama3.1",
        timeout=timeout,
        max_retries=max_retries,
    )


def _anthropic(
    server: LoopbackAPI, *, max_retries: int = 0, timeout: float = 5.0
) -> AnthropicProvider:
    return AnthropicProvider.from_key(
        api_key="ak-test",
        model="claude-test",
        base_url=server.base_url,
        timeout=timeout,
        max_retries=max_retries,
        pricing=PRICING,
    )


Builder = Callable[..., RemoteAIProvider]
OPENAI_STYLE: list[Builder] = [_openai, _azure, _compatible]
ALL: list[Builder] = [*OPENAI_STYLE, _anthropic]


def _ok(builder: Builder, content: str) -> Reply:
    if builder is _anthropic:
        return Reply(200, anthropic_message(content))
    return Reply(200, openai_completion(content))


@pytest.fixture
def email(make_email: Callable[..., InboundEmail]) -> InboundEmail:
    return make_email(
        subject="Where is my order?",
        body="Hello, my order ORD-482913 for the Terra Backpack ($49.99) has not arrived.",
        from_name="Jane Doe",
    )


@pytest.fixture
def classification() -> Classification:
    return Classification(
        category="shipping",
        category_confidence=0.9,
        priority="normal",
        priority_confidence=0.7,
        sentiment="neutral",
        sentiment_confidence=0.7,
        language="en",
        language_confidence=0.9,
        provider="test",
        model="test",
    )


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_classification_is_parsed_validated_and_costed(
    server: LoopbackAPI, builder: Builder, email: InboundEmail
) -> None:
    server.script(_ok(builder, classification_json()))
    result = builder(server).classify(email, TAXONOMY)
    assert isinstance(result, Classification)
    assert (result.category, result.priority, result.sentiment) == ("shipping", "high", "negative")
    assert result.frustration == 0.7
    # An order number the model made up is dropped: only verbatim entities are kept.
    assert result.entities.order_numbers == ["ORD-482913"]
    assert result.entities.amounts == ["$49.99"]
    assert result.usage is not None and result.usage.input_tokens > 0
    request = server.requests[-1]
    prompt = json.dumps(request.body)
    assert "ORD-482913" in prompt and "general_inquiry" in prompt and "Money back" in prompt
    if builder is _anthropic:
        assert request.path == "/v1/messages"
        # This SDK version sends the key as a bearer token; older ones used x-api-key.
        credentials = request.headers.get("x-api-key", "") + request.headers.get(
            "authorization", ""
        )
        assert "ak-test" in credentials and "anthropic-version" in request.headers
        assert request.body["output_config"]["format"]["type"] == "json_schema"
        assert result.usage.cost_usd == pytest.approx((150 * 2.5 + 60 * 10.0) / 1e6)
    else:
        assert request.body["response_format"]["type"] == "json_schema"
        if builder is _azure:
            assert request.path.startswith("/openai/deployments/support-gpt/chat/completions")
            assert "api-version=2024-10-21" in request.path
            assert request.headers["api-key"] == "azure-key"
        else:
            assert request.path == "/v1/chat/completions"
            assert request.body["model"] in ("gpt-test", "llama3.1")


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_a_category_outside_the_taxonomy_is_never_used(
    server: LoopbackAPI, builder: Builder, email: InboundEmail
) -> None:
    server.script(_ok(builder, classification_json("lost_parcel")))
    with pytest.raises(InvalidModelOutputError, match="lost_parcel"):
        builder(server).classify(email, TAXONOMY)


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
@pytest.mark.parametrize(
    "content",
    [
        "this is not JSON",
        json.dumps({"category": "shipping"}),
        classification_json(priority="whenever"),
    ],
    ids=["not-json", "missing-fields", "bad-enum"],
)
def test_malformed_output_is_invalid(
    server: LoopbackAPI, builder: Builder, email: InboundEmail, content: str
) -> None:
    server.script(_ok(builder, content))
    with pytest.raises(InvalidModelOutputError):
        builder(server).classify(email, TAXONOMY)


def _rate_limited(builder: Builder) -> Reply:
    if builder is _anthropic:
        body = anthropic_error("rate_limit_error", "slow down")
    else:
        body = openai_error(429, "Rate limit reached", "requests")
    return Reply(429, body, headers={"retry-after": "7"})


def _server_error(builder: Builder) -> Reply:
    if builder is _anthropic:
        return Reply(500, anthropic_error("api_error", "internal"))
    return Reply(500, openai_error(500, "The server had an error", "server_error"))


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_429_is_rate_limited_with_retry_after(
    server: LoopbackAPI, builder: Builder, email: InboundEmail
) -> None:
    server.script(_rate_limited(builder))
    with pytest.raises(RateLimitedError) as caught:
        builder(server).classify(email, TAXONOMY)
    assert caught.value.retry_after == 7.0
    assert isinstance(caught.value, TransientProviderError)


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_the_sdk_retries_a_429_after_the_wait_it_was_given(
    server: LoopbackAPI, builder: Builder, email: InboundEmail
) -> None:
    limited = _rate_limited(builder)
    limited.headers = {"retry-after-ms": "50"}
    server.script(limited, _ok(builder, classification_json()))
    result = builder(server, max_retries=1).classify(email, TAXONOMY)
    assert result.category == "shipping"
    assert len(server.requests) == 2


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_500_is_transient(server: LoopbackAPI, builder: Builder, email: InboundEmail) -> None:
    server.script(_server_error(builder))
    with pytest.raises(TransientProviderError) as caught:
        builder(server).classify(email, TAXONOMY)
    assert not isinstance(caught.value, RateLimitedError)


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_a_slow_server_times_out(
    server: LoopbackAPI, builder: Builder, email: InboundEmail
) -> None:
    server.script(Reply(200, openai_completion(classification_json()), delay=1.5))
    with pytest.raises(ProviderTimeoutError):
        builder(server, timeout=0.3).classify(email, TAXONOMY)


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_bad_credentials_are_permanent(
    server: LoopbackAPI, builder: Builder, email: InboundEmail
) -> None:
    if builder is _anthropic:
        server.script(Reply(401, anthropic_error("authentication_error", "invalid x-api-key")))
    else:
        server.script(Reply(401, openai_error(401, "Incorrect API key", "invalid_request_error")))
    with pytest.raises(PermanentProviderError) as caught:
        builder(server).classify(email, TAXONOMY)
    assert not isinstance(caught.value, InvalidModelOutputError)


@pytest.mark.parametrize("builder", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_a_grounded_draft_is_accepted_and_cites_offered_articles(
    server: LoopbackAPI, builder: Builder, email: InboundEmail, classification: Classification
) -> None:
    provider = builder(server)
    server.script(_ok(builder, draft_json("placeholder", [])))
    provider.draft(email, classification)  # learn which articles are offered
    offered = json.dumps(server.requests[-1].body)
    assert "kb-" in offered
    article_id = offered.split('\\"id\\": \\"', 1)[1].split('\\"', 1)[0]
    body = "Hi Jane,\n\nSorry about order ORD-482913. Our tracking page shows where it is.\n"
    server.script(_ok(builder, draft_json(body, [article_id])))
    draft = provider.draft(email, classification)
    assert draft.article_ids == [article_id] and "ORD-482913" in draft.body
    assert draft.usage is not None and draft.usage.output_tokens > 0


@pytest.mark.parametrize("builder", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_a_draft_with_an_invented_fact_or_article_is_refused(
    server: LoopbackAPI, builder: Builder, email: InboundEmail, classification: Classification
) -> None:
    provider = builder(server)
    server.script(_ok(builder, draft_json("We refunded you $12.00 on 3 March.", [])))
    with pytest.raises(InvalidModelOutputError, match="12"):
        provider.draft(email, classification)
    server.script(_ok(builder, draft_json("See our article.", ["kb-does-not-exist"])))
    with pytest.raises(InvalidModelOutputError, match="kb-does-not-exist"):
        provider.draft(email, classification)
    promise = "Good news: your refund has been approved and a free replacement is on its way."
    server.script(_ok(builder, draft_json(promise, [])))
    with pytest.raises(InvalidModelOutputError, match="commitments"):
        provider.draft(email, classification)


def test_missing_keys_are_config_errors() -> None:
    with pytest.raises(PermanentProviderError, match="OPENAI_API_KEY"):
        OpenAIProvider.openai_api(api_key="", model="gpt-test")
    with pytest.raises(PermanentProviderError, match="ANTHROPIC_API_KEY"):
        AnthropicProvider.from_key(api_key="", model="claude-test")
    with pytest.raises(PermanentProviderError, match="AZURE_OPENAI"):
        OpenAIProvider.azure(endpoint="", api_key="k", deployment="d", api_version="v")


def test_sdk_clients_are_the_official_ones(server: LoopbackAPI) -> None:
    assert isinstance(_openai(server)._client, openai.OpenAI)
    assert isinstance(_azure(server)._client, openai.AzureOpenAI)
    assert isinstance(_anthropic(server)._client, anthropic.Anthropic)


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_priority_reasons_keep_only_quotes_from_the_email(
    server: LoopbackAPI, builder: Builder, make_email: Callable[..., InboundEmail]
) -> None:
    email = make_email(
        subject="Checkout down",
        body="Our checkout has been down since 9am and we lose sales. Please fix it by Friday.",
    )
    reasons = [
        {"kind": "outage", "quote": "checkout has been down"},
        {"kind": "money", "quote": "we lost $5,000"},  # not in the email: dropped
        {"kind": "deadline", "quote": "by Friday"},
    ]
    server.script(_ok(builder, classification_json(priority_reasons=reasons)))
    result = builder(server).classify(email, TAXONOMY)
    assert result.priority_reasons == ["outage: 'checkout has been down'", "deadline: 'by Friday'"]
    assert "priority_reasons" in json.dumps(server.requests[-1].body)


@pytest.mark.parametrize("builder", ALL, ids=lambda b: b.__name__.strip("_"))
def test_without_reasons_from_the_model_the_texts_cues_are_shown(
    server: LoopbackAPI, builder: Builder, make_email: Callable[..., InboundEmail]
) -> None:
    email = make_email(
        subject="Locked out",
        body="I can't log in to my account and I need the invoice before Friday.",
    )
    server.script(_ok(builder, classification_json()))  # no priority_reasons
    result = builder(server).classify(email, TAXONOMY)
    assert any(r.startswith("deadline:") for r in result.priority_reasons), result.priority_reasons
