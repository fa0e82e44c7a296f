"""What both backends share: how values are stored and the few rules that do not depend on one.

Every stored time is UTC truncated to milliseconds, the precision of a BSON datetime, so both
backends return the same values and compare times the same way (a ``since`` taken from a
stored document's microsecond-precise original still matches it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from engine import encryption
from engine.encryption import FieldCipher
from engine.models import (
    Approval,
    ApprovalStatus,
    AuditEntry,
    CategoryCorrection,
    Email,
    ExecutionLog,
    OutboxMessage,
    QuarantinedMessage,
    RollupIncrement,
    Workflow,
)

ModelT = TypeVar("ModelT", bound=BaseModel)
_ZERO = timedelta(0)
_TIME_TEXT = "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00"


def store_time(value: datetime) -> datetime:
    """``value`` as stored: in UTC (a naive value is taken as UTC), to the millisecond."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def time_text(value: datetime) -> str:
    """Fixed-width ISO-8601 text of the stored time, e.g. ``2024-05-01T12:00:00.123+00:00``.

    Every value has the same width and offset, so text order is time order.
    """
    # A value already at offset zero (any tzinfo class) needs no conversion, and that is
    # nearly every value written; formatted by hand, as isoformat(timespec="milliseconds")
    # would (truncating to the millisecond), at a third of its cost.
    if value.utcoffset() != _ZERO:
        value = store_time(value)
    return _TIME_TEXT % (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond // 1000,
    )


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
    if isinstance(value, Enum):  # a str enum never gets here: it is written as its string
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(model: BaseModel, cipher: FieldCipher | None) -> str:
    """The model as the SQLite backend stores it: compact JSON of ``stored_document``."""
    # No walk of the document in Python: the JSON encoder (C) calls _json_default for the
    # few values it cannot write itself (times, enums that are not strings).
    return json_text(seal_document(type(model), model.model_dump(mode="python"), cipher))


def from_json(model_type: type[ModelT], text: str | bytes, cipher: FieldCipher | None) -> ModelT:
    """The model stored as ``to_json`` text, its protected fields decrypted."""
    sealed = encryption.SEALED_PREFIX in text if isinstance(text, str) else _SEALED_BYTES in text
    if not sealed:  # nothing to decrypt: pydantic parses and validates in one pass
        return model_type.model_validate_json(text)
    return model_type.model_validate(open_document(model_type, json.loads(text), cipher))


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


def encode_fields(
    model_type: type[BaseModel], values: dict[str, Any], cipher: FieldCipher | None
) -> dict[str, Any]:
    """Validated field values of ``model_type`` as ``stored_document`` would store them."""
    return seal_document(
        model_type,
        {
            name: plain(_field_adapter(model_type, name).dump_python(value, mode="python"))
            for name, value in values.items()
        },
        cipher,
    )


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


def sum_rollup_increments(
    metrics: Sequence[str],
    since: datetime,
    until: datetime,
    increments: Sequence[RollupIncrement],
) -> dict[tuple[datetime, str, str], tuple[int, float]]:
    """``increments`` summed per (bucket, metric, key), for ``RollupStore.replace_rollups``;
    refuses one that is not among the rows being replaced."""
    rows: dict[tuple[datetime, str, str], tuple[int, float]] = {}
    for increment in increments:
        if increment.metric not in metrics or not since <= increment.bucket < until:
            raise ValueError(
                f"rollup {increment.metric!r} at {increment.bucket.isoformat()} is outside the "
                f"rows being replaced ({', '.join(metrics)} from {since.isoformat()} "
                f"to {until.isoformat()})"
            )
        count, total = rows.get((increment.bucket, increment.metric, increment.key), (0, 0.0))
        rows[(increment.bucket, increment.metric, increment.key)] = (
            count + increment.count,
            total + increment.total,
        )
    return rows


# Encryption at rest. Fields that can identify a person or hold what they wrote, encrypted in
# place when a key is configured ("*" walks a list). Everything a query filters, sorts or
# indexes on stays clear: ids, Message-IDs, mailbox, statuses, times, category and priority.
SEALED_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    Email: (
        "from_name",
        "to_address",
        "cc_address",
        "subject",
        "body_text",
        "body_html",
        "headers",
        "text_for_classification",
        "attachments",
        "raw_sha256",
    ),
    ExecutionLog: (
        "input_data",
        "error",
        "node_executions.*.input_data",
        "node_executions.*.output_data",
        "node_executions.*.error",
    ),
    Approval: ("classification", "draft", "final_subject", "final_body", "reason"),
    OutboxMessage: ("to", "subject", "body", "error"),
    QuarantinedMessage: ("raw_base64", "origin"),
    CategoryCorrection: ("text",),
    AuditEntry: ("before", "after"),
}
# Fields looked up by equality: stored as a blind-index token (an HMAC) in the field itself, so
# the backends' queries and indexes need no change, and encrypted beside it under NAME__sealed.
INDEXED_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    Email: ("from_address", "thread_key"),
}
_SEALED_SUFFIX = "__sealed"
_SEALED_BYTES = encryption.SEALED_PREFIX.encode()


def _context(model_type: type[BaseModel], path: str) -> str:
    return f"{model_type.__name__}.{path}"


def index_normal(model_type: type[BaseModel], name: str, value: str) -> str:
    """``value`` as its token is made: addresses compare without case."""
    return value.strip().casefold() if name == "from_address" else value


def _map_path(value: Any, parts: list[str], change: Any) -> Any:
    if not parts:
        return change(value)
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(value, list):
            return value
        return [_map_path(item, rest, change) for item in value]
    if isinstance(value, dict) and head in value:
        return {**value, head: _map_path(value[head], rest, change)}
    return value


def _sealer(cipher: FieldCipher, context: str) -> Any:
    def seal(value: Any) -> Any:
        if value is None or encryption.is_sealed(value):
            return value
        text = json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))
        return cipher.seal(text, context)

    return seal


def _opener(cipher: FieldCipher | None, context: str) -> Any:
    def open_(value: Any) -> Any:
        if not encryption.is_sealed(value):
            return value
        if cipher is None:
            raise encryption.EncryptionError(
                f"stored {context} is encrypted but no key is configured: "
                "set MAILROOM_ENCRYPTION_KEY"
            )
        return json.loads(cipher.open(value, context))

    return open_


def seal_document(
    model_type: type[BaseModel], doc: dict[str, Any], cipher: FieldCipher | None
) -> dict[str, Any]:
    """``doc`` (a plain document of ``model_type``, or some of its fields) with its protected
    fields encrypted under the cipher's current key; unchanged without a cipher."""
    if cipher is None:
        return doc
    result = dict(doc)
    for path in SEALED_FIELDS.get(model_type, ()):
        result = _map_path(result, path.split("."), _sealer(cipher, _context(model_type, path)))
    for name in INDEXED_FIELDS.get(model_type, ()):
        value = result.get(name)
        if isinstance(value, str) and not encryption.is_token(value):
            context = _context(model_type, name)
            result[name + _SEALED_SUFFIX] = _sealer(cipher, context)(value)
            result[name] = cipher.token(index_normal(model_type, name, value), context)
    return result


def open_document(
    model_type: type[BaseModel], doc: dict[str, Any], cipher: FieldCipher | None
) -> dict[str, Any]:
    """``doc`` as stored, with every encrypted field decrypted (clear fields pass through)."""
    result = dict(doc)
    for name in INDEXED_FIELDS.get(model_type, ()):
        sealed = result.pop(name + _SEALED_SUFFIX, None)
        if sealed is not None:
            result[name] = _opener(cipher, _context(model_type, name))(sealed)
    for path in SEALED_FIELDS.get(model_type, ()):
        result = _map_path(result, path.split("."), _opener(cipher, _context(model_type, path)))
    return result


def reseal_document(
    model_type: type[BaseModel], doc: dict[str, Any], cipher: FieldCipher | None
) -> dict[str, Any]:
    """``doc`` as stored, re-encrypted under the cipher's current key (``rotate-key``)."""
    return seal_document(model_type, open_document(model_type, doc, cipher), cipher)


def stored_document(model: BaseModel, cipher: FieldCipher | None) -> dict[str, Any]:
    """The model as the backends store it: ``encode``, protected fields encrypted."""
    return seal_document(type(model), encode(model), cipher)


def lookup_values(
    model_type: type[BaseModel], name: str, value: str, cipher: FieldCipher | None
) -> list[str]:
    """What an indexed field may hold for ``value``: the clear value (rows written before a
    key was set) and its token under every key of the cipher (rows not yet re-encrypted)."""
    values = [value]
    if cipher is not None:
        normal = index_normal(model_type, name, value)
        values += cipher.tokens(normal, _context(model_type, name))
    return values


def _key_ids(value: Any) -> set[str]:
    if isinstance(value, str):
        if encryption.is_sealed(value) or encryption.is_token(value):
            return {encryption.key_id_of(value)}
        return set()
    if isinstance(value, dict):
        return set().union(*(_key_ids(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_key_ids(item) for item in value))
    return set()


def needs_reseal(
    model_type: type[BaseModel], doc: dict[str, Any], cipher: FieldCipher | None
) -> bool:
    """Whether ``doc`` as stored holds a value in clear that should be encrypted, or one
    encrypted (or tokenised) under a key other than the cipher's current one."""
    if cipher is None:
        return bool(_key_ids(doc))
    if _key_ids(doc) - {cipher.current.key_id}:
        return True
    return seal_document(model_type, doc, cipher).keys() != doc.keys() or any(
        not encryption.is_sealed(value)
        for value in _sealed_values(model_type, doc)
        if value is not None
    )


def _sealed_values(model_type: type[BaseModel], doc: dict[str, Any]) -> list[Any]:
    found: list[Any] = []

    def collect(value: Any) -> Any:
        found.append(value)
        return value

    for path in SEALED_FIELDS.get(model_type, ()):
        _map_path(doc, path.split("."), collect)
    return found


def json_text(doc: dict[str, Any]) -> str:
    """A stored document as the SQLite backend's compact JSON text."""
    return json.dumps(doc, default=_json_default, ensure_ascii=False, separators=(",", ":"))
