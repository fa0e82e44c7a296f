"""Settings → Secrets lists the secrets the engine reads, by the names it reads them under."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from engine.encryption import new_key
from engine.ops.health import known_secrets, secrets_presence
from engine.settings import Settings


def _secret_fields() -> set[str]:
    return {
        name
        for name, field in Settings.model_fields.items()
        if field.annotation == SecretStr | None or field.annotation is SecretStr
    }


def test_every_secret_setting_is_listed_once() -> None:
    variables = [variable for variable, _ in known_secrets()]
    assert len(variables) == len(set(variables)) == len(_secret_fields())
    assert {"MAILROOM_OPENAI_API_KEY", "MAILROOM_INTAKE_TOKEN", "MONGODB_URI"} <= set(variables)


@pytest.mark.parametrize(("variable", "purpose"), known_secrets())
def test_each_listed_name_is_the_one_the_settings_read(
    variable: str, purpose: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAILROOM_SECRETS_FILE", str(tmp_path / "none.toml"))
    value = (
        new_key()
        if "ENCRYPTION" in variable
        else "mongodb://h/x"
        if "MONGO" in variable
        else "s3cret-value-" + "x" * 32  # long enough for MAILROOM_SESSION_SECRET
    )
    before = {name: getattr(Settings(), name) for name in _secret_fields()}
    monkeypatch.setenv(variable, value)
    after = Settings()
    changed = [name for name in _secret_fields() if getattr(after, name) != before[name]]
    assert len(changed) == 1 and getattr(after, changed[0]).get_secret_value() == value
    assert purpose and dict((name, is_set) for name, _, is_set in secrets_presence())[variable]
