"""An AI node chooses its provider and model, checked against what the engine is configured for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import pytest
from pydantic import SecretStr, ValidationError

from engine.adapters import ai_chains, build_providers
from engine.nodes.ai_model import AIModelConfig, AIProviderChoice
from engine.roles import Actor, Role
from engine.service import MailroomService, PermissionDenied, WorkflowRejected, compose
from engine.settings import AI_PROVIDER_NAMES, Settings
from engine.workflow_edit import with_node_config
from providers.ai.chain import FallbackChain
from providers.ai.taxonomy import support_taxonomy
from providers.email.base import InboundEmail
from providers.errors import ProviderConfigError
from tests.providers.ai.loopback import LoopbackAPI, Reply, openai_completion
from tests.providers.ai.test_remote_providers import classification_json

MANAGER = Actor("mia", Role.MANAGER)


@pytest.fixture
def server() -> Iterator[LoopbackAPI]:
    api = LoopbackAPI().start()
    yield api
    api.stop()


def test_the_choices_are_the_engine_default_and_every_provider() -> None:
    assert set(get_args(AIProviderChoice)) == {"default", *AI_PROVIDER_NAMES}
    assert AIModelConfig(operation="classify").provider == "default"


@pytest.mark.parametrize("provider", ["default", "local"])
def test_a_model_needs_a_remote_provider(provider: str) -> None:
    with pytest.raises(ValidationError, match="only be chosen for a remote provider"):
        AIModelConfig.model_validate({"operation": "draft", "provider": provider, "model": "x"})
    assert AIModelConfig(operation="draft", provider="openai", model="gpt-x").model == "gpt-x"


def test_chains_per_choice(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, openai_api_key=SecretStr("sk-test"))
    assert ai_chains(settings) == (["local"], ["local"])
    assert ai_chains(settings, "local") == (["local"], ["local"])
    assert ai_chains(settings, "openai") == (["openai", "local"], ["openai", "local"])
    with pytest.raises(ProviderConfigError, match="MAILROOM_ANTHROPIC_API_KEY"):
        ai_chains(settings, "anthropic")


def _service(tmp_path: Path, **settings: object) -> MailroomService:
    return compose(Settings(data_dir=tmp_path, **settings)).service  # type: ignore[arg-type]


def _with_provider(service: MailroomService, provider: str, model: str = "") -> None:
    workflow = service.list_workflows(MANAGER)[0]
    classify = next(n for n in workflow.visual_data.nodes if n.node_type_id == "ai_model")
    config = {**classify.config, "provider": provider, "model": model}
    service.save_workflow(MANAGER, with_node_config(workflow, classify.node_id, config), "provider")


def test_saving_an_unconfigured_provider_is_refused_naming_the_setting(tmp_path: Path) -> None:
    service = _service(tmp_path)
    with pytest.raises(WorkflowRejected) as refused:
        _with_provider(service, "openai", "gpt-4o-mini")
    (message,) = [errors["provider"] for errors in refused.value.fields.values()]
    assert "MAILROOM_OPENAI_API_KEY" in message and "choose one of default, local" in message
    assert service.list_workflows(MANAGER)[0].version == 1  # nothing saved


def test_a_configured_provider_is_offered_and_saved(tmp_path: Path) -> None:
    service = _service(tmp_path, openai_api_key=SecretStr("sk-test"))
    assert service.node_field_choices(MANAGER, "ai_model") == {
        "provider": ["default", "openai", "local"]
    }
    assert service.node_field_choices(MANAGER, "condition") == {}
    _with_provider(service, "openai", "gpt-4o-mini")
    workflow = service.list_workflows(MANAGER)[0]
    assert workflow.version == 2
    chosen = [n.config for n in workflow.visual_data.nodes if n.config.get("provider")]
    assert chosen[0]["provider"] == "openai" and chosen[0]["model"] == "gpt-4o-mini"
    with pytest.raises(PermissionDenied):
        service.node_field_choices(Actor("ada", Role.AGENT), "ai_model")


def test_a_node_s_provider_and_model_reach_the_remote_api(
    tmp_path: Path, server: LoopbackAPI
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        openai_api_key=SecretStr("sk-test"),
        openai_base_url=server.base_url,
        openai_model="gpt-configured",
    )
    providers = build_providers(settings)
    chosen = providers.ai_for("openai", "gpt-chosen-by-the-node")
    assert isinstance(chosen, FallbackChain)
    assert [link.provider.name for link in chosen.classify_links] == ["openai", "local"]
    assert providers.ai_for("openai", "gpt-chosen-by-the-node") is chosen  # built once
    server.script(Reply(200, openai_completion(classification_json("shipping"))))
    email = InboundEmail(
        message_id="<m1@example.com>",
        mailbox="support",
        from_address="c@example.com",
        subject="Where is my parcel ORD-482913?",
        body_text="It was due last week. $49.99, Terra Backpack.",
        received_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    result = chosen.classify(email, support_taxonomy())
    assert result.provider == "openai" and result.category == "shipping"
    assert [r.body["model"] for r in server.requests] == ["gpt-chosen-by-the-node"]
