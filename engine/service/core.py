"""What every part of the service shares: the store, the clock, the accounts and the audit log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.accounts import AccountBook
from engine.adapters import ProviderSet
from engine.models import AuditEntry, utcnow
from engine.roles import Actor
from engine.settings import Settings
from engine.store.base import Store


class ServiceCore:
    """The state the operation groups work on; :class:`engine.service.MailroomService` joins
    them."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        accounts: AccountBook | None = None,
        *,
        settings: Settings | None = None,
        providers: Callable[[], ProviderSet] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.accounts = accounts
        self._settings = settings
        self._providers_factory = providers
        self._providers: ProviderSet | None = None
        self._providers_lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        """The settings this service was composed with."""
        if self._settings is None:
            raise RuntimeError(
                "this service was built without settings; use engine.service.compose"
            )
        return self._settings

    @property
    def providers(self) -> ProviderSet:
        """The providers the settings name, built on first use (once per service)."""
        with self._providers_lock:
            if self._providers is None:
                if self._providers_factory is None:
                    raise RuntimeError(
                        "this service was built without providers; use engine.service.compose"
                    )
                self._providers = self._providers_factory()
            return self._providers

    def _audit(
        self,
        actor: Actor,
        action: str,
        target: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.store.append_audit(
            AuditEntry(
                actor=actor.name,
                role=actor.role.value,
                action=action,
                target=target,
                before=before,
                after=after,
                at=self.clock(),
            )
        )
