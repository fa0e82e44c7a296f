"""API tokens: made once, stored hashed, revoked and expired tokens refused, every call audited."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.service import Actor, Conflict, Mailroom, PermissionDenied, Role, TokenRefused
from engine.service.tokens import TOKEN_PREFIX, token_hash
from tests.engine.api.conftest import ADMIN, Bearer

ROOT = Path(__file__).resolve().parents[3]


def test_a_token_is_stored_only_as_its_hash(mailroom: Mailroom) -> None:
    token, secret = mailroom.service.create_token(ADMIN, "crm", Role.AGENT, expires_days=30)
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    [stored] = mailroom.store.list_api_tokens()
    assert stored.token_hash == token_hash(secret) != secret
    assert secret not in stored.model_dump_json()
    assert token.expires_at is not None and token.expires_at - token.created_at == timedelta(30)
    assert mailroom.service.authenticate_token(secret) == Actor("token:crm", Role.AGENT)


def test_only_an_admin_makes_tokens_and_names_are_unique(mailroom: Mailroom) -> None:
    with pytest.raises(PermissionDenied):
        mailroom.service.create_token(Actor("m", Role.MANAGER), "x", Role.ADMIN)
    mailroom.service.create_token(ADMIN, "crm", Role.AGENT)
    with pytest.raises(Conflict):
        mailroom.service.create_token(ADMIN, "crm", Role.MANAGER)


def test_revoked_and_expired_tokens_are_refused(mailroom: Mailroom) -> None:
    _, revoked = mailroom.service.create_token(ADMIN, "old", Role.AGENT)
    mailroom.service.revoke_token(ADMIN, "old")
    with pytest.raises(TokenRefused, match="revoked"):
        mailroom.service.authenticate_token(revoked)
    _, expiring = mailroom.service.create_token(ADMIN, "short", Role.AGENT, expires_days=1)
    later = mailroom.service.clock() + timedelta(days=1, seconds=1)
    mailroom.service.clock = lambda: later
    with pytest.raises(TokenRefused, match="expired"):
        mailroom.service.authenticate_token(expiring)
    with pytest.raises(TokenRefused, match="not valid"):
        mailroom.service.authenticate_token(TOKEN_PREFIX + "guessed")


def test_a_revoked_token_gets_401_problem(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    headers = token_for(Role.MANAGER)
    assert client.get("/api/v1/workflows", headers=headers).status_code == 200
    mailroom.service.revoke_token(ADMIN, "manager-bot")
    response = client.get("/api/v1/workflows", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    problem = response.json()
    assert problem["status"] == 401 and "revoked" in problem["detail"]
    assert problem["instance"] == "/api/v1/workflows"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing", "unknown", "not-bearer"],
)
def test_calls_without_a_valid_token_get_401(client: TestClient, headers: Bearer) -> None:
    response = client.get("/api/v1/approvals", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_every_call_is_audited_with_the_tokens_name(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    client.get("/api/v1/workflows", headers=token_for(Role.ANALYST))
    client.post("/api/v1/workflows/customer-support/deactivate", headers=token_for(Role.MANAGER))
    entries = [(e.actor, e.action, e.target) for e in mailroom.store.list_audit(10)]
    assert ("token:analyst-bot", "api_call", "GET /api/v1/workflows") in entries
    assert ("token:manager-bot", "toggle_workflow", "customer-support") in entries


def test_the_command_line_prints_a_token_once_lists_and_revokes_it(
    tmp_path: Path, models_dir: Path
) -> None:
    env = {
        **os.environ,
        "MAILROOM_DATA_DIR": str(tmp_path / "data"),
        "MAILROOM_MODELS_DIR": str(models_dir),
    }

    def engine(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "engine", "tokens", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    made = engine("create", "ci-bot", "--role", "manager", "--expires", "7")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith(TOKEN_PREFIX)
    listed = engine("list")
    assert listed.stdout.startswith("ci-bot\tmanager\texpires ")
    assert listed.stdout.rstrip().endswith("\tlast used never")
    assert secret not in listed.stdout
    assert engine("create", "ci-bot", "--role", "agent").returncode == 1
    assert engine("revoke", "ci-bot").stdout.strip() == "revoked ci-bot"
    assert "\trevoked " in engine("list").stdout
    again = engine("revoke", "ci-bot")
    assert again.returncode == 1 and "no token named 'ci-bot'" in again.stderr


def test_a_tokens_last_use_is_recorded(
    client: TestClient, mailroom: Mailroom, token_for: Callable[[Role], Bearer]
) -> None:
    headers = token_for(Role.ANALYST)
    [made] = mailroom.service.list_tokens(ADMIN)
    assert made.last_used_at is None
    assert client.get("/api/v1/workflows", headers=headers).status_code == 200
    [used] = mailroom.service.list_tokens(ADMIN)
    assert used.last_used_at is not None and used.last_used_at >= made.created_at
