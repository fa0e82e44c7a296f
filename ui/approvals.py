"""The Approvals page's logic, without Streamlit: queue order, bulk candidates, safe HTML."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from engine.service import Approval, sanitise_for_display

#: Tags kept when showing an email's HTML part. Images are dropped: a remote image is a
#: tracking pixel that tells the sender when an agent opened the email.
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def by_urgency(queue: Iterable[Approval]) -> list[Approval]:
    """Most urgent first: priority, then the least time left before the SLA, then oldest."""
    return sorted(
        queue,
        key=lambda a: (a.priority_rank, a.due_at or FAR_FUTURE, a.created_at, a.approval_id),
    )


def mine_first(queue: list[Approval], name: str, only_mine: bool) -> list[Approval]:
    """Approvals assigned to ``name`` first (or only those, with ``only_mine``)."""
    mine = [a for a in queue if a.assigned_to == name]
    if only_mine:
        return mine
    return mine + [a for a in queue if a.assigned_to != name]


def confident(approval: Approval, threshold: float) -> bool:
    """Whether the draft and the classification behind it are both at least ``threshold``
    confident: the drafts an agent may approve in bulk without opening each."""
    return (
        approval.draft.confidence >= threshold
        and approval.classification.category_confidence >= threshold
        and bool(approval.draft.body.strip())
    )


def bulk_candidates(queue: Iterable[Approval], threshold: float) -> list[Approval]:
    return [approval for approval in queue if confident(approval, threshold)]


def sanitised_html(html: str) -> str:
    """``html`` with scripts, styles, event handlers, images and unsafe URLs removed; links
    open in a new tab without telling the target who sent the visitor, each followed by its
    real target.

    The result is wrapped in a ``div``: ``st.html`` reads a string that names an existing file
    as that file, so an email whose HTML part is ``data/accounts.toml`` must never reach it bare.
    """
    return f'<div class="mailroom-email">{sanitise_for_display(html)}</div>'
