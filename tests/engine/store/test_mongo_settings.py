"""The MongoDB client settings: what production sets (write concern, timeouts, credentials,
TLS) reaches the driver, and bad values are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from engine.settings import SettingsError, load_settings
from engine.store.factory import mongo_client_options


def test_the_defaults_retry_and_wait_for_a_majority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://db1,db2,db3/?replicaSet=rs0")

    options = mongo_client_options(load_settings())

    assert options["w"] == "majority" and options["retryWrites"] and options["retryReads"]
    assert options["serverSelectionTimeoutMS"] == 15000 and options["appname"] == "mailroom"
    assert "username" not in options and "tls" not in options


def test_credentials_tls_and_a_numeric_write_concern_reach_the_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    for name, value in {
        "MONGODB_URI": "mongodb+srv://cluster0.example.net/",
        "MAILROOM_MONGODB_WRITE_CONCERN": "2",
        "MAILROOM_MONGODB_USERNAME": "mailroom",
        "MAILROOM_MONGODB_PASSWORD": "s3cret",
        "MAILROOM_MONGODB_AUTH_SOURCE": "admin",
        "MAILROOM_MONGODB_TLS": "true",
        "MAILROOM_MONGODB_TLS_CA_FILE": str(ca),
        "MAILROOM_MONGODB_TIMEOUT_SECONDS": "5",
    }.items():
        monkeypatch.setenv(name, value)

    options = mongo_client_options(load_settings())

    assert options["w"] == 2 and options["serverSelectionTimeoutMS"] == 5000
    assert (options["username"], options["password"]) == ("mailroom", "s3cret")
    assert options["authSource"] == "admin" and options["tls"] is True
    assert options["tlsCAFile"] == str(ca)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MAILROOM_MONGODB_WRITE_CONCERN", "all", "MAILROOM_MONGODB_WRITE_CONCERN"),
        ("MAILROOM_MONGODB_TIMEOUT_SECONDS", "0", "MAILROOM_MONGODB_TIMEOUT_SECONDS"),
        ("MAILROOM_MONGODB_TLS_CA_FILE", "/no/such/ca.pem", "no such file"),
        ("MAILROOM_MONGODB_USERNAME", "mailroom", "without MAILROOM_MONGODB_PASSWORD"),
    ],
)
def test_bad_mongodb_settings_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_the_password_is_never_shown_in_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILROOM_MONGODB_PASSWORD", "s3cret-pass")
    monkeypatch.setenv("MAILROOM_MONGODB_TIMEOUT_SECONDS", "-1")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert "s3cret-pass" not in str(raised.value)
    assert not isinstance(raised.value, ValidationError)
