"""Two people on one draft: each sees who else has it open, and the one who decides second is
told who decided first and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.service import Actor, Conflict, MailroomService, Role
from engine.store.base import Store
from tests.engine.store.test_contract import make_approval, make_email

BEA = Actor("bea", Role.AGENT)
MARIA = Actor("maria", Role.MANAGER)
ANN = Actor("ann", Role.ANALYST)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(store: Store, clock: Clock) -> MailroomService:
    return MailroomService(store, clock=clock)


@pytest.fixture
def approval_id(store: Store) -> str:
    email = make_email()
    store.insert_email(email)
    return store.create_approval(make_approval(email_id=email.email_id)).approval_id


def test_each_sees_who_else_has_the_draft_open(
    service: MailroomService, clock: Clock, approval_id: str
) -> None:
    assert service.viewing(BEA, approval_id) == {}
    clock.now += timedelta(seconds=5)
    assert service.viewing(MARIA, approval_id) == {"bea": clock.now - timedelta(seconds=5)}
    assert service.viewing(BEA, approval_id) == {"maria": clock.now}
    assert service.viewing(ANN, approval_id).keys() == {"bea", "maria"}  # a view, like the list
    # A page that stopped saying so (closed, moved on) drops out after the window.
    clock.now += timedelta(seconds=31)
    assert service.viewing(BEA, approval_id) == {}
    assert service.viewing(MARIA, "apr_other") == {}


def test_the_second_decision_is_told_who_decided_first_and_when(
    service: MailroomService, clock: Clock, approval_id: str
) -> None:
    service.approve(MARIA, approval_id)
    clock.now += timedelta(minutes=1)
    with pytest.raises(Conflict, match=r"already approved by maria at 09:00:00 UTC"):
        service.approve(BEA, approval_id, body="My edited reply.")
    with pytest.raises(Conflict, match="already approved by maria"):
        service.reject(BEA, approval_id, "wrong")
    stored = service.get_approval(BEA, approval_id)
    assert stored is not None and stored.decided_by == "maria"
    assert stored.final_body == stored.draft.body  # the first decision stands
