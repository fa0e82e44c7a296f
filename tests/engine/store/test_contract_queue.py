"""The approval queue's query (``Store.queue_page``) on every backend, in clear and encrypted:
filters, search over subject, customer and text, the three orders, paging and the total."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.models import ApprovalStatus, CustomerRecords, Email
from engine.store.base import Store
from engine.store.mongo import MongoStore
from engine.store.ports.approvals import QueueOrder, QueueQuery, SlaState
from engine.store.sqlite import SQLiteStore
from tests.engine.store.test_contract import T0, at, make_approval, make_email

CUSTOMERS = [
    ("ana@alpha.example", "Ana Lima", "Refund for order 1001", "I was charged twice.", "billing"),
    ("bo@beta.example", "Bo Chen", "Cannot log in", "The password reset never arrives.", "account"),
    (
        "cy@gamma.example",
        "Cy Diaz",
        "Where is my parcel",
        "Tracking shows nothing since Monday.",
        "shipping",
    ),
    ("di@delta.example", "Di Evans", "Refund please", "The blender arrived broken.", "billing"),
    (
        "ed@epsilon.example",
        "Ed Fox",
        "Invoice copy",
        "Please send the invoice for March.",
        "billing",
    ),
    ("flo@zeta.example", "Flo Gray", "Account locked", "Locked out after three tries.", "account"),
    ("gus@eta.example", "Gus Hale", "Wrong size", "I want to exchange the shoes.", "returns"),
]


def seed(store: Store, **overrides: Any) -> list[str]:
    """One email and one pending approval per customer; ``overrides[address]``: approval fields."""
    ids = []
    for index, (address, name, subject, text, category) in enumerate(CUSTOMERS):
        email = make_email(
            f"<m{index}@example.com>",
            from_address=address,
            from_name=name,
            subject=subject,
            body_text=text,
            received_at=at(index),
        )
        store.insert_email(email)
        base = make_approval(f"exe_{index}", email_id=email.email_id, created_at=at(index))
        fields: dict[str, Any] = {
            "classification": base.classification.model_copy(
                update={"category": category, "sentiment": "neutral"}
            ),
            "due_at": at(60 + index * 30),
            "priority": "normal",
            "priority_rank": 2,
        } | overrides.get(address, {})
        ids.append(store.create_approval(base.model_copy(update=fields)).approval_id)
    return ids


def page_ids(store: Store, **query: Any) -> list[str]:
    return [a.approval_id for a in store.queue_page(QueueQuery(**query)).items]


def total(store: Store, **query: Any) -> int:
    return store.queue_page(QueueQuery(**query)).total


def test_pages_cover_the_queue_once_in_urgency_order_with_the_total(store: Store) -> None:
    ids = seed(store, **{"gus@eta.example": {"priority": "urgent", "priority_rank": 0}})
    pages = [store.queue_page(QueueQuery(limit=3, offset=offset)) for offset in (0, 3, 6)]
    assert [page.total for page in pages] == [7, 7, 7]
    assert [len(page.items) for page in pages] == [3, 3, 1]
    seen = [a.approval_id for page in pages for a in page.items]
    # The urgent one first, then by due time (which follows the seeding order).
    assert seen == [ids[6], *ids[:6]]
    assert store.queue_page(QueueQuery(offset=7)).items == []


def test_search_finds_by_customer_address_name_subject_and_text(store: Store) -> None:
    ids = seed(store)
    assert page_ids(store, search="di@delta.example") == [ids[3]]
    assert page_ids(store, search="Bo Chen") == [ids[1]]
    assert page_ids(store, search="PARCEL") == [ids[2]]
    assert page_ids(store, search="blender") == [ids[3]]
    assert page_ids(store, search="refund") == [ids[0], ids[3]]
    assert page_ids(store, search="refund blender") == [ids[3]]
    assert page_ids(store, search="nobody-wrote-this") == []
    assert total(store, search="refund") == 2


def test_search_in_clear_matches_part_of_a_word(store: Store) -> None:
    if store.cipher is not None:
        pytest.skip("with a key only whole words are kept (as hashes)")
    ids = seed(store)
    assert page_ids(store, search="delta.exam") == [ids[3]]
    assert page_ids(store, search="blend") == [ids[3]]


def test_encrypted_queue_holds_no_customer_words_in_clear(store: Store) -> None:
    if store.cipher is None:
        pytest.skip("only with a key")
    seed(store)
    if isinstance(store, SQLiteStore):
        with store._locked() as db:
            raw = " ".join(str(row) for row in db.execute("SELECT * FROM approvals"))
    else:
        assert isinstance(store, MongoStore)
        raw = " ".join(str(doc) for doc in store._approvals.find({}))
    for word in ("ana@alpha", "Lima", "blender", "parcel", "charged"):
        assert word not in raw


def test_filters_narrow_the_queue_and_combine(store: Store) -> None:
    unsure = {"category_confidence": 0.2, "category": "account", "sentiment": "neutral"}
    ids = seed(
        store,
        **{
            "bo@beta.example": {"assigned_to": "kim", "priority": "high", "priority_rank": 1},
            "flo@zeta.example": {
                "classification": make_approval().classification.model_copy(update=unsure)
            },
            "cy@gamma.example": {
                "classification": make_approval().classification.model_copy(
                    update={
                        "category": "shipping",
                        "needs_review": True,
                        "review_reasons": ["tries to instruct the model: ignore previous"],
                    }
                )
            },
        },
    )
    assert page_ids(store, category="billing") == [ids[0], ids[3], ids[4]]
    assert page_ids(store, priority="high") == [ids[1]]
    assert page_ids(store, assignee="kim") == [ids[1]]
    assert total(store, unassigned=True) == 6
    assert page_ids(store, held=True) == [ids[2], ids[5]]
    assert total(store, held=False) == 5
    assert page_ids(store, reason="low confidence") == [ids[5]]
    assert page_ids(store, reason="prompt injection") == [ids[2]]
    # Today's thresholds decide as held_reasons does: at 0.1 the unsure one is not held.
    assert page_ids(store, held=True, min_confidence=0.1) == [ids[2]]
    assert page_ids(store, category="account", unassigned=True) == [ids[5]]
    assert page_ids(store, category="billing", search="refund") == [ids[0], ids[3]]


def test_sla_states_split_the_queue_by_due_time(store: Store) -> None:
    ids = seed(store, **{"gus@eta.example": {"due_at": None}})
    # Due at 60, 90, 120, 150, 180, 210 minutes and one without a due time.
    now = at(100)
    window = timedelta(minutes=60)
    assert page_ids(store, sla=SlaState.OVERDUE, now=now) == [ids[0], ids[1]]
    assert page_ids(store, sla=SlaState.DUE_SOON, now=now, due_soon=window) == [ids[2], ids[3]]
    assert page_ids(store, sla=SlaState.ON_TIME, now=now, due_soon=window) == ids[4:]


def test_orders_by_due_time_and_by_arrival(store: Store) -> None:
    ids = seed(
        store,
        **{
            "ana@alpha.example": {"due_at": at(1000), "priority": "urgent", "priority_rank": 0},
            "gus@eta.example": {"due_at": None},
        },
    )
    assert page_ids(store, order=QueueOrder.DUE) == [*ids[1:6], ids[0], ids[6]]
    assert page_ids(store, order=QueueOrder.RECEIVED) == ids[::-1]
    assert page_ids(store, order=QueueOrder.URGENCY)[0] == ids[0]


def test_the_queue_follows_reassignment_priority_and_decisions(store: Store) -> None:
    ids = seed(store)
    first = store.get_approval(ids[0])
    assert first is not None
    moved = first.model_copy(
        update={"assigned_to": "lee", "priority": "urgent", "priority_rank": 0, "due_at": at(5)}
    )
    assert store.update_pending_approval(moved)
    assert page_ids(store, assignee="lee") == [ids[0]]
    assert page_ids(store, sla=SlaState.OVERDUE, now=at(10)) == [ids[0]]
    assert page_ids(store, search="charged") == [ids[0]]  # the copied fields are kept
    second = store.get_approval(ids[1])
    assert second is not None
    decided = second.model_copy(
        update={"status": ApprovalStatus.APPROVED, "decided_at": at(9), "decided_by": "kim"}
    )
    assert store.decide_approval(decided)
    assert total(store) == 6
    assert page_ids(store, status=ApprovalStatus.APPROVED, search="password") == [ids[1]]
    assert total(store, status=None) == 7


def _forget_queue_fields(store: Store) -> None:
    if isinstance(store, SQLiteStore):
        with store._locked() as db:
            db.execute("UPDATE approvals SET queue_category = NULL, search = '', flags = ''")
    else:
        assert isinstance(store, MongoStore)
        store._approvals.update_many({}, {"$unset": {"queue": ""}})


def test_setup_fills_the_fields_of_approvals_stored_before_the_queue(store: Store) -> None:
    ids = seed(store)
    _forget_queue_fields(store)
    store.setup()
    assert page_ids(store, search="ed@epsilon.example") == [ids[4]]
    assert page_ids(store, category="returns") == [ids[6]]


def test_an_approval_whose_email_is_missing_is_found_by_its_draft(store: Store) -> None:
    approval = store.create_approval(make_approval(email_id="eml_gone", created_at=T0))
    assert page_ids(store, search="refund") == [approval.approval_id]


def test_an_email_with_no_subject_is_still_found_by_its_sender(store: Store) -> None:
    email: Email = make_email(from_address="quiet@example.org", subject="", body_text="")
    store.insert_email(email)
    approval = store.create_approval(make_approval(email_id=email.email_id))
    assert page_ids(store, search="quiet@example.org") == [approval.approval_id]


def test_search_takes_any_text_literally(store: Store) -> None:
    ids = seed(store)
    for text in ('"', 'refund"', "AND", "(order", "NEAR(x y)", "*", "bo OR cy", "-", "::"):
        store.queue_page(QueueQuery(search=text))  # no syntax error, whatever was typed
    # In clear the quotes are part of the text looked for; with a key only words count.
    quoted = [] if store.cipher is None else [ids[0], ids[3]]
    assert page_ids(store, search='"Refund"') == quoted
    assert page_ids(store, search="Bo") == [ids[1]]  # under three letters: no trigram


def test_an_erased_customer_is_no_longer_found(store: Store) -> None:
    ids = seed(store)
    found = store.find_customer("di@delta.example")
    erased = CustomerRecords(
        emails=[e.model_copy(update={"from_address": "", "body_text": ""}) for e in found.emails],
        approvals=[
            a.model_copy(update={"status": ApprovalStatus.REJECTED, "reason": "erased"})
            for a in found.approvals
        ],
    )
    store.erase_customer(erased, CustomerRecords())
    store.compact()
    for words in ("di@delta.example", "blender", "Evans"):
        assert page_ids(store, search=words, status=None) == []
    assert page_ids(store, search="refund", status=None) == [ids[0]]


def test_who_has_a_draft_open(store: Store) -> None:
    store.mark_viewing("apr_1", "bea", at(0), forget_before=at(-60))
    store.mark_viewing("apr_1", "kim", at(1), forget_before=at(-60))
    store.mark_viewing("apr_2", "kim", at(2), forget_before=at(-60))
    store.mark_viewing("apr_1", "bea", at(3), forget_before=at(-60))
    store.mark_viewing("apr_1", "bea", at(2), forget_before=at(-60))  # late: the latest stays
    assert store.list_viewers("apr_1", since=at(0)) == {"bea": at(3), "kim": at(1)}
    assert store.list_viewers("apr_1", since=at(2)) == {"bea": at(3)}
    assert store.list_viewers("apr_3", since=at(0)) == {}
    # Marks older than forget_before are dropped, whichever draft they were on.
    store.mark_viewing("apr_3", "lee", at(100), forget_before=at(2.5))
    assert store.list_viewers("apr_1", since=at(-100)) == {"bea": at(3)}
    assert store.list_viewers("apr_2", since=at(-100)) == {}
