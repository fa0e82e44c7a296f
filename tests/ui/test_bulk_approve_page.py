"""Approvals page, bulk approval: chosen by approval id, flagged drafts shown with their reasons
and never offered, a preview before anything is decided, and a result for every draft."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from streamlit.testing.v1 import AppTest

from engine.mail.inbound import accept_raw
from engine.models import Approval, ApprovalStatus
from engine.service import Actor, MailroomService, Role
from engine.store.base import Store
from providers.ai.base import Classification, DraftReply

MAILBOX = "support@mailroom.example"
SELECTION = "bulk-selected-0.85"


def _waiting(store: Store, name: str, **classification: object) -> Approval:
    """A pending approval on a stored email from ``name``, with a confident draft."""
    message = EmailMessage()
    message["From"] = f"{name} <{name}@customer.example>"
    message["To"] = MAILBOX
    message["Subject"] = f"Question from {name}"
    message["Message-ID"] = f"<{name}@customer.example>"
    message.set_content(f"Hello, this is {name}. Where is my order?")
    outcome = accept_raw(store, message.as_bytes(), mailbox=MAILBOX, source="test")
    assert outcome.email_id is not None
    fields: dict[str, object] = {
        "category": "shipping",
        "category_confidence": 0.95,
        "priority": "normal",
        "priority_confidence": 0.9,
        "sentiment": "neutral",
        "sentiment_confidence": 0.9,
        "language": "en",
        "language_confidence": 0.9,
        "provider": "p",
        "model": "m",
        **classification,
    }
    approval = Approval(
        approval_id=f"apr-{name}",
        execution_id=f"exe-{name}",
        workflow_id="wf",
        node_id="approval",
        email_id=outcome.email_id,
        classification=Classification.model_validate(fields),
        draft=DraftReply(
            subject=f"Re: Question from {name}",
            body=f"Hello {name},\n\nYour parcel is on its way.",
            confidence=0.99,
            provider="p",
            model="m",
        ),
    )
    return store.create_approval(approval)


def _queue(store: Store) -> dict[str, Approval]:
    clean = [_waiting(store, name) for name in ("ada", "ben", "cy")]
    injected = _waiting(
        store,
        "eve",
        needs_review=True,
        review_reasons=["tries to instruct the model: ignore previous instructions"],
    )
    angry = _waiting(
        store,
        "max",
        sentiment="negative",
        frustration=0.9,
        needs_review=True,
        review_reasons=["angry customer: frustration 0.90"],
    )
    return {a.approval_id: a for a in [*clean, injected, angry]}


def test_flagged_drafts_are_shown_with_their_reasons_and_never_offered(
    store: Store, open_page: Callable[..., AppTest]
) -> None:
    _queue(store)
    at = open_page("approvals", user="bea")
    assert not at.exception
    selection = at.multiselect(key=SELECTION)
    assert set(selection.options) == {
        selection.format_func("apr-ada"),
        selection.format_func("apr-ben"),
        selection.format_func("apr-cy"),
    }
    assert sorted(selection.value) == ["apr-ada", "apr-ben", "apr-cy"]
    [held] = [md.value for md in at.markdown if "needs a person:" in md.value]
    lines = held.splitlines()
    assert len(lines) == 2
    assert any("eve" in line and "ignore previous instructions" in line for line in lines)
    assert any("max" in line and "angry customer" in line for line in lines)
    assert any("2 confident drafts need a person" in md.value for md in at.markdown)


def test_bulk_approval_is_previewed_confirmed_and_reported_draft_by_draft(
    store: Store, open_page: Callable[..., AppTest]
) -> None:
    _queue(store)
    at = open_page("approvals", user="bea")
    at.multiselect(key=SELECTION).set_value(["apr-ada", "apr-ben"]).run()
    assert not [b for b in at.button if b.key == "bulk-approve"], "no approval before a preview"
    at.button(key="bulk-preview-button").click().run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert [("ada" in d, "ben" in d) for d in preview["draft"]] == [(True, False), (False, True)]
    assert all("Your parcel is on its way." in text for text in preview["reply begins"])
    # Nothing is decided by the preview.
    assert store.count_approvals(ApprovalStatus.PENDING) == 5

    # Meanwhile a colleague rejects one of them: it is refused and reported, not skipped.
    MailroomService(store).reject(Actor("maria", Role.MANAGER), "apr-ben", "wrong customer")
    at.button(key="bulk-approve").click().run()
    assert not at.exception
    assert any("Approved 1 draft;" in s.value for s in at.success)
    assert any("1 of 2 drafts were not approved" in w.value for w in at.warning)
    report = at.dataframe[0].value
    outcome = dict(
        zip(report["approval"], zip(report["result"], report["reason"], strict=True), strict=True)
    )
    assert outcome["apr-ada"] == ("approved", "queued to send")
    assert outcome["apr-ben"][0] == "refused" and "already rejected" in outcome["apr-ben"][1]
    stored = {a: store.get_approval(a) for a in ("apr-ada", "apr-cy", "apr-eve", "apr-max")}
    assert {a: approval.status for a, approval in stored.items() if approval} == {
        "apr-ada": ApprovalStatus.APPROVED,
        "apr-cy": ApprovalStatus.PENDING,
        "apr-eve": ApprovalStatus.PENDING,
        "apr-max": ApprovalStatus.PENDING,
    }


def test_changing_the_selection_or_cancelling_drops_the_preview(
    store: Store, open_page: Callable[..., AppTest]
) -> None:
    _queue(store)
    at = open_page("approvals", user="bea")
    at.button(key="bulk-preview-button").click().run()
    assert [b for b in at.button if b.key == "bulk-approve"]
    at.multiselect(key=SELECTION).set_value(["apr-cy"]).run()
    assert not [b for b in at.button if b.key == "bulk-approve"]
    at.button(key="bulk-preview-button").click().run()
    at.button(key="bulk-cancel").click().run()
    assert not [b for b in at.button if b.key == "bulk-approve"]
    assert store.count_approvals(ApprovalStatus.PENDING) == 5
