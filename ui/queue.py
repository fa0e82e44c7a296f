"""Approvals page: the queue's controls: search, filters, order, saved views and paging.

The controls live in the session under fixed keys, so a rerun, a decision or a deep link keeps
them; changing any of them goes back to page 1. A saved view is a name for the filter set
(``QueueFilters``), kept per person by the engine; picking one puts its filters into the controls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from engine.service import (
    ME,
    PRIORITY_RANK,
    QUEUE_REASONS,
    UNASSIGNED,
    Actor,
    ControlRefused,
    MailroomService,
    QueueFilters,
    QueueOrder,
    QueuePage,
    SlaState,
)
from ui.context import callback_actor
from ui.format import escape_markdown

PER_PAGE = 25
ANY = ""
HELD = "needs a person (any reason)"
NOT_HELD = "not held"

SEARCH_KEY = "queue-search"
CATEGORY_KEY = "queue-category"
PRIORITY_KEY = "queue-priority"
FLAG_KEY = "queue-flag"
ASSIGNEE_KEY = "queue-assignee"
SLA_KEY = "queue-sla"
ORDER_KEY = "queue-order"
PAGE_KEY = "queue-page"
VIEW_KEY = "queue-view"
VIEW_NAME_KEY = "queue-view-name"
FLASH_KEY = "queue-flash"


@dataclass(frozen=True)
class QueueRequest:
    """What the controls ask for: the filters and the page."""

    filters: QueueFilters
    page: int


def filters_from_state(state: Any) -> QueueFilters:
    """The filter set the controls in ``state`` (the session) hold."""
    flag = state.get(FLAG_KEY, ANY)
    held = True if flag == HELD else False if flag == NOT_HELD else None
    return QueueFilters(
        search=state.get(SEARCH_KEY, ""),
        category=state.get(CATEGORY_KEY) or None,
        priority=state.get(PRIORITY_KEY) or None,
        held=held,
        reason=flag if flag in QUEUE_REASONS else None,
        assignee=state.get(ASSIGNEE_KEY) or None,
        sla=SlaState(state[SLA_KEY]) if state.get(SLA_KEY) else None,
        order=QueueOrder(state.get(ORDER_KEY) or QueueOrder.URGENCY.value),
    )


def state_from_filters(filters: QueueFilters) -> dict[str, Any]:
    """The controls' values that show ``filters``."""
    flag = (
        filters.reason
        if filters.reason is not None
        else HELD
        if filters.held is True
        else NOT_HELD
        if filters.held is False
        else ANY
    )
    return {
        SEARCH_KEY: filters.search,
        CATEGORY_KEY: filters.category or ANY,
        PRIORITY_KEY: filters.priority or ANY,
        FLAG_KEY: flag,
        ASSIGNEE_KEY: filters.assignee or ANY,
        SLA_KEY: filters.sla.value if filters.sla else ANY,
        ORDER_KEY: filters.order.value,
    }


def _first_page() -> None:
    st.session_state[PAGE_KEY] = 1
    st.session_state[VIEW_KEY] = ANY  # the controls no longer show the view picked


def _go(page: int) -> None:
    st.session_state[PAGE_KEY] = page


def _apply_view(service: MailroomService) -> None:
    name = st.session_state.get(VIEW_KEY)
    view = next((v for v in service.saved_views(callback_actor()) if v.name == name), None)
    if view is None:
        return
    st.session_state.update(state_from_filters(view.filters))
    st.session_state[PAGE_KEY] = 1


def _save_view(service: MailroomService) -> None:
    name = st.session_state.get(VIEW_NAME_KEY, "")
    try:
        saved = service.save_view(callback_actor(), name, filters_from_state(st.session_state))
    except (PermissionError, ControlRefused) as exc:
        st.session_state[FLASH_KEY] = ("warning", str(exc))
        return
    st.session_state[VIEW_KEY] = saved.name
    st.session_state[VIEW_NAME_KEY] = ""
    st.session_state[FLASH_KEY] = ("success", f"Saved the view “{saved.name}”.")


def _delete_view(service: MailroomService) -> None:
    name = st.session_state.get(VIEW_KEY)
    if not name:
        return
    try:
        service.delete_view(callback_actor(), name)
    except (PermissionError, ControlRefused) as exc:
        st.session_state[FLASH_KEY] = ("warning", str(exc))
        return
    st.session_state[VIEW_KEY] = ANY
    st.session_state[FLASH_KEY] = ("success", f"Deleted the view “{name}”.")


def _label(value: str, any_label: str) -> str:
    return value or any_label


def _formatter(words: dict[str, str], any_label: str) -> Callable[[str], str]:
    def label(value: str) -> str:
        return words.get(value) or _label(value, any_label)

    return label


def render_controls(service: MailroomService, actor: Actor) -> QueueRequest:
    """The search box, filters, order and saved views; what they ask for."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash is not None:
        level, message = flash
        (st.success if level == "success" else st.warning)(escape_markdown(message))
    views = [view.name for view in service.saved_views(actor)]
    if st.session_state.get(VIEW_KEY) not in ["", *views]:
        st.session_state[VIEW_KEY] = ANY
    row = st.container(horizontal=True, vertical_alignment="bottom")
    row.text_input(
        "Search",
        key=SEARCH_KEY,
        placeholder="Subject, customer name or address, words of the email",
        on_change=_first_page,
        width=420,
    )
    row.selectbox(
        "Saved view",
        ["", *views],
        key=VIEW_KEY,
        format_func=lambda name: _label(name, "(none)"),
        on_change=_apply_view,
        args=(service,),
        width=220,
    )
    row.button(
        "Delete view",
        key="queue-view-delete",
        on_click=_delete_view,
        args=(service,),
        disabled=not st.session_state.get(VIEW_KEY),
        icon=":material/delete:",
    )
    row.text_input("Save these filters as", key=VIEW_NAME_KEY, placeholder="View name", width=200)
    row.button(
        "Save view",
        key="queue-view-save",
        on_click=_save_view,
        args=(service,),
        icon=":material/bookmark_add:",
    )
    filters = st.container(horizontal=True)
    people = service.assignees(actor)
    choices: list[tuple[str, str, list[str], str]] = [
        ("Category", CATEGORY_KEY, ["", *service.queue_categories(actor)], "any category"),
        ("Priority", PRIORITY_KEY, ["", *PRIORITY_RANK], "any priority"),
        ("Flag", FLAG_KEY, ["", HELD, NOT_HELD, *QUEUE_REASONS], "any"),
        ("Assignee", ASSIGNEE_KEY, ["", ME, UNASSIGNED, *people], "anyone"),
        ("SLA", SLA_KEY, ["", *(state.value for state in SlaState)], "any"),
        ("Order", ORDER_KEY, [order.value for order in QueueOrder], "most urgent"),
    ]
    words = {ME: f"me ({actor.name})", UNASSIGNED: "nobody (unassigned)"}
    for label, key, options, any_label in choices:
        if st.session_state.get(key) not in options:
            st.session_state[key] = options[0]
        filters.selectbox(
            label,
            options,
            key=key,
            format_func=_formatter(words, any_label),
            on_change=_first_page,
            width=180,
        )
    return QueueRequest(
        filters_from_state(st.session_state), int(st.session_state.get(PAGE_KEY, 1))
    )


def render_paging(page: QueuePage) -> None:
    """First, previous, "page x of y", next and last."""
    row = st.container(horizontal=True, vertical_alignment="center")
    at_start, at_end = page.page <= 1, page.page >= page.pages
    row.button(
        "First",
        key="queue-first",
        on_click=_go,
        args=(1,),
        disabled=at_start,
        icon=":material/first_page:",
    )
    row.button(
        "Previous",
        key="queue-previous",
        on_click=_go,
        args=(page.page - 1,),
        disabled=at_start,
        icon=":material/chevron_left:",
    )
    row.markdown(f"Page **{page.page}** of **{page.pages}**")
    row.button(
        "Next",
        key="queue-next",
        on_click=_go,
        args=(page.page + 1,),
        disabled=at_end,
        icon=":material/chevron_right:",
    )
    row.button(
        "Last",
        key="queue-last",
        on_click=_go,
        args=(page.pages,),
        disabled=at_end,
        icon=":material/last_page:",
    )
    # The service gives the last page for one past the end: keep the controls in step.
    st.session_state[PAGE_KEY] = page.page
