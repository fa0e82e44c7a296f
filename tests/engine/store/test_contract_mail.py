"""The Store contract for real mailboxes (quarantine, thread fallback, source health), on every
backend through the ``store`` fixture of this folder's ``conftest.py``."""

from __future__ import annotations

from engine.models import OutboxKind, QuarantinedMessage, SourceHealth
from engine.store.base import Store
from tests.engine.store.test_contract import at, make_email, make_outbox


def quarantined(key: str, minutes: float, reason: str = "no sender address") -> QuarantinedMessage:
    return QuarantinedMessage(
        quarantine_key=key,
        mailbox="support",
        source="imap",
        reason=reason,
        origin="uid 7",
        raw_base64="AAEC",
        size_bytes=3,
        received_at=at(minutes),
    )


def test_quarantine_is_unique_on_its_key_and_lists_newest_first(store: Store) -> None:
    assert store.quarantine_message(quarantined("q1", 0))
    assert store.quarantine_message(quarantined("q2", 5))
    assert not store.quarantine_message(quarantined("q1", 9, reason="other"))
    assert store.count_quarantine() == 2
    listed = store.list_quarantine()
    assert [item.quarantine_key for item in listed] == ["q2", "q1"]
    assert listed[1] == quarantined("q1", 0)
    assert store.list_quarantine(limit=1)[0].quarantine_key == "q2"
    assert store.list_quarantine(limit=0) == []


def test_find_thread_by_key_takes_the_newest_recent_email_of_the_mailbox(store: Store) -> None:
    key = "anna@example.com|order 1234"
    store.insert_email(make_email("<a@x>", thread_key=key, thread_id="t_old", received_at=at(0)))
    store.insert_email(make_email("<b@x>", thread_key=key, thread_id="t_new", received_at=at(60)))
    store.insert_email(
        make_email("<c@x>", mailbox="sales", thread_key=key, thread_id="t_s", received_at=at(90))
    )
    store.insert_email(
        make_email("<d@x>", thread_key="other|x", thread_id="t_o", received_at=at(99))
    )
    found = store.find_thread_by_key("support", key, since=at(-10))
    assert found is not None and found.thread_id == "t_new"
    assert store.find_thread_by_key("support", key, since=at(61)) is None
    assert store.find_thread_by_key("support", "nobody|x", since=at(-10)) is None


def test_merge_threads_moves_every_email_of_the_source_thread(store: Store) -> None:
    store.insert_email(make_email("<a@x>", thread_id="t1"))
    store.insert_email(make_email("<b@x>", thread_id="t1"))
    store.insert_email(make_email("<c@x>", thread_id="t2"))
    assert store.merge_threads("t1", "t2") == 2
    for message_id in ("<a@x>", "<b@x>", "<c@x>"):
        email = store.find_email_by_message_id(message_id)
        assert email is not None and email.thread_id == "t2"
    assert store.merge_threads("t1", "t2") == 0


def test_source_health_upserts_by_key(store: Store) -> None:
    first = SourceHealth(
        source_key="trigger:wf:n", workflow_id="wf", node_id="n", source="imap", mailbox="s"
    )
    store.save_source_health(first)
    later = first.model_copy(
        update={"last_success_at": at(1), "consecutive_errors": 0, "lag_seconds": 2.5}
    )
    store.save_source_health(later)
    store.save_source_health(first.model_copy(update={"source_key": "a"}))
    assert store.get_source_health("trigger:wf:n") == later
    assert store.get_source_health("missing") is None
    assert [h.source_key for h in store.list_source_health()] == ["a", "trigger:wf:n"]


def test_find_email_in_mailbox_uses_the_natural_key(store: Store) -> None:
    store.insert_email(make_email("<same@x>", mailbox="a", thread_id="t_a"))
    store.insert_email(make_email("<same@x>", mailbox="b", thread_id="t_b"))
    found = store.find_email_in_mailbox("b", "<same@x>")
    assert found is not None and found.thread_id == "t_b"
    assert store.find_email_in_mailbox("c", "<same@x>") is None


def test_list_emails_newest_received_first_within_the_range(store: Store) -> None:
    for minutes in (0, 10, 20, 30):
        store.insert_email(
            make_email(f"<m{minutes}@x>", thread_id=f"t{minutes}", received_at=at(minutes))
        )
    listed = store.list_emails()
    assert [e.message_id for e in listed] == ["<m30@x>", "<m20@x>", "<m10@x>", "<m0@x>"]
    assert listed[0] == store.find_email_by_message_id("<m30@x>")
    in_range = store.list_emails(received_from=at(10), received_before=at(30))
    assert [e.message_id for e in in_range] == ["<m20@x>", "<m10@x>"]
    assert [e.message_id for e in store.list_emails(limit=2)] == ["<m30@x>", "<m20@x>"]
    assert store.list_emails(limit=0) == []
    assert store.list_emails(received_from=at(31)) == []


def test_thread_emails_are_listed_newest_first_within_the_limit(store: Store) -> None:
    store.insert_email(make_email("<a@x>", thread_id="t1", received_at=at(0)))
    newest = make_email("<b@x>", thread_id="t1", received_at=at(30))
    store.insert_email(newest)
    store.insert_email(make_email("<c@x>", thread_id="t1", received_at=at(10)))
    store.insert_email(make_email("<d@x>", thread_id="t2", received_at=at(20)))
    listed = store.list_thread_emails("t1")
    assert [email.message_id for email in listed] == ["<b@x>", "<c@x>", "<a@x>"]
    assert listed[0] == newest
    assert [e.message_id for e in store.list_thread_emails("t1", limit=2)] == ["<b@x>", "<c@x>"]
    assert store.list_thread_emails("t1", limit=0) == []
    assert store.list_thread_emails("nothing") == []


def test_emails_from_an_address_are_its_history_newest_first(store: Store) -> None:
    store.insert_email(make_email("<a@x>", from_address="anna@example.com", received_at=at(0)))
    store.insert_email(
        make_email("<b@x>", mailbox="sales", from_address="anna@example.com", received_at=at(9))
    )
    store.insert_email(make_email("<c@x>", from_address="bob@example.com", received_at=at(5)))
    listed = store.list_emails_from("anna@example.com")
    assert [email.message_id for email in listed] == ["<b@x>", "<a@x>"]
    assert listed[1].from_address == "anna@example.com"  # decrypted under a key
    assert [e.message_id for e in store.list_emails_from("Anna@Example.com")] == [
        "<b@x>",
        "<a@x>",
    ]
    assert [e.message_id for e in store.list_emails_from("anna@example.com", limit=1)] == ["<b@x>"]
    assert store.list_emails_from("anna@example.com", limit=0) == []
    assert store.list_emails_from("nobody@example.com") == []


def test_replies_to_lists_the_replies_recorded_for_given_emails(store: Store) -> None:
    store.reserve_outbox(make_outbox("reply:1", email_id="eml_1", created_at=at(0)))
    store.reserve_outbox(make_outbox("reply:2", email_id="eml_2", created_at=at(5)))
    store.reserve_outbox(make_outbox("reply:3", email_id="eml_3", created_at=at(7)))
    store.reserve_outbox(
        make_outbox("notify:1", kind=OutboxKind.NOTIFICATION, email_id="eml_1", created_at=at(9))
    )
    replies = store.replies_to(["eml_1", "eml_2", "eml_1"])
    assert [reply.idempotency_key for reply in replies] == ["reply:2", "reply:1"]
    assert replies[1] == make_outbox("reply:1", email_id="eml_1", created_at=at(0))
    assert store.replies_to([]) == []
