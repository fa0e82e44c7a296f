"""Structured logs: one JSON object per line, carrying the correlation ids of the email and the
execution being worked on, with every configured secret masked.

The ids live in context variables: ``correlation(execution_id=..., email_id=...)`` sets them for
a block (the executor around an execution, the trigger around each email), and every log record
made inside it — in that thread, or in a node thread started with ``contextvars.copy_context``
— carries them. Masking is a second line of defence: code must not log secrets or email bodies
in the first place, but a secret that slips into an exception message or a URL (``?token=``) is
replaced by ``[redacted]`` in the formatted line, whatever logger produced it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pythonjsonlogger.json import JsonFormatter

from engine.settings import SECRET_FIELDS, Settings

REDACTED = "[redacted]"
#: Correlation fields, in the order they appear in a log line.
CORRELATION_FIELDS = ("execution_id", "email_id", "workflow_id", "node_id")
_CONTEXT: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"mailroom_{name}", default=None) for name in CORRELATION_FIELDS
}
# Secrets shorter than this are not masked: "a" would mask every "a" in every line.
_MIN_SECRET_LENGTH = 6
#: Environment variables whose values are secrets although Settings does not know them (an IMAP
#: trigger's ``password_env`` may name any variable).
_SECRET_ENV_NAME = re.compile(r"(PASSWORD|PASSWD|TOKEN|SECRET|API_KEY|APIKEY|PRIVATE_KEY)$", re.I)


@contextmanager
def correlation(**ids: str | None) -> Iterator[None]:
    """Tag every log record made inside the block with ``ids`` (of ``CORRELATION_FIELDS``)."""
    unknown = set(ids) - set(CORRELATION_FIELDS)
    if unknown:
        raise ValueError(f"unknown correlation field(s) {sorted(unknown)}")
    tokens = [(_CONTEXT[name], _CONTEXT[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_correlation() -> dict[str, str]:
    """The correlation ids set now (only those with a value)."""
    return {name: value for name, var in _CONTEXT.items() if (value := var.get()) is not None}


def secret_values(settings: Settings, environ: dict[str, str] | None = None) -> list[str]:
    """Every secret value this process knows: the Settings' secret fields (and the password
    inside a MongoDB URI), plus environment variables named like secrets."""
    environ = dict(os.environ) if environ is None else environ
    values: set[str] = set()
    for field in SECRET_FIELDS:
        secret = getattr(settings, field, None)
        if secret is None:
            continue
        value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
        values.add(value)
        if field == "mongodb_uri":
            password = urlsplit(value).password
            if password:
                values.update({password, unquote(password)})
    for name, value in environ.items():
        if _SECRET_ENV_NAME.search(name) or name in ("MONGODB_URI", "MAILROOM_MONGODB_URI"):
            values.add(value)
    return sorted((v for v in values if len(v) >= _MIN_SECRET_LENGTH), key=len, reverse=True)


class Redactor:
    """Replaces each secret (as written, and as JSON escapes it) by ``[redacted]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < _MIN_SECRET_LENGTH:
                continue
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)


class CorrelationFilter(logging.Filter):
    """Puts the current correlation ids on each record (as attributes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current_correlation().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class MailroomJsonFormatter(JsonFormatter):
    """``{"time", "level", "logger", "message", "process", "thread", <correlation ids>, ...}``
    with secrets masked in the finished line."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d %(threadName)s",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "threadName": "thread",
            },
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
        self._redact = redactor

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("color_message", None)  # uvicorn's copy of the message with ANSI colours
        for name in CORRELATION_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                log_data[name] = value

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class RedactingTextFormatter(logging.Formatter):
    """The human-readable line (``MAILROOM_LOG_FORMAT=text``), ids appended, secrets masked."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(
            f"{name}={value}"
            for name in CORRELATION_FIELDS
            if (value := getattr(record, name, None)) is not None
        )
        return self._redact(f"{line} [{ids}]" if ids else line)


def configure_logging(
    settings: Settings,
    *,
    log_format: Literal["json", "text"] | None = None,
    level: int = logging.INFO,
    stream: Any = None,
    replace: bool = True,
) -> logging.Handler:
    """Send every logger's records to one handler on ``stream`` (stderr), formatted as
    ``settings.log_format`` says, with correlation ids and secrets masked; with ``replace``
    the root logger's other handlers are removed. Returns the handler."""
    redactor = Redactor(secret_values(settings))
    chosen = log_format or settings.log_format
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(
        MailroomJsonFormatter(redactor) if chosen == "json" else RedactingTextFormatter(redactor)
    )
    root = logging.getLogger()
    for existing in list(root.handlers) if replace else []:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler logs every run of every job at INFO: twice a second per worker.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Third-party HTTP clients log request URLs at INFO; keep them to warnings.
    for noisy in ("httpx", "httpcore", "httpx2", "httpcore2", "openai", "anthropic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # uvicorn's records must reach this handler (the access log's ?token= is redacted here).
    # Others change those loggers process-wide: Streamlit gives "uvicorn" its own stderr
    # handler and stops its propagation; a server started with access_log=False (the probe
    # server) stops the access log's. Only the command line calls this, at start-up.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate, named.disabled = True, False
        named.setLevel(logging.NOTSET)
    return handler


__all__ = [
    "CORRELATION_FIELDS",
    "REDACTED",
    "CorrelationFilter",
    "MailroomJsonFormatter",
    "Redactor",
    "configure_logging",
    "correlation",
    "current_correlation",
    "secret_values",
]
