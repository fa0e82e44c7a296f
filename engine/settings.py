"""All settings in one place, read from the environment (prefix ``MAILROOM_``).

``MONGODB_URI`` is read without the prefix because that is the name every MongoDB tool uses.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from engine.encryption import FieldCipher, parse_key
from engine.settings_mailboxes import MAILBOX_SECRET_FIELDS, MailboxSettings
from engine.settings_push import PushSettings
from engine.settings_sent_lookup import SentLookupSettings
from providers.ai import guard_defaults

SECRETS_FILE = Path(".streamlit/secrets.toml")
#: Settings whose values are never printed, not even in an error message.
SECRET_FIELDS = MAILBOX_SECRET_FIELDS | frozenset(
    {
        "mongodb_uri",
        "mongodb_password",
        "smtp_password",
        "smtp_sent_imap_password",
        "sendgrid_api_key",
        "brevo_api_key",
        "slack_bot_token",
        "slack_webhook_url",
        "webhook_secret",
        "intake_token",
        "gmail_client_secret",
        "gmail_refresh_token",
        "openai_api_key",
        "azure_openai_api_key",
        "compatible_api_key",
        "anthropic_api_key",
        "encryption_key",
        "encryption_old_keys",
        "session_secret",
    }
)
#: Collections the retention job trims, each kept ``MAILROOM_RETENTION_<NAME>_DAYS`` days.
RETENTION_COLLECTIONS = (
    "emails",
    "executions",
    "approvals",
    "outbox",
    "quarantine",
    "ai_corrections",
    "audit",
)
#: AI providers a fallback chain may name, in MAILROOM_AI_CLASSIFY_CHAIN / MAILROOM_AI_DRAFT_CHAIN.
AI_PROVIDER_NAMES = ("openai", "azure", "compatible", "anthropic", "local")
#: The settings each remote AI provider needs.
AI_PROVIDER_REQUIRES: dict[str, tuple[str, ...]] = {
    "openai": ("openai_api_key",),
    "azure": ("azure_openai_endpoint", "azure_openai_api_key", "azure_openai_deployment"),
    "compatible": ("compatible_base_url",),
    "anthropic": ("anthropic_api_key",),
}


class SecretsTomlSource(PydanticBaseSettingsSource):
    """Root-level keys of ``.streamlit/secrets.toml`` (or ``MAILROOM_SECRETS_FILE``), named
    like the environment variables (``MONGODB_URI``, ``MAILROOM_DATA_DIR``), so the worker and
    the app read the same file. Environment variables win over it."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ is overridden

    def __call__(self) -> dict[str, Any]:
        path = Path(os.environ.get("MAILROOM_SECRETS_FILE", SECRETS_FILE))
        if not path.is_file():
            return {}
        values: dict[str, Any] = {}
        for key, value in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if isinstance(value, dict):
                continue
            values[key.upper()] = value
            values[key.lower().removeprefix("mailroom_")] = value
        return values


class Settings(PushSettings, SentLookupSettings, MailboxSettings, BaseSettings):
    """Engine and app settings; a bad value is refused with the setting's name and why."""

    model_config = SettingsConfigDict(env_prefix="MAILROOM_", extra="ignore")

    env: Literal["development", "staging", "production"] = "development"  # engine/profiles.py
    data_dir: Path = Field(default=Path("data"), description="Folder for the embedded store.")
    sqlite_path: Path | None = Field(
        default=None, description="SQLite database file; defaults to DATA_DIR/mailroom.db."
    )
    mongodb_uri: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URI", "MAILROOM_MONGODB_URI"),
        description="When set, the MongoDB backend is used instead of SQLite.",
    )
    mongodb_database: str = "mailroom"
    # Production MongoDB (a replica set or Atlas): the URI may carry all of these as options;
    # a setting here wins over the URI's, so the URI can stay free of the password.
    mongodb_write_concern: str = Field(
        default="majority",
        pattern=r"^(majority|[1-9][0-9]?)$",
        description="Acknowledgement every write waits for: majority (the default) or a count.",
    )
    mongodb_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="How long an operation waits for a reachable server before failing.",
    )
    mongodb_username: str | None = Field(default=None, description="MongoDB user (SCRAM).")
    mongodb_password: SecretStr | None = Field(default=None, description="MongoDB password.")
    mongodb_auth_source: str | None = Field(
        default=None, description="Database holding the MongoDB user (admin when unset)."
    )
    mongodb_tls: bool | None = Field(
        default=None, description="Require TLS to MongoDB (mongodb+srv:// turns it on already)."
    )
    mongodb_tls_ca_file: Path | None = Field(
        default=None, description="CA bundle that signed the MongoDB servers' certificates."
    )
    mongodb_tls_certificate_key_file: Path | None = Field(
        default=None, description="Client certificate and key (PEM) for x.509 authentication."
    )

    worker_lease_seconds: float = Field(default=30.0, gt=0)
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0)
    worker_run_interval_seconds: float = Field(default=0.5, gt=0)
    worker_reload_seconds: float = Field(default=10.0, gt=0)
    # How long one IMAP IDLE waits before it is renewed (RFC 2177: under 29 minutes);
    # 0 turns IDLE off and IMAP triggers are only polled at their interval.
    imap_idle_seconds: float = Field(default=300.0, ge=0, le=1740)
    # Grace given to nodes in flight when a worker is asked to stop; what is left is released.
    worker_shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    # Executions one worker process runs at once.
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    # How often a worker looks for approvals whose timeout passed.
    approval_check_seconds: float = Field(default=15.0, gt=0)
    # Nodes of one execution that may run at once (parallel branches).
    node_parallelism: int = Field(default=4, ge=1)
    # A node's default wall-clock budget, retries included (a node may set its own).
    node_timeout_seconds: float = Field(default=300.0, gt=0)

    demo_seed: int = 7
    outbox_dir: Path | None = Field(
        default=None, description="Where the demo outbox writes sent replies (.eml)."
    )
    reply_from_address: str = "support@mailroom.example"
    models_dir: Path | None = Field(
        default=None, description="Where trained local models are kept; DATA_DIR/models."
    )

    # --- real mailboxes and notifications -------------------------------------------
    email_sender: Literal["demo", "smtp", "sendgrid", "brevo", "gmail"] = Field(
        default="demo", description="Where replies are sent through."
    )
    notifier: Literal["demo", "slack_webhook", "slack", "webhook", "email"] = Field(
        default="demo", description="Where notifications go."
    )
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    smtp_security: Literal["ssl", "starttls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    sendgrid_api_key: SecretStr | None = Field(
        default=None, description="SendGrid API key (sending, and the inbound parse webhook)."
    )
    sendgrid_api_base: str = "https://api.sendgrid.com"
    brevo_api_key: SecretStr | None = Field(default=None, description="Brevo API key.")
    brevo_api_base: str = "https://api.brevo.com/v3"
    slack_webhook_url: SecretStr | None = Field(
        default=None, description="Slack incoming-webhook URL for notifications."
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, description="Slack bot token for notifications."
    )
    slack_channel: str = "#support-urgent"
    slack_api_base: str = "https://slack.com/api/"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret that signs the notification webhook's requests."
    )
    notify_email_to: str | None = None
    gmail_client_id: str | None = None
    gmail_client_secret: SecretStr | None = Field(
        default=None, description="Gmail OAuth client secret."
    )
    gmail_refresh_token: SecretStr | None = Field(
        default=None, description="Gmail OAuth refresh token."
    )
    gmail_user: str = "me"
    gmail_api_base: str = "https://gmail.googleapis.com/gmail/v1"
    gmail_token_url: str = "https://oauth2.googleapis.com/token"
    intake_token: SecretStr | None = Field(
        default=None, description="Shared secret every intake webhook must present."
    )
    intake_host: str = "127.0.0.1"
    intake_port: int = Field(default=8502, ge=1, le=65_535)
    # The HTTP API (python -m engine api): where it listens, the calls one token may make a
    # minute (and its burst), and the largest request body it reads.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8503, ge=1, le=65_535)
    api_rate_per_minute: float = Field(default=600.0, gt=0)
    api_rate_burst: int = Field(default=60, ge=1)
    api_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # --- observability and hostile input ---------------------------------------------
    # Requests one client (IP address) may make to an intake route a minute, and its burst.
    intake_rate_per_minute: float = Field(default=600.0, gt=0)
    intake_rate_burst: int = Field(default=60, ge=1)
    # /metrics, /healthz and /readyz of an engine worker; 0 (the default) serves none, so
    # several workers on one machine never fight over a port.
    worker_metrics_port: int = Field(default=0, ge=0, le=65_535)
    worker_metrics_host: str = "127.0.0.1"
    # How long store-backed gauges (executions by status, approvals waiting) are cached.
    metrics_cache_seconds: float = Field(default=5.0, ge=0)
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line; text: for a terminal."
    )

    accounts_file: Path | None = Field(
        default=None,
        description="Local accounts (bcrypt hashes) and roles; DATA_DIR/accounts.toml.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the app's sign-in cookie (at least 32 characters); unset: one is "
        "generated once into DATA_DIR/session-secret (mode 0600).",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="How long a sign-in lasts (the session cookie's lifetime).",
    )
    oidc_default_role: Literal["admin", "manager", "agent", "analyst"] | None = Field(
        default=None,
        description="Role of people signed in through the identity provider who have no "
        "account in the accounts file; unset: they are refused.",
    )
    # --- AI providers -------------------------------------------------------------
    ai_classify_chain: str = Field(
        default="local", description="Comma-separated providers tried in order to classify."
    )
    ai_draft_chain: str = Field(
        default="local", description="Comma-separated providers tried in order to draft."
    )
    ai_timeout_seconds: float = Field(default=30.0, gt=0)
    ai_max_retries: int = Field(default=1, ge=0, le=10)
    ai_rate_limit_per_minute: float = Field(default=120.0, gt=0)
    ai_circuit_failures: int = Field(default=5, ge=1)
    ai_circuit_cooldown_seconds: float = Field(default=60.0, gt=0)
    # Chosen from measured precision: providers/ai/guard_defaults.py (README "Guard rails").
    ai_review_min_confidence: float = Field(default=guard_defaults.MIN_CONFIDENCE, ge=0.0, le=1.0)
    ai_review_max_frustration: float = Field(default=guard_defaults.MAX_FRUSTRATION, ge=0.0, le=1.0)
    openai_api_key: SecretStr | None = Field(default=None, description="OpenAI API key.")
    openai_model: str = "gpt-4o-mini"
    openai_base_url: str | None = None
    openai_price_input_per_mtok: float = Field(default=0.15, ge=0)
    openai_price_output_per_mtok: float = Field(default=0.60, ge=0)
    azure_openai_endpoint: str | None = None
    azure_openai_api_key: SecretStr | None = Field(
        default=None, description="Azure OpenAI API key."
    )
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str = "2024-10-21"
    azure_price_input_per_mtok: float = Field(default=0.15, ge=0)
    azure_price_output_per_mtok: float = Field(default=0.60, ge=0)
    compatible_base_url: str | None = None
    compatible_model: str = "llama3.1"
    compatible_api_key: SecretStr | None = Field(
        default=None, description="API key of the OpenAI-compatible server, if it asks for one."
    )
    anthropic_api_key: SecretStr | None = Field(default=None, description="Anthropic API key.")
    anthropic_model: str = "claude-haiku-4-5"
    anthropic_base_url: str | None = None
    anthropic_price_input_per_mtok: float = Field(default=1.0, ge=0)
    anthropic_price_output_per_mtok: float = Field(default=5.0, ge=0)

    # --- data protection -------------------------------------------------------
    encryption_key: SecretStr | None = Field(
        default=None,
        description="Base64 of 32 random bytes: encrypts email bodies, drafts and replies.",
    )
    encryption_old_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated earlier keys, still read until `privacy rotate-key` ran.",
    )
    # Days each collection keeps finished records; 0 keeps them forever.
    retention_emails_days: int = Field(default=365, ge=0)
    retention_executions_days: int = Field(default=365, ge=0)
    retention_approvals_days: int = Field(default=365, ge=0)
    retention_outbox_days: int = Field(default=365, ge=0)
    retention_quarantine_days: int = Field(default=30, ge=0)
    retention_ai_corrections_days: int = Field(default=0, ge=0)
    retention_audit_days: int = Field(default=0, ge=0)
    retention_check_seconds: float = Field(default=3600.0, gt=0)

    default_user: str = Field(default="admin", description="Acting user until sign-in exists.")
    default_role: Literal["admin", "manager", "agent", "analyst"] = "admin"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, SecretsTomlSource(settings_cls))

    @field_validator("mongodb_uri", mode="before")
    @classmethod
    def _mongodb_uri_shape(cls, value: object) -> object:
        if value == "":
            return None
        if isinstance(value, str) and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("mongodb_tls_ca_file", "mongodb_tls_certificate_key_file")
    @classmethod
    def _readable_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file")
        return value

    @model_validator(mode="after")
    def _mongodb_user_has_a_password(self) -> Settings:
        # The password alone is fine: the user may be named in the URI.
        if self.mongodb_username is not None and self.mongodb_password is None:
            raise ValueError("MAILROOM_MONGODB_USERNAME is set without MAILROOM_MONGODB_PASSWORD")
        return self

    @field_validator("session_secret")
    @classmethod
    def _session_secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("needs at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("ai_classify_chain", "ai_draft_chain")
    @classmethod
    def _chain_names(cls, value: str) -> str:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        if not names:
            raise ValueError(f"name at least one provider of {', '.join(AI_PROVIDER_NAMES)}")
        unknown = [name for name in names if name not in AI_PROVIDER_NAMES]
        if unknown:
            raise ValueError(
                f"unknown provider(s) {', '.join(unknown)}; use {', '.join(AI_PROVIDER_NAMES)}"
            )
        return ",".join(dict.fromkeys(names))

    def ai_provider_problems(self, name: str) -> list[str]:
        """The settings provider ``name`` needs but lacks, as "VARIABLE: why" messages."""
        return [
            f"MAILROOM_{field.upper()}: required by the {name} provider"
            for field in AI_PROVIDER_REQUIRES.get(name, ())
            if not getattr(self, field)
        ]

    def configured_ai_providers(self) -> list[str]:
        """The AI providers whose settings are complete (``local`` always is)."""
        return [name for name in AI_PROVIDER_NAMES if not self.ai_provider_problems(name)]

    def ai_chain_problems(self) -> list[str]:
        """Settings a provider named in an AI chain needs but lacks, as messages."""
        names = dict.fromkeys(f"{self.ai_classify_chain},{self.ai_draft_chain}".split(","))
        return [f"{p} in an AI chain" for name in names for p in self.ai_provider_problems(name)]

    @field_validator("encryption_key", "encryption_old_keys", mode="before")
    @classmethod
    def _keys_shape(cls, value: object, info: ValidationInfo) -> object:
        if value == "":
            return None
        if isinstance(value, str):
            setting = f"MAILROOM_{str(info.field_name).upper()}"
            for part in value.split(","):
                if part.strip() or info.field_name == "encryption_key":
                    parse_key(part, setting=setting)
        return value

    def field_cipher(self) -> FieldCipher | None:
        """The cipher of the configured keys, or None when data is stored in clear."""
        if self.encryption_key is None:
            return None
        old = self.encryption_old_keys.get_secret_value() if self.encryption_old_keys else ""
        return FieldCipher(
            parse_key(self.encryption_key.get_secret_value()),
            [parse_key(part) for part in old.split(",") if part.strip()],
        )

    def retention_days(self) -> dict[str, int]:
        """Days kept per collection (0: forever), in ``RETENTION_COLLECTIONS`` order."""
        return {
            name: int(getattr(self, f"retention_{name}_days")) for name in RETENTION_COLLECTIONS
        }

    @field_validator("reply_from_address")
    @classmethod
    def _address_has_at(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("MAILROOM_REPLY_FROM_ADDRESS must be an email address")
        return value

    @model_validator(mode="after")
    def _provider_settings_present(self) -> Settings:
        needs = {
            ("email_sender", "smtp"): ("smtp_host",),
            ("email_sender", "sendgrid"): ("sendgrid_api_key",),
            ("email_sender", "brevo"): ("brevo_api_key",),
            ("email_sender", "gmail"): (
                "gmail_client_id",
                "gmail_client_secret",
                "gmail_refresh_token",
            ),
            ("notifier", "slack_webhook"): ("slack_webhook_url",),
            ("notifier", "slack"): ("slack_bot_token",),
            ("notifier", "webhook"): ("webhook_url", "webhook_secret"),
            ("notifier", "email"): ("notify_email_to", "smtp_host"),
        }
        for (field, value), required in needs.items():
            if getattr(self, field) != value:
                continue
            missing = [f"MAILROOM_{name.upper()}" for name in required if not getattr(self, name)]
            if missing:
                raise ValueError(
                    f"MAILROOM_{field.upper()}={value} needs {' and '.join(missing)} to be set"
                )
        return self

    @cached_property
    def database_file(self) -> Path:
        return self.sqlite_path or self.data_dir / "mailroom.db"

    @cached_property
    def demo_outbox_dir(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @cached_property
    def accounts_path(self) -> Path:
        return self.accounts_file or self.data_dir / "accounts.toml"

    @cached_property
    def session_secret_path(self) -> Path:
        return self.data_dir / "session-secret"

    @cached_property
    def revoked_sessions_dir(self) -> Path:
        return self.data_dir / "revoked-sessions"

    @cached_property
    def model_store_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"


class SettingsError(ValueError):
    """One or more settings are invalid; the message names each variable and why."""


def load_settings() -> Settings:
    """Read the settings; raise ``SettingsError`` naming each bad variable and the reason."""
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if not error["loc"]:
                # A check across settings: its message names them; its input holds secrets.
                problems.append(str(error["msg"]).removeprefix("Value error, "))
                continue
            field = str(error["loc"][0])
            variable = field if field.isupper() else f"MAILROOM_{field.upper()}"
            shown = "" if field.lower() in SECRET_FIELDS else f" (got {error.get('input')!r})"
            problems.append(f"{variable}: {error['msg']}{shown}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from exc
    chain_problems = settings.ai_chain_problems()
    if chain_problems:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(chain_problems))
    return settings
