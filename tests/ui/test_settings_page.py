"""Settings and health (admins): health checks, secrets shown as set or missing, users."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.encryption import FieldCipher, new_key, parse_key
from engine.models import (
    CategoryCorrection,
    ExecutionLog,
    ExecutionStatus,
    RollupIncrement,
    utcnow,
)
from engine.ops.privacy import run_retention
from engine.roles import Role
from engine.rollups import hour_bucket
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import TOKEN_PREFIX, MailroomService, TokenRefused
from providers.ai.local_classifier import MODEL_FILENAME, LocalClassifierModel
from providers.ai.training_data import load_training_examples
from ui.context import app_settings


def _cells(at: AppTest, index: int) -> list[str]:
    frame = at.dataframe[index].value
    return [str(value) for value in frame.to_numpy().ravel()]


def test_health_and_secrets_never_show_a_value(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROOM_OPENAI_API_KEY", "sk-very-secret-value")
    at = open_page("settings")
    assert not at.exception
    health = _cells(at, 0)
    assert any("SQLite" in cell for cell in health)
    assert "error" in health  # no worker is alive
    secrets = at.dataframe[1].value
    row = secrets[secrets["secret"] == "MAILROOM_OPENAI_API_KEY"].iloc[0]
    assert row["set"] == "set"
    assert secrets[secrets["secret"] == "MAILROOM_ANTHROPIC_API_KEY"].iloc[0]["set"] == "missing"
    shown = [cell for i in range(len(at.dataframe)) for cell in _cells(at, i)]
    shown += [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("sk-very-secret-value" in text for text in shown)


def test_admin_adds_a_person_and_sees_the_password_once(
    open_page: Callable[..., AppTest], accounts: AccountBook, service: MailroomService
) -> None:
    at = open_page("settings")
    # A new person starts with the least privileged role, not admin.
    assert at.selectbox(key="user-add-role").value == Role.ANALYST
    at.text_input(key="user-add-name").input("dora")
    at.selectbox(key="user-add-role").set_value(Role.AGENT)
    at.button(key="FormSubmitter:user-add-Add").click().run()
    assert not at.exception
    shown = [s.value for s in at.success if "dora" in s.value]
    assert shown, [s.value for s in at.success]
    password = shown[0].rsplit("`", 2)[-2]
    assert accounts.authenticate("dora", password) is not None
    assert service.store.list_audit()[0].action == "account_added"
    at.run()
    assert not any("dora" in s.value for s in at.success)  # shown once

    at.selectbox(key="user-pick").set_value("dora")
    at.selectbox(key="user-new-role").set_value(Role.ANALYST)
    at.button(key="user-change-role").click().run()
    assert accounts.get("dora") is not None
    assert accounts.get("dora").role == Role.ANALYST  # type: ignore[union-attr]

    at.selectbox(key="user-pick").set_value("dora")
    at.button(key="user-reset-password").click().run()
    new_password = next(s.value for s in at.success if "New password for dora" in s.value)
    new_password = new_password.rsplit("`", 2)[-2]
    assert accounts.authenticate("dora", password) is None
    assert accounts.authenticate("dora", new_password) is not None
    at.selectbox(key="user-pick").set_value("dora")
    at.button(key="user-remove").click().run()
    assert accounts.get("dora") is not None  # asked first
    assert any("Remove `dora`?" in w.value for w in at.warning)
    at.button(key="user-remove-cancel").click().run()
    assert accounts.get("dora") is not None
    assert not any("Remove `dora`?" in w.value for w in at.warning)
    at.button(key="user-remove").click().run()
    at.button(key="user-remove-confirm").click().run()
    assert accounts.get("dora") is None
    assert [e.action for e in service.store.list_audit()[:2]] == [
        "account_removed",
        "account_password_reset",
    ]


def test_the_last_admin_cannot_be_demoted(
    open_page: Callable[..., AppTest], accounts: AccountBook
) -> None:
    at = open_page("settings")
    at.selectbox(key="user-pick").set_value("alice")
    at.selectbox(key="user-new-role").set_value(Role.AGENT)
    at.button(key="user-change-role").click().run()
    assert not at.exception
    assert any("last admin" in e.value for e in at.error)
    assert accounts.get("alice").role == Role.ADMIN  # type: ignore[union-attr]


def test_bulk_import_shows_progress_and_queues_executions(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("settings")
    at.number_input(key="import-count").set_value(30)
    at.number_input(key="import-batch").set_value(10)
    at.button(key="FormSubmitter:bulk-import-Import").click().run()
    assert not at.exception
    assert any("Imported 30 new emails" in s.value for s in at.success)
    assert service.store.count_emails() == 30
    assert sum(service.store.count_executions_by_status().values()) == 30
    entry = service.store.list_audit()[0]
    assert (entry.action, entry.after) == (
        "bulk_import",
        {"wanted": 30, "fetched": 30, "ingested": 30},
    )


def test_retraining_shows_its_steps_and_saves_a_model_that_learned_the_corrections(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    text = "the quarterly invoice pdf attachment will not open in my reader"
    for n in range(10):
        service.store.save_correction(
            CategoryCorrection(
                approval_id=f"apr_{n}",
                email_id=f"eml_{n}",
                text=f"{text} ({n})",
                original_category="technical",
                corrected_category="billing",
                corrected_by="agent",
            )
        )
    at = open_page("settings")
    at.button(key="retrain").click().run(timeout=300)
    assert not at.exception
    [done] = at.success
    assert "10 corrections" in done.value and "held-out corrections" in done.value
    saved = LocalClassifierModel.load(app_settings().model_store_dir / MODEL_FILENAME)
    assert saved.info.n_examples == len(load_training_examples()) + 10
    entry = service.store.list_audit()[0]
    assert entry.action == "retrain_model" and entry.after is not None
    assert entry.after["corrections"] == 10


def test_settings_warn_when_data_is_stored_in_clear_and_show_retention(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    run_retention(service.store, {"emails": 30}, utcnow())
    at = open_page("settings")
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "stored in clear" in warning and "MAILROOM_ENCRYPTION_KEY" in warning
    assert any("os.urandom(32)" in code.value for code in at.code)
    retention = at.dataframe[2].value
    kept = dict(zip(retention["collection"], retention["kept"], strict=True))
    assert kept["emails"] == "365 days" and kept["audit"] == "forever"
    assert any("Last retention run" in c.value for c in at.caption)


def test_settings_show_the_key_in_use(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    monkeypatch.setenv("MAILROOM_ENCRYPTION_KEY", key)
    at = open_page("settings")
    assert not at.exception
    key_id = FieldCipher(parse_key(key)).current.key_id
    assert any(key_id in s.value and "AES-256-GCM" in s.value for s in at.success)
    assert not any("stored in clear" in w.value for w in at.warning)
    shown = [m.value for m in at.markdown] + [s.value for s in at.success]
    assert not any(key in text for text in shown)


def test_rebuilding_metrics_shows_progress_and_replaces_the_hours_figures(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    finished = hour_bucket(utcnow()) - timedelta(hours=3)
    for status in (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED, ExecutionStatus.FAILED):
        service.store.create_execution(
            ExecutionLog(
                workflow_id=DEFAULT_WORKFLOW_ID,
                workflow_version=1,
                status=status,
                created_at=finished,
                started_at=finished,
                completed_at=finished + timedelta(minutes=5),
            )
        )
    # A figure that is wrong for that hour (as after a bad restore) is replaced.
    service.store.increment_rollups(
        [RollupIncrement(bucket=finished, metric="executions_by_status", key="cancelled")]
    )
    at = open_page("settings")
    at.button(key="FormSubmitter:backfill-Rebuild").click().run()
    assert not at.exception
    assert at.get("progress"), "a progress bar is shown"
    [done] = at.success
    assert "from 3 executions: 4 hourly figures written" in done.value
    rows = service.store.query_rollups("executions_by_status", finished - timedelta(days=1))
    assert [(r.bucket, r.key, r.count) for r in rows] == [
        (finished, "completed", 2),
        (finished, "failed", 1),
    ]
    entry = service.store.list_audit()[0]
    assert (entry.action, entry.actor) == ("rebuild_rollups", "alice")


def test_admin_creates_sees_and_revokes_an_api_token(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("settings")
    assert at.selectbox(key="token-role").value == Role.ANALYST  # the least privileged first
    at.text_input(key="token-name").input("crm-sync")
    at.selectbox(key="token-role").set_value(Role.MANAGER)
    at.number_input(key="token-expires").set_value(30)
    at.button(key="FormSubmitter:token-create-Create").click().run()
    assert not at.exception
    assert any("Created `crm-sync` (manager" in s.value for s in at.success)
    [shown] = [c.value for c in at.code if c.value.startswith(TOKEN_PREFIX)]
    assert service.authenticate_token(shown).name == "token:crm-sync"
    [token] = service.store.list_api_tokens()
    assert token.token_hash != shown and shown not in token.model_dump_json()
    assert service.store.list_audit()[0].action == "create_token"
    listed = _token_rows(at)
    assert listed["crm-sync"]["role"] == "manager" and listed["crm-sync"]["state"] == "active"
    assert listed["crm-sync"]["expires"] != "never"
    assert listed["crm-sync"]["last used"] == "never"
    at.run()
    assert not [c for c in at.code if c.value.startswith(TOKEN_PREFIX)]  # shown once

    at.text_input(key="token-name").input("crm-sync")
    at.button(key="FormSubmitter:token-create-Create").click().run()
    assert any("already exists" in e.value for e in at.error)

    assert _token_rows(at)["crm-sync"]["last used"].endswith(" UTC")  # authenticated above
    at.selectbox(key="token-pick").set_value("crm-sync")
    at.button(key="token-revoke").click().run()
    assert any("Revoke `crm-sync`?" in w.value for w in at.warning)
    at.button(key="token-revoke-cancel").click().run()
    assert service.store.list_api_tokens()[0].revoked_at is None  # asked, then cancelled
    at.button(key="token-revoke").click().run()
    at.button(key="token-revoke-confirm").click().run()
    assert not at.exception
    assert any("Revoked `crm-sync`" in s.value for s in at.success)
    with pytest.raises(TokenRefused, match="revoked"):
        service.authenticate_token(shown)
    assert _token_rows(at)["crm-sync"]["state"] == "revoked"
    assert [e.action for e in service.store.list_audit()[:1]] == ["revoke_token"]


def _token_rows(at: AppTest) -> dict[str, dict[str, str]]:
    [frame] = [f.value for f in at.dataframe if "created by" in f.value.columns]
    return {row["name"]: row for row in frame.astype(str).to_dict("records")}
