"""A mailbox's poll lease is renewed while a long batch is read, and a poller that lost it
never moves the cursor."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from engine.adapters import ProviderSet
from engine.lease import HeldLease, NamedLeaseLost
from engine.mail.triggers import cursor_key, poll_trigger, trigger_nodes
from engine.models import utcnow
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.store.base import Store
from providers.email.base import EmailSource, FetchResult, InboundEmail


def test_a_held_lease_outlives_its_length_and_is_released(store: Store) -> None:
    lease = HeldLease(store, "poll:x", "w1", timedelta(seconds=0.3), utcnow)
    assert lease.acquire()
    time.sleep(1.0)  # three lease lengths: only renewal keeps it
    now = utcnow()
    assert not store.acquire_lease("poll:x", "w2", now + timedelta(seconds=1), now)
    lease.release()
    assert store.acquire_lease("poll:x", "w2", now + timedelta(seconds=1), now)


def test_a_lease_taken_over_is_lost_for_good(store: Store) -> None:
    lease = HeldLease(store, "poll:y", "w1", timedelta(seconds=30), utcnow)
    assert lease.acquire()
    later = utcnow() + timedelta(minutes=5)  # as if w1 had stalled past its lease
    assert store.acquire_lease("poll:y", "w2", later + timedelta(seconds=30), later)
    with pytest.raises(NamedLeaseLost):
        lease.ensure()
    lease.release()
    now = utcnow()
    assert not store.acquire_lease("poll:y", "w3", now + timedelta(seconds=1), now), (
        "releasing a lost lease leaves the new owner's alone"
    )


class StallingSource(EmailSource):
    """Returns one email, after another worker took the poll lease over mid-fetch."""

    def __init__(self, store: Store, lease_name: str) -> None:
        self.mailbox = "support@mailroom.example"
        self.store = store
        self.lease_name = lease_name

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        later = utcnow() + timedelta(minutes=5)
        assert self.store.acquire_lease(self.lease_name, "w2", later + timedelta(minutes=1), later)
        email = InboundEmail(
            message_id="<stalled-1@customer.example>",
            from_address="anna@customer.example",
            to_address=self.mailbox,
            subject="Where is my order?",
            body_text="Order 1234 has not arrived.",
            mailbox=self.mailbox,
            received_at=utcnow(),
        )
        return FetchResult(emails=[email], next_cursor="after-1")


def test_a_poller_that_lost_its_lease_stores_the_mail_but_never_moves_the_cursor(
    store: Store, providers: ProviderSet
) -> None:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = trigger_nodes(workflow)[0]
    lease_name = f"poll:{workflow.workflow_id}:{node.node_id}"

    def source(config: Mapping[str, Any]) -> EmailSource:
        return StallingSource(store, lease_name)

    stalling = dataclasses.replace(providers, source_factory=source)
    with pytest.raises(NamedLeaseLost):
        poll_trigger(store, stalling, workflow, node, "w1")
    assert store.count_emails() == 1, "what was fetched is stored (and deduplicated later)"
    assert store.get_cursor(cursor_key(workflow.workflow_id, node.node_id)) is None
