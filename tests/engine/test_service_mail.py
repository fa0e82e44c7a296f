"""The service's mailbox health, quarantine and thread merges, with role checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.mail.inbound import accept_raw
from engine.models import SourceHealth
from engine.service import Actor, ControlRefused, MailroomService, PermissionDenied, Role
from engine.store.base import Store
from ui.source_health import health_table

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
ADMIN = Actor("alice", Role.ADMIN)
AGENT = Actor("bob", Role.AGENT)


def health(key: str, **fields: Any) -> SourceHealth:
    return SourceHealth(
        source_key=key,
        workflow_id="wf",
        node_id="n",
        source="imap",
        mailbox=f"{key}@x.example",
        **fields,
    )


def test_source_health_tells_ok_failing_stalled_and_never_polled(store: Store) -> None:
    store.save_source_health(
        health("a", last_success_at=NOW - timedelta(seconds=30), lag_seconds=4.0)
    )
    store.save_source_health(
        health(
            "b",
            last_success_at=NOW - timedelta(seconds=60),
            consecutive_errors=2,
            total_errors=2,
            last_error="timeout",
        )
    )
    store.save_source_health(health("c", last_success_at=NOW - timedelta(hours=2)))
    store.save_source_health(health("d"))
    store.save_source_health(health("e", consecutive_errors=4, total_errors=4))
    service = MailroomService(store, clock=lambda: NOW)
    rows = service.source_health(ADMIN)
    assert [(r.mailbox, r.status) for r in rows] == [
        ("a@x.example", "ok"),
        ("b@x.example", "failing"),
        ("c@x.example", "stalled"),
        ("d@x.example", "never polled"),
        ("e@x.example", "stalled"),
    ]
    assert rows[0].seconds_since_success == 30.0 and rows[0].lag_seconds == 4.0
    table = health_table(rows)
    assert (
        table[0]["since"] == "30 s"
        and table[2]["since"] == "2.0 h"
        and table[1]["last error"] == "timeout"
    )
    with pytest.raises(PermissionDenied):
        service.source_health(AGENT)


def test_quarantine_is_listed_for_admins(store: Store) -> None:
    accept_raw(store, b"Subject: x\n\nno sender\n", mailbox="s@x.example", source="imap")
    service = MailroomService(store)
    (item,) = service.quarantine(ADMIN)
    assert "no sender" in item.reason
    with pytest.raises(PermissionDenied):
        service.quarantine(AGENT)


def test_agents_merge_threads_and_it_is_audited(store: Store) -> None:
    one = accept_raw(
        store,
        b"From: a@c.example\nSubject: Order 1\nMessage-ID: <1@c>\n\nhi\n",
        mailbox="s",
        source="imap",
    )
    two = accept_raw(
        store,
        b"From: a@c.example\nSubject: Another thing\nMessage-ID: <2@c>\n\nhi\n",
        mailbox="s",
        source="imap",
    )
    first, second = store.get_email(one.email_id or ""), store.get_email(two.email_id or "")
    assert first and second and first.thread_id != second.thread_id
    service = MailroomService(store)
    assert service.merge_threads(AGENT, second.thread_id, first.thread_id) == 1
    merged = store.get_email(second.email_id)
    assert merged is not None and merged.thread_id == first.thread_id
    assert store.list_audit(1)[0].action == "merge_threads"
    with pytest.raises(ControlRefused):
        service.merge_threads(AGENT, second.thread_id, first.thread_id)
    with pytest.raises(PermissionDenied):
        service.merge_threads(Actor("carol", Role.ANALYST), first.thread_id, "t")
