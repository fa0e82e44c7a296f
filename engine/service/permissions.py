"""Who may do what: every operation's permission, declared once, next to the operation.

Each public operation of the service is decorated with :func:`requires` (naming an action of
:data:`PERMISSIONS`) or :func:`unrestricted` (saying why no role check applies). Both record the
operation in :data:`OPERATIONS`, which the tests enumerate: a role outside an action's set is
refused before the operation reads or writes anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from engine.roles import Actor, Role

EVERYONE = frozenset(Role)
PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": EVERYONE,
    "toggle_workflow": frozenset({Role.ADMIN, Role.MANAGER}),
    "control_execution": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "decide_approval": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "reassign_approval": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "merge_threads": frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
    "edit_workflow": frozenset({Role.ADMIN, Role.MANAGER}),
    "view_sources": frozenset({Role.ADMIN, Role.MANAGER}),
    "view_metrics": frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST}),
    # Where notifications went and how each attempt ended: for those who run the engine.
    "view_deliveries": frozenset({Role.ADMIN, Role.MANAGER}),
    "view_settings": frozenset({Role.ADMIN}),
    "manage_users": frozenset({Role.ADMIN}),
    # An API token acts with its role: making one is giving that role away.
    "manage_tokens": frozenset({Role.ADMIN}),
    "run_maintenance": frozenset({Role.ADMIN}),
    # A connection test reaches any host the caller names, with the settings' credentials.
    "test_connections": frozenset({Role.ADMIN, Role.MANAGER}),
    # A customer's data, the keys and the audit log (which holds drafts) are admins' only.
    "manage_privacy": frozenset({Role.ADMIN}),
}

#: Operation name → the action it requires, or None for an unrestricted operation.
OPERATIONS: dict[str, str | None] = {}

Operation = TypeVar("Operation", bound=Callable[..., Any])


class PermissionDenied(PermissionError):
    """The actor's role may not take this action."""

    def __init__(self, actor: Actor, action: str) -> None:
        super().__init__(f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}")
        self.actor = actor
        self.action = action


class ControlRefused(ValueError):
    """A control (pause, resume, cancel, retry, approve...) does not apply in the current state."""


class NotFound(ControlRefused):
    """The thing the operation names does not exist."""


class Conflict(ControlRefused):
    """The thing exists but its state says no: already decided, already there, changed since
    the caller read it."""


class TokenRefused(PermissionError):
    """An API token that does not authenticate: unknown, revoked or expired (the message says
    which, and never repeats the token)."""


def allowed(actor: Actor, action: str) -> bool:
    """Whether ``actor``'s role may take ``action``."""
    return actor.role in PERMISSIONS[action]


def requires(action: str) -> Callable[[Operation], Operation]:
    """Refuse the operation (``PermissionDenied``) unless its actor's role may take ``action``.

    The check runs when the operation is called, before anything else, generators included.
    """
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")

    def decorate(operation: Operation) -> Operation:
        @functools.wraps(operation)
        def checked(self: object, actor: Actor, *args: Any, **kwargs: Any) -> Any:
            if not allowed(actor, action):
                raise PermissionDenied(actor, action)
            return operation(self, actor, *args, **kwargs)

        OPERATIONS[operation.__name__] = action
        return cast(Operation, checked)

    return decorate


def unrestricted(why: str) -> Callable[[Operation], Operation]:
    """Mark an operation that needs no role, with the reason; it is recorded all the same."""

    def decorate(operation: Operation) -> Operation:
        OPERATIONS[operation.__name__] = None
        return operation

    return decorate
