"""Administration: sign-in audit, accounts, health, secrets, mailboxes, quarantine, and the
long maintenance jobs (bulk import, retraining, rebuilding rollups)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from engine.accounts import Account, AccountBook, AccountError, generate_password
from engine.adapters import ProviderSet
from engine.mail.bulk_import import ImportProgress, import_emails
from engine.mail.source_health import MailboxState, mailbox_state
from engine.models import (
    AuditEntry,
    QuarantinedMessage,
)
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.ops.backfill import BackfillProgress, BackfillRefused, closed_range, rebuild_rollups
from engine.ops.health import Check, secrets_presence, system_health
from engine.ops.retrain import RetrainProgress, RetrainReport, retrain_local_classifier
from engine.roles import Actor, Role
from engine.service.core import ServiceCore
from engine.service.permissions import ControlRefused, requires, unrestricted
from engine.settings import Settings
from engine.sign_in_guard import SignInGuard, clean_name
from engine.store.base import WorkflowNotFound


@dataclass(frozen=True)
class SourceHealthRow:
    """One mailbox on the Settings page."""

    source_key: str
    workflow_id: str
    source: str
    mailbox: str
    status: MailboxState
    last_success_at: datetime | None
    seconds_since_success: float | None
    lag_seconds: float | None
    consecutive_errors: int
    total_errors: int
    last_error: str | None
    total_ingested: int
    total_quarantined: int


@dataclass(frozen=True)
class SignInResult:
    """What a password sign-in came to: the account, or why not (``message``, for the form)."""

    account: Account | None
    message: str | None = None
    #: When the name's lockout ends, if it is locked.
    locked_until: datetime | None = None


WRONG_NAME_OR_PASSWORD = "Wrong name or password."
#: Store cursors holding the last identity-provider sign-in audited per person.
_OIDC_SIGN_IN_SEEN = "oidc-sign-in-seen:"


def _lockout_message(until: datetime, now: datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return (
        "Too many failed sign-ins for this name: it is locked for now. Try again after "
        f"{until:%H:%M} UTC (in {minutes} minute{'s' if minutes != 1 else ''})."
    )


class AdministrationOperations(ServiceCore):
    """Administration operations of the service."""

    @unrestricted("signing in is how a person gets a role; failures are throttled and audited")
    def sign_in(self, name: str, password: str) -> SignInResult:
        """Check a password sign-in against the accounts file, under the lockout of
        :mod:`engine.sign_in_guard`; audit a success and every failure (name and reason,
        never the password)."""
        if self.accounts is None:
            raise RuntimeError(
                "this service was built without accounts; use engine.service.compose"
            )
        tried = clean_name(name)
        now = self.clock()
        guard = SignInGuard(self.store)
        until = guard.locked_until(tried, now)
        if until is not None:
            self._audit_failed_sign_in(tried, "password", "locked", until)
            return SignInResult(None, _lockout_message(until, now), until)
        account = self.accounts.authenticate(name, password) if tried and password else None
        if account is None:
            until = guard.record_failure(tried, now)
            self._audit_failed_sign_in(tried, "password", "wrong name or password", until)
            if until is not None:
                return SignInResult(None, _lockout_message(until, now), until)
            return SignInResult(None, WRONG_NAME_OR_PASSWORD)
        guard.clear(tried)
        self.record_sign_in(Actor(name=account.name, role=account.role), "password")
        return SignInResult(account)

    def _audit_failed_sign_in(
        self, name: str, method: str, reason: str, locked_until: datetime | None = None
    ) -> None:
        # Nobody is signed in, so there is no role; the name is what was typed (or the
        # identity the provider vouched for).
        after: dict[str, str] = {"method": method, "reason": reason}
        if locked_until is not None:
            after["locked_until"] = locked_until.isoformat()
        self.store.append_audit(
            AuditEntry(
                actor=name,
                role="",
                action="sign_in_failed",
                target=name,
                after=after,
                at=self.clock(),
            )
        )

    def _first_presented(self, who: str, sign_in_id: str) -> bool:
        """Whether this identity-provider sign-in of ``who`` is new (and remember it if so).

        Streamlit keeps the provider's sign-in in a cookie that every reload and new tab
        presents again; the id token's own claims tell one sign-in from the next."""
        key = _OIDC_SIGN_IN_SEEN + clean_name(who)
        marker = hashlib.sha256(sign_in_id.encode("utf-8")).hexdigest()
        if self.store.get_cursor(key) == marker:
            return False
        self.store.set_cursor(key, marker)
        return True

    @unrestricted("everyone who signs in is audited")
    def record_sign_in(self, actor: Actor, method: str, *, sign_in_id: str | None = None) -> None:
        """Audit a person signing in (``method``: "password" or "oidc"). With ``sign_in_id``
        (what identifies one identity-provider sign-in), only its first presentation is
        audited, not each reload or tab that carries it."""
        if sign_in_id is not None and not self._first_presented(actor.name, sign_in_id):
            return
        self._audit(actor, "sign_in", actor.name, after={"method": method})

    @unrestricted("a refused identity gets no role; it is audited like a failed sign-in")
    def record_refused_identity(
        self, identity: str, reason: str, *, sign_in_id: str | None = None
    ) -> None:
        """Audit an identity the provider signed in but Mailroom refused (``reason``, e.g.
        "no account"), as ``sign_in_failed`` with method "oidc"; once per ``sign_in_id``."""
        who = clean_name(identity)
        if sign_in_id is not None and not self._first_presented(f"refused:{who}", sign_in_id):
            return
        self._audit_failed_sign_in(who, "oidc", reason)

    @unrestricted("everyone who signs out is audited")
    def record_sign_out(self, actor: Actor) -> None:
        self._audit(actor, "sign_out", actor.name)

    @requires("manage_privacy")
    def audit_log(self, actor: Actor, limit: int = 100) -> list[AuditEntry]:
        """The audit log, newest first: admins only (entries hold drafts and decisions)."""
        return self.store.list_audit(limit)

    def _account_book(self) -> AccountBook:
        if self.accounts is None:
            raise ControlRefused("this service has no accounts file")
        return self.accounts

    @requires("manage_users")
    def list_accounts(self, actor: Actor) -> list[Account]:
        return sorted(self._account_book().accounts().values(), key=lambda a: a.name)

    @requires("manage_users")
    def add_account(
        self, actor: Actor, name: str, role: Role, *, email: str | None = None, password: bool
    ) -> str | None:
        """Create an account; return its generated password (shown once), or None for an
        account that signs in through the identity provider only."""
        secret = generate_password() if password else None
        try:
            account = self._account_book().add(name, role, secret, email=email)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(actor, "account_added", account.name, after={"role": role.value})
        return secret

    @requires("manage_users")
    def set_account_role(self, actor: Actor, name: str, role: Role) -> Account:
        before = self._account_book().get(name)
        try:
            account = self._account_book().set_role(name, role)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(
            actor,
            "account_role_changed",
            name,
            before={"role": before.role.value if before else None},
            after={"role": role.value},
        )
        return account

    @requires("manage_users")
    def reset_password(self, actor: Actor, name: str) -> str:
        """Give ``name`` a new generated password and return it (shown once, never stored)."""
        secret = generate_password()
        try:
            self._account_book().set_password(name, secret)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(actor, "account_password_reset", name)
        return secret

    @requires("manage_users")
    def remove_account(self, actor: Actor, name: str) -> None:
        try:
            removed = self._account_book().remove(name)
        except AccountError as exc:
            raise ControlRefused(str(exc)) from exc
        self._audit(actor, "account_removed", name, before={"role": removed.role.value})

    @requires("view_settings")
    def health(self, actor: Actor, settings: Settings) -> list[Check]:
        """The database, workers, AI providers and mailboxes, each with its health."""
        return system_health(self.store, settings)

    @requires("view_settings")
    def secrets_status(self, actor: Actor) -> list[tuple[str, str, bool]]:
        """Which secrets are set (name, purpose, set?); never their values."""
        return secrets_presence()

    @requires("run_maintenance")
    def import_emails(
        self,
        actor: Actor,
        providers: ProviderSet,
        workflow_id: str,
        wanted: int,
        batch: int = 50,
    ) -> Iterator[ImportProgress]:
        """Bulk-import up to ``wanted`` emails through a workflow's trigger, yielding progress
        after each batch; audited when it ends (or is abandoned)."""
        workflow = self.store.get_workflow(workflow_id)
        last: ImportProgress | None = None
        try:
            for progress in import_emails(self.store, providers, workflow, wanted, batch=batch):
                last = progress
                yield progress
        finally:
            self._audit(
                actor,
                "bulk_import",
                workflow_id,
                after={
                    "wanted": wanted,
                    "fetched": last.fetched if last else 0,
                    "ingested": last.ingested if last else 0,
                },
            )

    @requires("run_maintenance")
    def retrain_model(
        self, actor: Actor, models_dir: Path
    ) -> Iterator[RetrainProgress | RetrainReport]:
        """Retrain the local classifier now, yielding each step; audited when it ends."""
        report: RetrainReport | None = None
        try:
            for step in retrain_local_classifier(self.store, models_dir):
                if isinstance(step, RetrainReport):
                    report = step
                yield step
        finally:
            self._audit(
                actor,
                "retrain_model",
                "local_classifier",
                after=None
                if report is None
                else {
                    "examples": report.examples,
                    "corrections": report.corrections,
                    "holdout_accuracy": round(report.holdout_accuracy, 4),
                    "fingerprint": report.fingerprint[:12],
                },
            )

    @requires("run_maintenance")
    def rebuild_rollups(
        self, actor: Actor, since: datetime, until: datetime, executions_kept_days: int = 0
    ) -> Iterator[BackfillProgress]:
        """Backfill: recompute the execution metrics' rollups of the closed hours in
        ``[since, until)`` from the stored executions, yielding progress; audited when it ends.

        ``executions_kept_days`` is the executions' retention (0: kept forever): hours older
        than that may have lost executions to the retention job, so rebuilding them would
        replace true figures with smaller ones, and is refused."""
        last: BackfillProgress | None = None
        start, end = closed_range(since, until, self.clock())
        if executions_kept_days > 0:
            horizon = self.clock() - timedelta(days=executions_kept_days)
            if start < horizon:
                raise BackfillRefused(
                    f"executions are kept {executions_kept_days} days "
                    f"(MAILROOM_RETENTION_EXECUTIONS_DAYS): hours before "
                    f"{horizon:%Y-%m-%d %H:%M} UTC may have lost executions to retention and "
                    "cannot be rebuilt from what is left"
                )
        try:
            for progress in rebuild_rollups(self.store, start, end, self.clock()):
                last = progress
                yield progress
        finally:
            self._audit(
                actor,
                "rebuild_rollups",
                "rollups",
                after={
                    "since": start.isoformat(),
                    "until": end.isoformat(),
                    "executions_read": last.read if last else 0,
                    "rows_written": last.rows_written if last else None,
                },
            )

    @requires("view_sources")
    def source_health(self, actor: Actor) -> list[SourceHealthRow]:
        """Each polled mailbox: last successful poll, lag, errors, and its state by the one
        rule the readiness probe uses too (:func:`engine.mail.source_health.mailbox_state`)."""
        now = self.clock()
        rows = []
        for health in self.store.list_source_health():
            since = (
                None
                if health.last_success_at is None
                else max(0.0, (now - health.last_success_at).total_seconds())
            )
            config = self._trigger_config(health.workflow_id, health.node_id)
            rows.append(
                SourceHealthRow(
                    source_key=health.source_key,
                    workflow_id=health.workflow_id,
                    source=health.source,
                    mailbox=health.mailbox,
                    status=mailbox_state(
                        health,
                        alert_after_failures=config.alert_after_failures,
                        check_interval_seconds=config.check_interval_seconds,
                        now=now,
                    ),
                    last_success_at=health.last_success_at,
                    seconds_since_success=since,
                    lag_seconds=health.lag_seconds,
                    consecutive_errors=health.consecutive_errors,
                    total_errors=health.total_errors,
                    last_error=health.last_error,
                    total_ingested=health.total_ingested,
                    total_quarantined=health.total_quarantined,
                )
            )
        return rows

    def _trigger_config(self, workflow_id: str, node_id: str) -> EmailTriggerConfig:
        """The trigger's current settings (the defaults if it is gone from the workflow)."""
        try:
            node = self.store.get_workflow(workflow_id).visual_data.node(node_id)
        except (WorkflowNotFound, KeyError):
            return EmailTriggerConfig()
        return EmailTriggerConfig.model_validate(node.config)

    @requires("view_sources")
    def quarantine(self, actor: Actor, limit: int = 100) -> list[QuarantinedMessage]:
        """Messages that could not be read, newest first, with their reason."""
        return self.store.list_quarantine(limit)
