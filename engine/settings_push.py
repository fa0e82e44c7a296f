"""Settings of Gmail push notifications (``users.watch`` to a Pub/Sub topic): a part of
``engine.settings.Settings``.

Kept apart only so settings.py stays short enough to read; read like every other setting
(``MAILROOM_`` environment variables or ``.streamlit/secrets.toml``).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

# Pub/Sub's resource names: a project id of 6-30 lowercase letters, digits and hyphens starting
# with a letter; a topic id of 3-255 letters, digits and - _ . ~ + %, starting with a letter,
# never with "goog".
_TOPIC = re.compile(
    r"projects/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])/topics/(?P<topic>[A-Za-z][\w.~+%-]{2,254})"
)


class PushSettings(BaseSettings):
    """Gmail push: the Pub/Sub topic Gmail publishes a mailbox's changes to. The label watched
    is the Gmail trigger's own ``gmail_label`` (the one its history is read for); the push
    subscription delivers to the intake's ``/intake/gmail?token=<MAILROOM_INTAKE_TOKEN>``."""

    gmail_push_topic: str | None = Field(
        default=None,
        description=(
            "Pub/Sub topic for Gmail push (projects/<project-id>/topics/<topic>); unset: "
            "Gmail triggers are only polled."
        ),
    )

    @field_validator("gmail_push_topic", mode="before")
    @classmethod
    def _topic_name(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        found = _TOPIC.fullmatch(text)
        if found is None or found["topic"].lower().startswith("goog"):
            raise ValueError(
                "must be a full Pub/Sub topic name, projects/<project-id>/topics/<topic> "
                "(e.g. projects/acme-support/topics/mailroom-gmail): the project id is 6-30 "
                "lowercase letters, digits or hyphens starting with a letter; the topic 3-255 "
                "letters, digits or - _ . ~ + % starting with a letter, not with 'goog'"
            )
        return text


__all__ = ["PushSettings"]
