"""Throttling password sign-ins: a temporary lockout after repeated failures for one name.

After :data:`MAX_FAILURES` failed sign-ins for a name within :data:`FAILURE_WINDOW`, the name is
locked for :data:`LOCKOUT`: every sign-in for it is refused, even with the right password, until
the lockout ends. The failures are kept in the store (its cursor table, one entry per name), so
every app process on the same store shares them; each failure is added with a compare-and-set
(``replace_cursor``), so failures made at the same moment through several processes all count.
A name counts whether or not an account has it, so a lockout reveals nothing about which names
exist. A successful sign-in clears the count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.store.ports.admin import AdminStore

# Constants rather than settings: engine/settings.py is at its 500-line cap. Five tries in a
# quarter of an hour is generous for a person and slows a guesser to 20 tries an hour per name.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
#: Names are cut to this many characters in the store and the audit log.
MAX_NAME_CHARS = 120
_KEY_PREFIX = "sign-in-failures:"


@dataclass(frozen=True)
class FailureState:
    """The recent failed sign-ins of one name and, when locked, until when."""

    failures: tuple[datetime, ...] = ()
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> datetime | None:
        """The end of the lockout when ``now`` falls inside it; None otherwise."""
        if self.locked_until is not None and now < self.locked_until:
            return self.locked_until
        return None


def clean_name(name: str) -> str:
    """The name as counted and audited: stripped, printable, at most :data:`MAX_NAME_CHARS`."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in name.strip())
    return printable[:MAX_NAME_CHARS]


class SignInGuard:
    """Counts failed sign-ins per name in the store and locks a name after too many."""

    def __init__(
        self,
        store: AdminStore,
        *,
        max_failures: int = MAX_FAILURES,
        window: timedelta = FAILURE_WINDOW,
        lockout: timedelta = LOCKOUT,
    ) -> None:
        self.store = store
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout

    def _key(self, name: str) -> str:
        return _KEY_PREFIX + clean_name(name)

    def state(self, name: str) -> FailureState:
        """What the store holds for ``name`` (an unreadable entry counts as none)."""
        return self._parse(self.store.get_cursor(self._key(name)))

    @staticmethod
    def _parse(raw: str | None) -> FailureState:
        if not raw:
            return FailureState()
        try:
            data = json.loads(raw)
            failures = tuple(datetime.fromisoformat(at) for at in data.get("failures", []))
            until = data.get("locked_until")
            return FailureState(failures, datetime.fromisoformat(until) if until else None)
        except (ValueError, TypeError, AttributeError):
            return FailureState()

    @staticmethod
    def _text(state: FailureState) -> str:
        return json.dumps(
            {
                "failures": [at.isoformat() for at in state.failures],
                "locked_until": state.locked_until.isoformat() if state.locked_until else None,
            }
        )

    def _save(self, name: str, state: FailureState) -> None:
        self.store.set_cursor(self._key(name), self._text(state))

    def locked_until(self, name: str, now: datetime) -> datetime | None:
        """When the lockout of ``name`` ends, if it is locked at ``now``."""
        return self.state(name).locked_at(now)

    def record_failure(self, name: str, now: datetime) -> datetime | None:
        """Count a failed sign-in; return the end of the lockout it starts, if it starts one."""
        key = self._key(name)
        while True:
            raw = self.store.get_cursor(key)
            state = self._parse(raw)
            recent = (*(at for at in state.failures if now - at < self.window), now)
            started = len(recent) >= self.max_failures
            # Once locked, the count starts again when the lockout is over.
            new = (
                FailureState((), now + self.lockout)
                if started
                else FailureState(recent, state.locked_at(now))
            )
            # Another process counted a failure since the read: read again and add this one.
            if self.store.replace_cursor(key, raw, self._text(new)):
                return new.locked_until if started else None

    def clear(self, name: str) -> None:
        """Forget the failures of ``name`` (it signed in)."""
        if self.store.get_cursor(self._key(name)) is not None:
            self._save(name, FailureState())
