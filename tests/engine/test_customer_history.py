"""The service's customer history: the thread and the sender's other emails, with their
replies, newest first and limited; anyone may read it, and a missing email is a clear error."""

from __future__ import annotations

import pytest

from engine.models import OutboxKind
from engine.service import Actor, MailroomService, NotFound, Role
from engine.store.base import Store
from tests.engine.store.test_contract import at, make_email, make_outbox

ANNA = "anna.history@example.com"


def _seed(store: Store) -> None:
    emails = [
        make_email("<h1@x>", email_id="eml_h1", from_address=ANNA, thread_id="th_a",
                   subject="Order 1", received_at=at(0)),
        make_email("<h2@x>", email_id="eml_h2", from_address=ANNA, thread_id="th_b",
                   subject="Refund", received_at=at(10)),
        # Same thread, another sender (a colleague of Anna's in Cc who wrote back).
        make_email("<h3@x>", email_id="eml_h3", from_address="cc.history@example.com",
                   thread_id="th_a", subject="Re: Order 1", received_at=at(20)),
        make_email("<h4@x>", email_id="eml_h4", from_address=ANNA, thread_id="th_a",
                   subject="Re: Order 1", received_at=at(30)),
        make_email("<h5@x>", email_id="eml_h5", from_address="other.history@example.com",
                   thread_id="th_c", subject="Unrelated", received_at=at(40)),
    ]  # fmt: skip
    for email in emails:
        assert store.insert_email(email)
    store.reserve_outbox(make_outbox("reply:h1", email_id="eml_h1", created_at=at(5)))
    store.reserve_outbox(make_outbox("notify:h1", kind=OutboxKind.NOTIFICATION, email_id="eml_h1"))


@pytest.mark.parametrize("role", list(Role))
def test_history_shows_thread_and_sender_emails_with_their_replies(
    store: Store, role: Role
) -> None:
    _seed(store)
    history = MailroomService(store).customer_history(Actor("x", role), "eml_h4")
    assert (history.address, history.thread_id) == (ANNA, "th_a")
    assert [(e.email.email_id, e.in_thread) for e in history.entries] == [
        ("eml_h3", True),
        ("eml_h2", False),
        ("eml_h1", True),
    ]
    assert [r.idempotency_key for r in history.entries[2].replies] == ["reply:h1"]
    assert history.entries[0].replies == [] and history.entries[1].replies == []
    assert history.other_threads == {"th_b": "Refund"}
    assert not history.limited


def test_history_is_limited_and_says_so(store: Store) -> None:
    _seed(store)
    history = MailroomService(store).customer_history(Actor("x", Role.AGENT), "eml_h4", limit=2)
    assert [e.email.email_id for e in history.entries] == ["eml_h3", "eml_h2"]
    assert history.limited


def test_history_of_a_missing_email_is_refused(store: Store) -> None:
    with pytest.raises(NotFound, match="eml_nope"):
        MailroomService(store).customer_history(Actor("x", Role.AGENT), "eml_nope")
