"""The approval queue through the service: a page and the total, filters in the page's words
("me", "nobody", the SLA by the service's clock), bad input refused, and saved views per person,
audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.models import Email
from engine.service import (
    ME,
    UNASSIGNED,
    Actor,
    ControlRefused,
    MailroomService,
    NotFound,
    QueueFilters,
    Role,
    SlaState,
)
from engine.store.base import Store
from tests.engine.store.test_contract import make_approval, make_email

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BEA = Actor("bea", Role.AGENT)
KIM = Actor("kim", Role.MANAGER)
ANN = Actor("ann", Role.ANALYST)


def seed(store: Store, count: int) -> list[str]:
    """``count`` pending drafts from customer0..N, due 10 minutes apart from an hour ago; every
    third one assigned to bea, every fifth to kim."""
    ids = []
    for n in range(count):
        email: Email = make_email(
            f"<q{n}@example.com>",
            from_address=f"customer{n}@shop{n}.example",
            from_name=f"Customer {n}",
            subject=f"Question number {n}",
            body_text=f"My order Z{n:04d} has not arrived.",
            received_at=NOW - timedelta(hours=2) + timedelta(minutes=n),
        )
        store.insert_email(email)
        assignee = "bea" if n % 3 == 0 else "kim" if n % 5 == 0 else None
        approval = make_approval(
            f"exe_{n}",
            email_id=email.email_id,
            created_at=email.received_at,
            due_at=NOW - timedelta(hours=1) + timedelta(minutes=10 * n),
            assigned_to=assignee,
        )
        ids.append(store.create_approval(approval).approval_id)
    return ids


@pytest.fixture
def service(store: Store) -> MailroomService:
    return MailroomService(store, clock=lambda: NOW)


def test_a_page_and_the_total(service: MailroomService, store: Store) -> None:
    ids = seed(store, 30)
    first = service.queue_page(BEA, per_page=10)
    assert (first.total, first.page, first.pages) == (30, 1, 3)
    pages = [service.queue_page(BEA, page=n, per_page=10).items for n in (1, 2, 3)]
    assert [a.approval_id for page in pages for a in page] == ids  # by due time
    # Past the end (drafts decided meanwhile): the last page.
    late = service.queue_page(BEA, page=9, per_page=10)
    assert late.page == 3 and [a.approval_id for a in late.items] == ids[20:]


def test_filters_in_the_pages_words(service: MailroomService, store: Store) -> None:
    ids = seed(store, 30)
    mine = service.queue_page(BEA, QueueFilters(assignee=ME), per_page=100)
    assert [a.approval_id for a in mine.items] == ids[::3]
    assert service.queue_page(KIM, QueueFilters(assignee=ME)).total == 4  # 5, 10, 20, 25
    nobody = service.queue_page(BEA, QueueFilters(assignee=UNASSIGNED), per_page=100)
    assert nobody.total == 30 - 10 - 4
    assert all(a.assigned_to is None for a in nobody.items)
    # Due from an hour ago every 10 minutes: 0..5 are overdue at NOW, 6..11 due within the hour.
    overdue = service.queue_page(BEA, QueueFilters(sla=SlaState.OVERDUE))
    assert [a.approval_id for a in overdue.items] == ids[:6]
    assert service.queue_page(BEA, QueueFilters(sla=SlaState.DUE_SOON)).total == 6
    assert service.queue_page(BEA, QueueFilters(sla=SlaState.ON_TIME)).total == 18
    found = service.queue_page(BEA, QueueFilters(search="  customer17@shop17.example "))
    assert [a.approval_id for a in found.items] == [ids[17]]
    assert service.queue_page(BEA, QueueFilters(search="Z0023")).total == 1


@pytest.mark.parametrize(
    ("filters", "page", "per_page", "message"),
    [
        (QueueFilters(), 0, 25, "starts at 1"),
        (QueueFilters(), 1, 500, "1 to 100"),
        (QueueFilters(priority="soonish"), 1, 25, "priority must be one of"),
        (QueueFilters(reason="bored"), 1, 25, "reason must be one of"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    service: MailroomService, filters: QueueFilters, page: int, per_page: int, message: str
) -> None:
    with pytest.raises(ControlRefused, match=message):
        service.queue_page(BEA, filters, page=page, per_page=per_page)


def test_saved_views_are_per_person_and_audited(service: MailroomService, store: Store) -> None:
    urgent = QueueFilters(priority="urgent", sla=SlaState.OVERDUE)
    service.save_view(BEA, "  Overdue   urgent ", urgent)
    service.save_view(BEA, "Mine", QueueFilters(assignee=ME))
    assert [v.name for v in service.saved_views(BEA)] == ["Mine", "Overdue urgent"]
    assert service.saved_views(BEA)[1].filters == urgent
    assert service.saved_views(KIM) == []

    # The same name replaces the view.
    service.save_view(BEA, "Mine", QueueFilters(assignee=ME, search="refund"))
    assert [v.filters.search for v in service.saved_views(BEA)] == ["refund", ""]
    service.delete_view(BEA, "Overdue urgent")
    assert [v.name for v in service.saved_views(BEA)] == ["Mine"]
    with pytest.raises(NotFound):
        service.delete_view(BEA, "Overdue urgent")
    with pytest.raises(NotFound):
        service.delete_view(KIM, "Mine")  # bea's, not kim's

    audit = [(e.actor, e.action, e.target) for e in reversed(store.list_audit())]
    assert audit == [
        ("bea", "save_queue_view", "queue-view:bea:Overdue urgent"),
        ("bea", "save_queue_view", "queue-view:bea:Mine"),
        ("bea", "save_queue_view", "queue-view:bea:Mine"),
        ("bea", "delete_queue_view", "queue-view:bea:Overdue urgent"),
    ]
    replaced = [e for e in store.list_audit() if e.before is not None and e.after is not None]
    assert replaced[0].before == QueueFilters(assignee=ME).model_dump(mode="json")


def test_a_view_needs_a_name_and_a_role_that_works_the_queue(service: MailroomService) -> None:
    with pytest.raises(ControlRefused, match="name"):
        service.save_view(BEA, "   ", QueueFilters())
    with pytest.raises(ControlRefused, match="at most"):
        service.save_view(BEA, "x" * 61, QueueFilters())
    with pytest.raises(PermissionError):
        service.save_view(ANN, "Mine", QueueFilters())
    assert service.queue_page(ANN).total == 0  # reading the queue is a view, like the list


def test_a_stored_list_this_version_cannot_read_is_started_again(
    service: MailroomService, store: Store
) -> None:
    store.set_cursor("approval-views:bea", '{"views": [{"name": 3}]}')
    assert service.saved_views(BEA) == []
    service.save_view(BEA, "Mine", QueueFilters(assignee=ME))
    assert [v.name for v in service.saved_views(BEA)] == ["Mine"]


def test_every_one_of_500_drafts_is_found_by_its_customer(
    service: MailroomService, store: Store
) -> None:
    ids = seed(store, 500)
    assert service.queue_page(BEA).total == 500
    for n, approval_id in enumerate(ids):
        found = service.queue_page(BEA, QueueFilters(search=f"customer{n}@shop{n}.example"))
        assert [a.approval_id for a in found.items] == [approval_id]
