"""The demo notifier renders Slack Block Kit payloads into a JSONL file."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from providers.errors import ProviderConfigError, TransientProviderError
from providers.notify.base import Notification
from providers.notify.demo import DemoNotifier

URGENT = Notification(
    title="Urgent email from Léa Dubois",
    text="Order ORD-483920 is *still* missing & the customer is angry <3",
    severity="urgent",
    fields={"Category": "shipping", "Priority": "urgent"},
    link="http://localhost:8501/inbox?email=eml_123",
)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_notify_appends_one_json_line_with_blocks(tmp_path: Path) -> None:
    path = tmp_path / "data" / "notifications.jsonl"  # parent created on first write
    notifier = DemoNotifier(path)
    first = notifier.notify(URGENT)
    second = notifier.notify(Notification(title="Daily digest", text="12 emails waiting"))

    records = _lines(path)
    assert len(records) == 2
    assert [r["delivery_id"] for r in records] == [first.delivery_id, second.delivery_id]
    assert uuid.UUID(first.delivery_id) != uuid.UUID(second.delivery_id)
    assert first.channel == "#support-urgent" and first.delivered_at.tzinfo is not None
    payload = records[0]["payload"]
    assert payload["channel"] == "#support-urgent"
    assert [block["type"] for block in payload["blocks"]] == [
        "header",
        "section",
        "section",
        "actions",
        "context",
    ]
    assert payload == notifier.render_blocks(URGENT)


def test_blocks_carry_title_text_fields_link_and_severity() -> None:
    payload = DemoNotifier(Path("unused.jsonl"), channel="#ops").render_blocks(URGENT)
    header, text, fields, actions, context = payload["blocks"]
    assert header["text"] == {"type": "plain_text", "text": URGENT.title, "emoji": True}
    assert text["text"]["type"] == "mrkdwn"
    assert text["text"]["text"] == (
        "Order ORD-483920 is *still* missing &amp; the customer is angry &lt;3"
    )
    assert fields["fields"] == [
        {"type": "mrkdwn", "text": "*Category*\nshipping"},
        {"type": "mrkdwn", "text": "*Priority*\nurgent"},
    ]
    [button] = actions["elements"]
    assert button["type"] == "button" and button["url"] == URGENT.link
    assert button["style"] == "danger"
    assert "urgent" in context["elements"][0]["text"]
    assert payload["channel"] == "#ops"
    assert payload["text"].startswith(URGENT.title)


def test_optional_parts_are_left_out_and_limits_respected() -> None:
    notifier = DemoNotifier(Path("unused.jsonl"))
    many = {f"Field {i}": str(i) for i in range(13)}
    payload = notifier.render_blocks(Notification(title="x" * 400, text="", fields=many))
    types = [block["type"] for block in payload["blocks"]]
    assert types == ["header", "section", "section", "context"]  # 13 fields: 10 + 3
    assert len(payload["blocks"][0]["text"]["text"]) == 150
    assert [len(b["fields"]) for b in payload["blocks"][1:3]] == [10, 3]
    assert "info" in payload["blocks"][-1]["elements"][0]["text"]


def test_a_disk_problem_is_transient(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(TransientProviderError) as caught:
        DemoNotifier(blocker / "notifications.jsonl").notify(URGENT)
    assert isinstance(caught.value.__cause__, OSError)


def test_an_empty_channel_is_refused() -> None:
    with pytest.raises(ProviderConfigError, match="channel"):
        DemoNotifier(Path("unused.jsonl"), channel=" ")


def test_the_notification_channel_overrides_the_default(tmp_path: Path) -> None:
    path = tmp_path / "notifications.jsonl"
    receipt = DemoNotifier(path).notify(URGENT.model_copy(update={"channel": "#billing-team"}))
    assert receipt.channel == "#billing-team"
    assert _lines(path)[0]["payload"]["channel"] == "#billing-team"
