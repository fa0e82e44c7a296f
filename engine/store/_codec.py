"""What both backends share: how values are stored and the few rules that do not depend on one.

Every stored time is UTC truncated to milliseconds, the precision of a BSON datetime, so both
backends return the same values and compare times the same way (a ``since`` taken from a
stored document's microsecond-precise original still matches it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from engine.models import Approval, ApprovalStatus, Workflow

ModelT = TypeVar("ModelT", bound=BaseModel)


def store_time(value: datetime) -> datetime:
    """``value`` as stored: in UTC (a naive value is taken as UTC), to the millisecond."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def time_text(value: datetime) -> str:
    """Fixed-width ISO-8601 text of the stored time, e.g. ``2024-05-01T12:00:00.123+00:00``.

    Every value has the same width and offset, so text order is time order.
    """
    return store_time(value).isoformat(timespec="milliseconds")


def time_text_or_none(value: datetime | None) -> str | None:
    return None if value is None else time_text(value)


def plain(value: Any) -> Any:
    """``value`` with times made stored times and enums their values, recursively."""
    if isinstance(value, datetime):
        return store_time(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def encode(model: BaseModel) -> dict[str, Any]:
    """The model's fields as plain Python values (times as stored times)."""
    result: dict[str, Any] = plain(model.model_dump(mode="python"))
    return result


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return time_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(model: BaseModel) -> str:
    """The model as compact JSON text, times as ``time_text``."""
    return json.dumps(
        encode(model), default=_json_default, ensure_ascii=False, separators=(",", ":")
    )


def normalized(model: ModelT) -> ModelT:
    """The model as a backend returns it after storing it."""
    return type(model).model_validate(encode(model))


@cache
def _field_adapter(model_type: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model_type.model_fields[name]
    # The FieldInfo in the metadata carries the field's constraints into the adapter.
    annotated: Any = Annotated[field.annotation, field]
    return TypeAdapter(annotated)


def validated_changes(
    model_type: type[BaseModel], changes: dict[str, Any], *, key: str
) -> dict[str, Any]:
    """``changes`` validated field by field against ``model_type``.

    Unknown field names and the natural ``key`` are refused rather than silently ignored.
    """
    result: dict[str, Any] = {}
    for name, value in changes.items():
        if name == key or name not in model_type.model_fields:
            raise ValueError(f"{model_type.__name__} has no changeable field {name!r}")
        result[name] = _field_adapter(model_type, name).validate_python(value)
    return result


def encode_fields(model_type: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """Validated field values of ``model_type`` as ``encode`` would store them."""
    return {
        name: plain(_field_adapter(model_type, name).dump_python(value, mode="python"))
        for name, value in values.items()
    }


def next_workflow(
    workflow: Workflow, previous: Workflow | None, version: int, now: datetime
) -> Workflow:
    """``workflow`` as ``save_workflow`` stores it as ``version``."""
    update: dict[str, Any] = {"version": version, "updated_at": now}
    if previous is not None:
        update |= {
            "created_at": previous.created_at,
            "execution_count": previous.execution_count,
            "last_executed_at": previous.last_executed_at,
        }
    return normalized(workflow.model_copy(update=update))


def require_decided(approval: Approval) -> None:
    if approval.status is ApprovalStatus.PENDING:
        raise ValueError(f"approval {approval.approval_id!r} is not decided (status pending)")


def require_pending(approval: Approval) -> None:
    if approval.status is not ApprovalStatus.PENDING:
        raise ValueError(f"approval {approval.approval_id!r} is decided, not pending")
