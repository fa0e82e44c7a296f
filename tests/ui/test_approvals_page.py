"""Approvals page: the queue, the email beside its draft, approve and reject."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.models import Approval, ApprovalStatus
from engine.roles import Actor, Role
from engine.service import ME, MailroomService
from engine.worker import Worker
from providers.ai.base import Classification, DraftReply
from ui.approvals import bulk_candidates, by_urgency, sanitised_html

CLASSIFICATION = Classification(
    category="billing",
    category_confidence=0.9,
    priority="normal",
    priority_confidence=0.9,
    sentiment="neutral",
    sentiment_confidence=0.9,
    language="en",
    language_confidence=0.9,
    provider="p",
    model="m",
)


def test_empty_queue_says_nothing_is_waiting(open_page: Callable[..., AppTest]) -> None:
    at = open_page("approvals")
    assert not at.exception
    assert any("Nothing waiting" in info.value for info in at.info)


def test_shows_the_most_urgent_draft_beside_its_email(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
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
    # The priority is shown with the reasons the rules gave for it.
    reasons = first.classification.priority_reasons
    assert classification["value"].iloc[1].startswith(first.classification.priority)
    assert all(reason in classification["value"].iloc[1] for reason in reasons)
    # The draft links to its execution (which links back to the draft).
    link = f"/executions?execution={first.execution_id}"
    assert any(link in markdown.value for markdown in at.markdown)


def test_approve_and_send_decides_and_moves_to_the_next(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
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
    # The agent sees it went out.
    at.run()
    sent = at.dataframe[-1].value
    assert list(sent["status"]) == ["sent"]
    assert sent["subject"].iloc[0].endswith(first.draft.subject.removeprefix("Re: "))


def test_reject_needs_a_reason(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
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
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
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


def test_confident_drafts_are_approved_in_bulk(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("approvals", user="bea")
    at.slider(key="bulk-threshold").set_value(0.5).run()
    expected = [
        a.approval_id
        for a in bulk_candidates(service.store.list_approvals(), 0.5)
        if not service.held_for_person(Actor("bea", Role.AGENT), a)
    ]
    assert expected, "the demo drafts are confident enough to test bulk approval"
    assert sorted(at.multiselect(key="bulk-selected-0.5").value) == sorted(expected)
    at.button(key="bulk-preview-button").click().run()
    at.button(key="bulk-approve").click().run()
    assert not at.exception
    assert any(f"Approved {len(expected)} draft" in s.value for s in at.success)
    for approval_id in expected:
        decided = service.store.get_approval(approval_id)
        assert decided is not None and decided.status == ApprovalStatus.APPROVED
        assert decided.decided_by == "bea" and not decided.edited


def test_reassign_and_next(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("approvals", user="bea")
    first, second = by_urgency(service.store.list_approvals())
    options = at.selectbox(key=f"assign-{first.approval_id}").options
    assert options == ["anyone (the whole queue)", "alice", "bea", "maria"]
    at.button(key="approvals-next").click().run()
    assert at.text_area(key=f"body-{second.approval_id}").value == second.draft.body

    at.selectbox(key=f"assign-{second.approval_id}").set_value("maria")
    at.button(key=f"reassign-{second.approval_id}").click().run()
    assert not at.exception
    stored = service.store.get_approval(second.approval_id)
    assert stored is not None and stored.assigned_to == "maria"
    assert any("Reassigned to maria" in s.value for s in at.success)

    # Maria can choose to see only hers (the assignee filter's "me").
    at = open_page("approvals", user="maria")
    at.selectbox(key="queue-assignee").set_value(ME).run()
    assert [b.key for b in at.button if b.key and b.key.startswith("open-")] == [
        f"open-{second.approval_id}"
    ]
    assert at.text_input(key=f"subject-{second.approval_id}").value == second.draft.subject


def test_the_queue_is_ordered_by_priority_then_time_left() -> None:
    def approval(aid: str, rank: int, due_minutes: int | None) -> Approval:
        base = datetime(2024, 5, 1, tzinfo=UTC)
        return Approval(
            approval_id=aid,
            execution_id=aid,
            workflow_id="wf",
            node_id="approval",
            email_id="e",
            priority_rank=rank,
            due_at=None if due_minutes is None else base + timedelta(minutes=due_minutes),
            classification=CLASSIFICATION,
            draft=DraftReply(subject="s", body="b", confidence=0.9, provider="p", model="m"),
        )

    queue = [approval("late", 2, 90), approval("none", 2, None), approval("soon", 2, 10)]
    queue.append(approval("urgent", 0, 500))
    assert [a.approval_id for a in by_urgency(queue)] == ["urgent", "soon", "late", "none"]


def test_email_html_is_sanitised_and_never_read_as_a_file() -> None:
    cleaned = sanitised_html(
        '<p onclick="steal()">Hi<script>alert(1)</script><img src="https://t.example/p.gif">'
        '<a href="javascript:alert(1)">x</a><a href="https://ok.example">y</a></p>'
    )
    assert "script" not in cleaned and "onclick" not in cleaned and "<img" not in cleaned
    assert "javascript:" not in cleaned
    assert 'href="https://ok.example"' in cleaned
    assert sanitised_html("pyproject.toml").startswith("<div")


def test_an_agent_corrects_category_and_priority_and_the_queue_follows(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("approvals")
    first = service.store.list_approvals()[0]
    aid = first.approval_id
    other_category = next(
        o for o in at.selectbox(key=f"category-{aid}").options if o != first.classification.category
    )
    other_priority = "urgent" if first.priority != "urgent" else "low"
    at.selectbox(key=f"category-{aid}").set_value(other_category)
    at.selectbox(key=f"priority-{aid}").set_value(other_priority)
    at.button(key=f"save-correction-{aid}").click().run()
    assert not at.exception
    assert len(at.success) == 2, [s.value for s in at.success]
    [correction] = service.store.list_corrections()
    assert (correction.approval_id, correction.corrected_category) == (aid, other_category)
    corrected = service.store.get_approval(aid)
    assert corrected is not None and corrected.priority == other_priority
    email = service.store.get_email(first.email_id)
    assert email is not None and corrected.due_at is not None
    hours = (corrected.due_at - email.received_at).total_seconds() / 3600
    assert hours == (1.0 if other_priority == "urgent" else 4.0)
    actions = [entry.action for entry in service.store.list_audit()[:2]]
    assert sorted(actions) == ["correct_category", "correct_priority"]
