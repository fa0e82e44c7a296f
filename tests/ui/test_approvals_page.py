"""Approvals page: the queue, the email beside its draft, approve and reject."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.models import ApprovalStatus
from engine.roles import Role
from engine.service import MailroomService
from engine.worker import Worker


def test_empty_queue_says_nothing_is_waiting(open_page: Callable[[str], AppTest]) -> None:
    at = open_page("approvals")
    assert not at.exception
    assert any("Nothing waiting" in info.value for info in at.info)


def test_shows_the_most_urgent_draft_beside_its_email(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[[str], AppTest]
) -> None:
    at = open_page("approvals")
    assert not at.exception
    first = service.store.list_approvals()[0]
    email = service.store.get_email(first.email_id)
    assert email is not None
    assert at.text_input(key=f"subject-{first.approval_id}").value == first.draft.subject
    assert at.text_area(key=f"body-{first.approval_id}").value == first.draft.body
    # The body is shown as plain text, exactly as received.
    assert email.body_text.strip() in [text.value.strip() for text in at.text]
    classification = at.dataframe[0].value
    assert classification["value"].iloc[0] == first.classification.category


def test_approve_and_send_decides_and_moves_to_the_next(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[[str], AppTest]
) -> None:
    at = open_page("approvals")
    first, second = service.store.list_approvals()
    edited = first.draft.body + "\n\nKind regards, Alice"
    at.text_area(key=f"body-{first.approval_id}").set_value(edited)
    at.button(key=f"approve-{first.approval_id}").click().run()
    assert not at.exception

    decided = service.store.get_approval(first.approval_id)
    assert decided is not None
    assert decided.status == ApprovalStatus.APPROVED
    assert decided.decided_by == "alice"
    assert decided.final_body == edited and decided.edited
    assert any("Approved" in success.value for success in at.success)
    # The next item is open.
    assert at.text_area(key=f"body-{second.approval_id}").value == second.draft.body

    assert service.status_summary()["replies_sent"] == 0  # the page only decides
    waiting_for_approval.run_pending()
    assert service.status_summary()["replies_sent"] == 1


def test_reject_needs_a_reason(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[[str], AppTest]
) -> None:
    at = open_page("approvals")
    first = service.store.list_approvals()[0]
    at.button(key=f"reject-{first.approval_id}").click().run()
    assert not at.exception
    assert any("give a reason" in warning.value for warning in at.warning)
    pending = service.store.get_approval(first.approval_id)
    assert pending is not None and pending.status == ApprovalStatus.PENDING

    at.text_input(key=f"reason-{first.approval_id}").input("wrong category")
    at.button(key=f"reject-{first.approval_id}").click().run()
    rejected = service.store.get_approval(first.approval_id)
    assert rejected is not None
    assert rejected.status == ApprovalStatus.REJECTED
    assert rejected.reason == "wrong category"
    assert service.status_summary()["approvals_pending"] == 1


def test_open_picks_another_item(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[[str], AppTest]
) -> None:
    at = open_page("approvals")
    second = service.store.list_approvals()[1]
    at.button(key=f"open-{second.approval_id}").click().run()
    assert not at.exception
    assert at.text_input(key=f"subject-{second.approval_id}").value == second.draft.subject


def test_a_role_taken_away_while_the_page_is_open_decides_nothing(
    waiting_for_approval: Worker,
    service: MailroomService,
    open_page: Callable[..., AppTest],
    accounts: AccountBook,
) -> None:
    at = open_page("approvals", user="bea")
    first = service.store.list_approvals()[0]
    accounts.set_role("bea", Role.ANALYST)
    at.button(key=f"approve-{first.approval_id}").click().run()
    assert not at.exception
    assert any("not part of the analyst role" in error.value for error in at.error)
    pending = service.store.get_approval(first.approval_id)
    assert pending is not None and pending.status == ApprovalStatus.PENDING
