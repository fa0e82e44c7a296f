"""The AI Model node's default taxonomy is the built-in one, as a copy a workflow may edit."""

from __future__ import annotations

from engine.nodes.ai_model import SUPPORT_TAXONOMY, AIModelConfig
from providers.ai import taxonomy


def test_the_default_taxonomy_is_the_one_built_in_taxonomy() -> None:
    config = AIModelConfig(operation="classify")
    assert SUPPORT_TAXONOMY is taxonomy.SUPPORT_TAXONOMY
    assert config.taxonomy == list(taxonomy.SUPPORT_TAXONOMY)
    config.taxonomy[0].description = "edited in one workflow"
    assert AIModelConfig(operation="classify").taxonomy[0].description != "edited in one workflow"
