"""Privacy: a customer's export and erasure, key rotation, the data-protection summary."""

from __future__ import annotations

from typing import Any

from engine.encryption import GENERATE_KEY_COMMAND
from engine.ops import privacy
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.permissions import ControlRefused, requires
from engine.settings import Settings


class PrivacyOperations(ServiceCore):
    """Privacy operations of the service."""

    def _customer_target(self, address: str) -> str:
        """How the audit log names a customer: their lookup token, never the address."""
        cipher = self.store.cipher
        if cipher is None:
            return "customer"
        return "customer:" + cipher.token(address.strip().casefold(), "Email.from_address")

    @requires("manage_privacy")
    def export_customer(self, actor: Actor, address: str) -> str:
        """Everything held about the customer ``address``, as JSON text (audited)."""
        address = privacy.require_address(address)
        records = privacy.customer_records(self.store, address)
        now = self.clock()
        self._audit(actor, "privacy_export", self._customer_target(address), after=records.counts())
        return privacy.export_json(address, records, now)

    @requires("manage_privacy")
    def erase_customer(self, actor: Actor, address: str) -> dict[str, int]:
        """Anonymise or delete everything held about ``address`` (see ``engine.ops.privacy``);
        return how many records of each kind were erased. The erasure is audited by counts."""
        address = privacy.require_address(address)
        records = privacy.customer_records(self.store, address)
        privacy.erase(self.store, records, self.clock())
        counts = records.counts()
        self._audit(
            actor,
            "privacy_erase",
            self._customer_target(address),
            before=counts,
            after={"erased": sum(counts.values())},
        )
        return counts

    @requires("manage_privacy")
    def rotate_key(self, actor: Actor) -> dict[str, int]:
        """Re-encrypt every protected value under the current key; return rows rewritten."""
        cipher = self.store.cipher
        if cipher is None:
            raise ControlRefused(
                "no encryption key is configured: set MAILROOM_ENCRYPTION_KEY (generate one with "
                f"{GENERATE_KEY_COMMAND}) and list the previous key in MAILROOM_ENCRYPTION_OLD_KEYS"
            )
        rewritten = self.store.reseal_all()
        self._audit(
            actor,
            "rotate_key",
            cipher.current.key_id,
            before={"old_key_ids": cipher.key_ids[1:]},
            after={"key_id": cipher.current.key_id, "rewritten": rewritten},
        )
        return rewritten

    @requires("view_settings")
    def data_protection(self, actor: Actor, settings: Settings) -> dict[str, Any]:
        """For the Settings page: encryption state, retention policy and its last run."""
        cipher = self.store.cipher
        return {
            "encrypted": cipher is not None,
            "key_id": None if cipher is None else cipher.current.key_id,
            "old_key_ids": [] if cipher is None else cipher.key_ids[1:],
            "retention_days": settings.retention_days(),
            "last_retention_run": privacy.last_retention_run(self.store),
        }
