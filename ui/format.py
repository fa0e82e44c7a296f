"""Formatting of times, statuses and untrusted text for display."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.service import ExecutionStatus, NodeStatus, WorkflowStatus


@dataclass(frozen=True)
class StatusColour:
    """How a status is coloured: a Streamlit colour name (badges, markdown) and a hex value."""

    name: str
    hex: str


# One mapping for execution and node statuses (they share names such as "waiting").
STATUS_COLOURS: dict[str, StatusColour] = {
    ExecutionStatus.PENDING: StatusColour("gray", "#9e9e9e"),
    ExecutionStatus.RUNNING: StatusColour("blue", "#1e88e5"),
    ExecutionStatus.WAITING: StatusColour("orange", "#f5a623"),
    ExecutionStatus.COMPLETED: StatusColour("green", "#43a047"),
    ExecutionStatus.FAILED: StatusColour("red", "#e53935"),
    ExecutionStatus.PAUSED: StatusColour("violet", "#8e24aa"),
    ExecutionStatus.CANCELLED: StatusColour("gray", "#616161"),
    NodeStatus.SKIPPED: StatusColour("gray", "#bdbdbd"),
}
UNKNOWN_COLOUR = StatusColour("gray", "#bdbdbd")

WORKFLOW_STATUS_COLOURS: dict[str, StatusColour] = {
    WorkflowStatus.ACTIVE: StatusColour("green", "#43a047"),
    WorkflowStatus.OFF: StatusColour("gray", "#9e9e9e"),
    WorkflowStatus.ARCHIVED: StatusColour("gray", "#616161"),
}

PRIORITY_COLOURS: dict[str, str] = {
    "urgent": "red",
    "high": "orange",
    "normal": "blue",
    "low": "gray",
}


#: Health words (Settings page: components and mailboxes) and the colour of their text.
HEALTH_HEX: dict[str, str] = {
    "ok": "#2e7d32",
    "warning": "#ef6c00",
    "failing": "#ef6c00",
    "error": "#c62828",
    "stalled": "#c62828",
    "never polled": "#757575",
}


def health_style(value: object) -> str:
    """CSS for a health cell of a table (pandas Styler ``map``): coloured, bold text, so the
    table reads the same without an emoji font."""
    colour = HEALTH_HEX.get(str(value))
    return f"color: {colour}; font-weight: 600" if colour else ""


def status_colour(status: str) -> StatusColour:
    """The colour of an execution or node status (grey for anything unknown)."""
    return STATUS_COLOURS.get(status, UNKNOWN_COLOUR)


def status_badge(status: str) -> str:
    """Markdown for a coloured badge showing an execution or node ``status``."""
    return f":{status_colour(status).name}-badge[{escape_markdown(str(status))}]"


def workflow_status_badge(status: str) -> str:
    """Markdown for a coloured badge showing a workflow's status (active, draft, archived)."""
    colour = WORKFLOW_STATUS_COLOURS.get(status, UNKNOWN_COLOUR).name
    return f":{colour}-badge[{escape_markdown(str(status))}]"


def priority_badge(priority: str) -> str:
    """Markdown for a coloured badge showing ``priority``."""
    colour = PRIORITY_COLOURS.get(priority, "gray")
    return f":{colour}-badge[{escape_markdown(priority)}]"


def _as_utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{int(minutes)} min"
    hours = minutes / 60
    if hours < 48:
        whole = int(hours)
        rest = int(minutes - whole * 60)
        return f"{whole} h {rest} min" if rest and whole < 10 else f"{whole} h"
    return f"{int(hours / 24)} days"


def ago(at: datetime | None, now: datetime | None = None) -> str:
    """``"3 min ago"`` (or ``"in 3 min"`` for a future time); ``"—"`` for no time."""
    if at is None:
        return "—"
    now = now or datetime.now(UTC)
    seconds = (_as_utc(now) - _as_utc(at)).total_seconds()
    if -5 < seconds < 5:
        return "just now"
    return f"{_span(seconds)} ago" if seconds > 0 else f"in {_span(seconds)}"


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    """``"2 h 5 min left"`` until ``due``, ``"overdue by 10 min"`` after it."""
    if due is None:
        return "no deadline"
    now = now or datetime.now(UTC)
    seconds = (_as_utc(due) - _as_utc(now)).total_seconds()
    return f"{_span(seconds)} left" if seconds >= 0 else f"overdue by {_span(seconds)}"


def timestamp(at: datetime | None) -> str:
    """A stored (UTC) time as ``2024-05-01 14:03:07 UTC``; ``"—"`` for none."""
    if at is None:
        return "—"
    return _as_utc(at).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def short_id(identifier: str, length: int = 8) -> str:
    """``exe_3f2a1b9c`` from ``exe_3f2a1b9c...``: the prefix and the first hex digits."""
    prefix, sep, rest = identifier.partition("_")
    return f"{prefix}_{rest[:length]}" if sep else identifier[: length + 4]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$=&^\"'@/%])")


def escape_markdown(text: str) -> str:
    """``text`` with every character Markdown (and Streamlit's directives, emoji shortcodes,
    LaTeX and HTML) could interpret backslash-escaped, so it is shown literally.

    Untrusted text (anything from an email) must pass through this, or ``st.text``, before
    it reaches a Markdown-rendering element: an image link in a subject would otherwise
    make every agent's browser fetch a sender-chosen URL.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # Line breaks would start new Markdown blocks (headings, lists) in labels.
    return " ".join(escaped.split())


def code(text: str) -> str:
    """``text`` as inline Markdown code: shown literally (no escapes are needed or allowed
    inside a code span), with backticks and line breaks removed so the span cannot end early."""
    cleaned = " ".join(text.replace("`", "'").split())
    return f"`{cleaned}`" if cleaned else ""
