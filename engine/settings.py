"""All settings in one place, read from the environment (prefix ``MAILROOM_``).

``MONGODB_URI`` is read without the prefix because that is the name every MongoDB tool uses.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Engine and app settings; a bad value is refused with the setting's name and why."""

    model_config = SettingsConfigDict(env_prefix="MAILROOM_", extra="ignore")

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

    worker_lease_seconds: float = Field(default=30.0, gt=0)
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0)
    worker_run_interval_seconds: float = Field(default=0.5, gt=0)
    worker_reload_seconds: float = Field(default=10.0, gt=0)

    demo_seed: int = 7
    outbox_dir: Path | None = Field(
        default=None, description="Where the demo outbox writes sent replies (.eml)."
    )
    reply_from_address: str = "support@mailroom.example"

    default_user: str = Field(default="admin", description="Acting user until sign-in exists.")
    default_role: str = "admin"

    @field_validator("reply_from_address")
    @classmethod
    def _address_has_at(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("MAILROOM_REPLY_FROM_ADDRESS must be an email address")
        return value

    @cached_property
    def database_file(self) -> Path:
        return self.sqlite_path or self.data_dir / "mailroom.db"

    @cached_property
    def demo_outbox_dir(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @cached_property
    def models_dir(self) -> Path:
        return self.data_dir / "models"
