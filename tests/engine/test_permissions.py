"""Every operation of the service declares its permission once, and the declaration holds."""

from __future__ import annotations

import inspect
from typing import Any
from unittest.mock import MagicMock

import pytest

from engine.roles import Actor, Role
from engine.service import OPERATIONS, PERMISSIONS, MailroomService, PermissionDenied
from engine.service.permissions import requires

PUBLIC_OPERATIONS = sorted(
    name
    for name, member in inspect.getmembers(MailroomService)
    if not name.startswith("_") and inspect.isfunction(member)
)


def test_every_public_operation_declares_its_permission() -> None:
    assert sorted(OPERATIONS) == PUBLIC_OPERATIONS


def test_every_declared_action_is_in_the_permission_table() -> None:
    assert {action for action in OPERATIONS.values() if action} <= set(PERMISSIONS)


def test_admins_may_do_everything() -> None:
    assert all(Role.ADMIN in roles for roles in PERMISSIONS.values())


@pytest.mark.parametrize(
    ("operation", "role"),
    [
        (name, role)
        for name, action in sorted(OPERATIONS.items())
        if action is not None
        for role in Role
        if role not in PERMISSIONS[action]
    ],
)
def test_a_role_outside_the_action_is_refused_before_anything_is_read(
    operation: str, role: Role
) -> None:
    store = MagicMock()
    service = MailroomService(store)
    method: Any = getattr(service, operation)
    extra = len(inspect.signature(method).parameters) - 1  # after the actor
    arguments = [MagicMock() for _ in range(extra)]
    with pytest.raises(PermissionDenied):
        method(Actor("someone", role), *arguments)
    assert store.mock_calls == []


def test_an_unknown_action_cannot_be_declared() -> None:
    with pytest.raises(KeyError):
        requires("launch_rockets")
