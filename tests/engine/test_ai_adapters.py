"""The AI provider built from settings: local by default, else a guarded fallback chain."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from engine.adapters import build_ai_provider
from engine.settings import Settings
from providers.ai.chain import FallbackChain
from providers.ai.local import LocalAIProvider


def test_the_default_is_the_local_provider(tmp_path: Path) -> None:
    assert isinstance(build_ai_provider(Settings(data_dir=tmp_path)), LocalAIProvider)


def test_a_chain_guards_its_remote_links(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        ai_classify_chain="anthropic,openai,local",
        ai_draft_chain="openai,local",
        openai_api_key=SecretStr("sk-test"),
        anthropic_api_key=SecretStr("ak-test"),
    )
    chain = build_ai_provider(settings)
    assert isinstance(chain, FallbackChain)
    assert [link.provider.name for link in chain.classify_links] == ["anthropic", "openai", "local"]
    assert [link.provider.name for link in chain.draft_links] == ["openai", "local"]
    openai_link = chain.classify_links[1]
    assert openai_link.breaker is not None and openai_link.limiter is not None
    assert chain.draft_links[0] is openai_link  # one breaker per provider, shared by features
    assert chain.classify_links[2].breaker is None
    openai_link.breaker.record_failure()
    # The state is in the store: a second build (another worker) sees the same failure count.
    other = build_ai_provider(settings)
    assert isinstance(other, FallbackChain)
    breaker = other.classify_links[1].breaker
    assert breaker is not None and breaker.state().failures == 1
