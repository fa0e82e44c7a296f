"""Fixtures of the local AI provider tests: the shipped classifier (trained only when stale)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.ai.base import Category
from providers.ai.local import LocalAIProvider
from providers.ai.local_classifier import LocalClassifierModel, load_or_train
from providers.ai.taxonomy import support_taxonomy
from providers.email.base import InboundEmail

EmailFactory = Callable[..., InboundEmail]


@pytest.fixture(scope="session")
def ai_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's models folder: empty while the shipped models are current (they are used
    as they are); a model is trained into it only when they are stale."""
    return tmp_path_factory.mktemp("local-ai-models")


@pytest.fixture(scope="session")
def trained_model(ai_models_dir: Path) -> LocalClassifierModel:
    """The classifier fitted on the full training data: the shipped one, unless stale."""
    return load_or_train(ai_models_dir)


@pytest.fixture(scope="session")
def provider(ai_models_dir: Path) -> LocalAIProvider:
    local = LocalAIProvider(ai_models_dir)
    local.warm_up()
    return local


@pytest.fixture(scope="session")
def taxonomy() -> list[Category]:
    return support_taxonomy()


@pytest.fixture(scope="session")
def make_email() -> EmailFactory:
    """Builds an InboundEmail from a subject and body (and optionally a sender name)."""
    counter = iter(range(1_000_000))

    def make(subject: str = "", body: str = "", from_name: str = "") -> InboundEmail:
        return InboundEmail(
            message_id=f"<test-{next(counter)}@example.com>",
            mailbox="support",
            from_address="customer@example.com",
            from_name=from_name,
            subject=subject,
            body_text=body,
            received_at=datetime(2024, 6, 3, 9, 0, tzinfo=UTC),
        )

    return make
