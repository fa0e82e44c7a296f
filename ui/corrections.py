"""Approvals page: the guard-rail reasons and the agent's category and priority corrections.

A correction is kept as training signal: the local model retrains on the shipped data plus every
correction (engine workers check for new ones every minute).
"""

from __future__ import annotations

import streamlit as st

from engine.service import (
    PRIORITY_RANK,
    SUPPORT_TAXONOMY,
    Actor,
    Approval,
    ControlRefused,
    MailroomService,
    PermissionDenied,
)
from ui.format import code, escape_markdown


def render_review_reasons(approval: Approval) -> None:
    """Why the guard rails insist a person looks at this email, if they do."""
    classification = approval.classification
    if classification.needs_review:
        reasons = "; ".join(classification.review_reasons) or "flagged"
        st.warning(f"Needs a person: {escape_markdown(reasons)}", icon=":material/front_hand:")
    st.caption(f"Frustration {classification.frustration:.0%}")


def render_correction(service: MailroomService, actor: Actor, approval: Approval) -> None:
    """A form to correct the category and the priority; shows corrections already made."""
    aid = approval.approval_id
    made = [c for c in service.corrections(actor) if c.approval_id == aid]
    if made:
        st.caption(
            f"Corrected to {code(made[-1].corrected_category)} by "
            f"{escape_markdown(made[-1].corrected_by)}"
        )
    names = [category.name for category in SUPPORT_TAXONOMY]
    current = approval.classification.category
    options = names if current in names else [current, *names]
    priorities = list(PRIORITY_RANK)
    with st.form(key=f"correct-{aid}", border=False):
        chosen = st.selectbox(
            "Correct category", options, index=options.index(current), key=f"category-{aid}"
        )
        priority = st.selectbox(
            "Correct priority",
            priorities,
            index=priorities.index(approval.priority) if approval.priority in priorities else 2,
            key=f"priority-{aid}",
        )
        if st.form_submit_button("Save correction", key=f"save-correction-{aid}"):
            _save(service, actor, approval, str(chosen), str(priority))


def _save(
    service: MailroomService, actor: Actor, approval: Approval, category: str, priority: str
) -> None:
    aid = approval.approval_id
    category_changed = category != approval.classification.category
    priority_changed = priority != approval.priority
    try:
        if priority_changed:
            service.correct_priority(actor, aid, priority)
        if category_changed or not priority_changed:
            service.record_correction(actor, aid, category)
    except PermissionDenied as exc:
        st.error(escape_markdown(str(exc)), icon=":material/block:")
        return
    except ControlRefused as exc:
        st.warning(escape_markdown(str(exc)), icon=":material/warning:")
        return
    if category_changed:
        st.success(
            f"Saved: {code(category)}. The next local model learns from it.",
            icon=":material/school:",
        )
    if priority_changed:
        st.success(
            f"Priority set to {code(priority)}: the queue order and SLA follow.",
            icon=":material/low_priority:",
        )
