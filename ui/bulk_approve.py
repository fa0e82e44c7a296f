"""Approvals page: approve confident drafts in bulk, safely.

Drafts are chosen by approval id (a list that went stale while the agent read it can never hit
another draft), drafts the guard rails hold for a person are shown with their reasons and never
offered, the chosen drafts are previewed before anything is decided, and every draft sent to
the service comes back as approved or refused with the reason: nothing is skipped silently.
The service refuses flagged drafts on its own too, whatever this page sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import Actor, Approval, BulkResult, MailroomService
from ui.approvals import bulk_candidates
from ui.context import callback_actor
from ui.format import escape_markdown

DEFAULT_BULK_THRESHOLD = 0.85
THRESHOLD_KEY = "bulk-threshold"
PREVIEW_KEY = "bulk-preview"
RESULT_KEY = "bulk-result"
PREVIEW_ROWS = 3


@dataclass(frozen=True)
class BulkOutcome:
    """One draft of a bulk approval as the agent saw it, and what happened to it."""

    approval_id: str
    label: str
    outcome: str  # "approved" or "refused"
    reason: str


def selection_key(threshold: float) -> str:
    """One selection per threshold: changing it starts again from every offered draft."""
    return f"bulk-selected-{threshold:g}"


def outcomes(asked: dict[str, str], result: BulkResult) -> list[BulkOutcome]:
    """Each draft asked for, in the order shown, with its outcome; an id the service did not
    mention is reported as refused rather than dropped."""
    rows = []
    for approval_id, label in asked.items():
        if approval_id in result.approved:
            rows.append(BulkOutcome(approval_id, label, "approved", "queued to send"))
        else:
            reason = result.refused.get(approval_id, "the engine did not decide it")
            rows.append(BulkOutcome(approval_id, label, "refused", reason))
    return rows


def _preview(key: str, labels: dict[str, str]) -> None:
    chosen = [aid for aid in st.session_state.get(key) or [] if aid in labels]
    st.session_state[PREVIEW_KEY] = {aid: labels[aid] for aid in chosen}


def _cancel() -> None:
    st.session_state.pop(PREVIEW_KEY, None)


def _confirm(service: MailroomService, key: str) -> None:
    asked: dict[str, str] = st.session_state.pop(PREVIEW_KEY, None) or {}
    try:
        result = service.approve_many(callback_actor(), list(asked))
    except PermissionError as exc:
        st.session_state[RESULT_KEY] = str(exc)
        return
    st.session_state[RESULT_KEY] = outcomes(asked, result)
    st.session_state.pop(key, None)


def render_bulk_result() -> None:
    """What the last bulk approval did, once, draft by draft."""
    result = st.session_state.pop(RESULT_KEY, None)
    if result is None:
        return
    if isinstance(result, str):
        st.error(escape_markdown(result), icon=":material/block:")
        return
    approved = [row for row in result if row.outcome == "approved"]
    refused = [row for row in result if row.outcome == "refused"]
    if approved:
        st.success(
            f"Approved {len(approved)} draft{'s' if len(approved) > 1 else ''}; "
            f"{'their replies are' if len(approved) > 1 else 'the reply is'} queued to send.",
            icon=":material/check_circle:",
        )
    if refused:
        st.warning(
            f"{len(refused)} of {len(result)} drafts were not approved; each reason is below.",
            icon=":material/warning:",
        )
    st.dataframe(
        pd.DataFrame(
            {
                "draft": [row.label for row in result],
                "result": [row.outcome for row in result],
                "reason": [row.reason for row in result],
                "approval": [row.approval_id for row in result],
            }
        ),
        hide_index=True,
        width="stretch",
        key="bulk-result-table",
    )


def render_bulk_approve(
    service: MailroomService,
    actor: Actor,
    queue: Sequence[Approval],
    describe: Callable[[Approval], str],
) -> None:
    """The bulk-approval panel over ``queue``; ``describe`` names a draft for people."""
    threshold = st.slider(
        "Confidence at least (draft and category)",
        min_value=0.5,
        max_value=1.0,
        value=DEFAULT_BULK_THRESHOLD,
        step=0.05,
        key=THRESHOLD_KEY,
    )
    confident = bulk_candidates(queue, threshold)
    held = {a.approval_id: service.held_for_person(actor, a) for a in confident}
    offered = {a.approval_id: describe(a) for a in confident if not held[a.approval_id]}
    flagged = [a for a in confident if held[a.approval_id]]
    if flagged:
        st.markdown(
            f":material/front_hand: **{len(flagged)} confident drafts need a person** and are "
            "never approved in bulk: open each one."
        )
        st.markdown(
            "\n".join(
                f"- {escape_markdown(describe(a))} — needs a person: "
                f"{escape_markdown('; '.join(held[a.approval_id]))}"
                for a in flagged
            )
        )
    if not offered:
        st.caption("No unflagged draft in the queue is that confident.")
        _cancel()
        return
    key = selection_key(threshold)
    if any(aid not in offered for aid in st.session_state.get(key, [])):
        del st.session_state[key]  # some were decided or flagged meanwhile
    chosen = st.multiselect(
        "Drafts to approve as drafted (none of them flagged)",
        options=list(offered),
        default=list(offered),
        format_func=lambda aid: offered[aid],
        key=key,
    )
    previewed: dict[str, str] | None = st.session_state.get(PREVIEW_KEY)
    if previewed is not None and list(previewed) != list(chosen):
        previewed = None  # the selection changed since the preview: preview again
        _cancel()
    if previewed is None:
        st.button(
            f"Preview {len(chosen)} drafts",
            key="bulk-preview-button",
            icon=":material/preview:",
            disabled=not chosen,
            on_click=_preview,
            args=(key, offered),
        )
        return
    by_id = {a.approval_id: a for a in queue}
    st.dataframe(
        pd.DataFrame(
            {
                "draft": list(previewed.values()),
                "reply begins": [_opening(by_id.get(aid)) for aid in previewed],
            }
        ),
        hide_index=True,
        width="stretch",
        key="bulk-preview-table",
    )
    buttons = st.container(horizontal=True)
    buttons.button(
        f"Approve and send these {len(previewed)} drafts",
        key="bulk-approve",
        type="primary",
        icon=":material/done_all:",
        on_click=_confirm,
        args=(service, key),
    )
    buttons.button("Cancel", key="bulk-cancel", on_click=_cancel)


def _opening(approval: Approval | None) -> str:
    if approval is None:
        return "(no longer waiting: it will be refused)"
    lines = [line.strip() for line in approval.draft.body.splitlines() if line.strip()]
    return " ".join(lines[:PREVIEW_ROWS])[:200]
