"""Every message of the corpus through the inbound path, with its expected outcome."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.mail.inbound import Outcome, accept_raw
from engine.models import Email
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore
from providers.email.parsing import synthetic_message_id
from tests.ingest.corpus import CASES, Case

MAILBOX = "support@mailroom.example"


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Outcome, Email | None]]]:
    """The whole corpus ingested once, in order (replies follow their thread)."""
    store = SQLiteStore(tmp_path_factory.mktemp("corpus") / "mailroom.db")
    store.setup()
    results: dict[str, tuple[Outcome, Email | None]] = {}
    for case in CASES:
        outcome = accept_raw(store, case.raw, mailbox=MAILBOX, source="ingest", origin=case.name)
        email = store.get_email(outcome.email_id) if outcome.email_id else None
        results[case.name] = (outcome, email)
    yield results
    store.close()


def test_the_corpus_is_big_enough_and_names_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


def _check(case: Case, outcome: Outcome, email: Email | None, results: dict[str, Any]) -> None:
    expect = case.expect
    assert outcome.status == expect["status"], (case.name, outcome)
    if outcome.status == "quarantined":
        assert email is None and outcome.reason
        if "reason" in expect:
            assert expect["reason"] in outcome.reason, (case.name, outcome.reason)
        return
    assert email is not None
    if "auto" in expect:
        if expect["auto"] is None:
            assert email.auto_reply is None, (case.name, email.auto_reply)
        else:
            assert (email.auto_reply or "").startswith(expect["auto"]), (
                case.name,
                email.auto_reply,
            )
    if "text" in expect:
        assert expect["text"] in email.body_text, (case.name, email.body_text)
    if "text_equals" in expect:
        assert email.body_text == expect["text_equals"]
    if "not_text" in expect:
        assert expect["not_text"] not in email.body_text, case.name
    if "classify_not" in expect:
        assert expect["classify_not"] in email.body_text, case.name  # the full text keeps it
        assert expect["classify_not"] not in email.text_for_classification, (
            case.name,
            email.text_for_classification,
        )
        assert email.text_for_classification.strip()
    if "html" in expect:
        assert expect["html"] in (email.body_html or "")
    for forbidden in expect.get("html_not", []):
        assert forbidden not in (email.body_html or ""), (case.name, forbidden, email.body_html)
    if "subject" in expect:
        assert email.subject == expect["subject"]
    if "from_name" in expect:
        assert email.from_name == expect["from_name"]
    if "attachments" in expect:
        found = [(a.filename, a.content_type, a.size_bytes) for a in email.attachments]
        assert found == expect["attachments"], case.name
    if "attachment_count" in expect:
        assert len(email.attachments) == expect["attachment_count"]
    if "message_id" in expect:
        assert email.message_id == expect["message_id"]
    if expect.get("synthetic_id"):
        assert email.message_id == synthetic_message_id(case.raw)
    if "thread_of" in expect:
        parent = results[expect["thread_of"]][1]
        assert parent is not None and email.thread_id == parent.thread_id, case.name
    if expect.get("new_thread"):
        earlier = [c.name for c in CASES[: CASES.index(case)]]
        others = [results[name][1] for name in earlier]
        assert all(other.thread_id != email.thread_id for other in others if other is not None)
    assert "\x00" not in email.body_text


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_message_reaches_its_expected_outcome(
    case: Case, outcomes: dict[str, tuple[Outcome, Email | None]]
) -> None:
    outcome, email = outcomes[case.name]
    _check(case, outcome, email, outcomes)


def test_the_same_bytes_again_are_duplicates_or_already_quarantined(store: Store) -> None:
    first = [accept_raw(store, c.raw, mailbox=MAILBOX, source="ingest") for c in CASES]
    quarantined = store.count_quarantine()
    emails = store.count_emails()
    again = [accept_raw(store, c.raw, mailbox=MAILBOX, source="ingest") for c in CASES]
    assert [o.status for o in again] == [
        "quarantined" if o.status == "quarantined" else "duplicate" for o in first
    ]
    assert store.count_quarantine() == quarantined
    assert store.count_emails() == emails
    assert quarantined == sum(c.expect["status"] == "quarantined" for c in CASES)


def test_a_quarantined_message_keeps_its_reason_and_bytes(store: Store) -> None:
    import base64

    raw = b"To: x@y.example\n\nno sender\n"
    accept_raw(store, raw, mailbox=MAILBOX, source="imap", origin="uid 9")
    (item,) = store.list_quarantine()
    assert base64.b64decode(item.raw_base64) == raw
    assert "no sender" in item.reason and item.origin == "uid 9" and item.source == "imap"


def test_one_message_in_two_mailboxes_is_stored_in_each_once(store: Store) -> None:
    raw = CASES[0].raw
    assert accept_raw(store, raw, mailbox="a@x.example", source="imap").status == "ingested"
    assert accept_raw(store, raw, mailbox="b@x.example", source="imap").status == "ingested"
    assert accept_raw(store, raw, mailbox="b@x.example", source="imap").status == "duplicate"
    assert accept_raw(store, raw, mailbox="a@x.example", source="imap").status == "duplicate"
