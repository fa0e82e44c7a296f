"""Transform: copy values from the input into new named fields."""

from __future__ import annotations

from pydantic import Field

from engine.nodes.base import NodeCategory, NodeConfig, NodeContext, NodeResult, NodeType
from engine.nodes.paths import resolve_path
from engine.nodes.registry import register


class TransformConfig(NodeConfig):
    assignments: dict[str, str] = Field(
        default_factory=dict, description="New field name -> dotted path in the input."
    )


@register
class Transform(NodeType[TransformConfig]):
    type_id = "transform"
    display_name = "Transform"
    category = NodeCategory.LOGIC
    description = "Copies values from the input into new fields for later nodes."
    config_model = TransformConfig
    inline = True

    def run(self, ctx: NodeContext, config: TransformConfig) -> NodeResult:
        return NodeResult(
            output={name: resolve_path(ctx.data, path) for name, path in config.assignments.items()}
        )
