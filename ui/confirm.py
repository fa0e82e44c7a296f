"""Ask before acting: a control clicked once records what it is about, and only the "Yes" that
follows, naming the same thing, acts. What is asked is kept in the session under one key per
kind of question, so a rerun (or another row picked meanwhile) cannot turn a "Yes" into an
answer about something else."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st


def ask(key: str, about: Hashable) -> None:
    """Remember that the question under ``key`` is now about ``about``."""
    st.session_state[key] = about


def forget(key: str) -> None:
    """Drop the question under ``key`` (the "Cancel" or "No" button)."""
    st.session_state.pop(key, None)


def asked(key: str) -> Hashable | None:
    """What the question under ``key`` is about, or None when nothing is being asked."""
    about: Hashable | None = st.session_state.get(key)
    return about


def answered(key: str, about: Hashable) -> bool:
    """Whether the "Yes" just clicked answers the question about ``about`` (consumed either way)."""
    return bool(st.session_state.pop(key, None) == about)


def still_asked(key: str, current: Hashable) -> Hashable | None:
    """What is asked under ``key`` if it is still about ``current`` (the row picked now);
    a question about another row is dropped."""
    pending = asked(key)
    if pending is not None and pending != current:
        forget(key)
        return None
    return pending


def yes_or_cancel(
    key: str,
    yes_label: str,
    on_yes: Callable[..., None],
    args: tuple[Any, ...] = (),
    *,
    yes_key: str,
    no_key: str,
    no_label: str = "Cancel",
) -> None:
    """The two answers side by side: ``yes_label`` runs ``on_yes(*args)``, the other forgets."""
    row = st.container(horizontal=True)
    row.button(yes_label, key=yes_key, type="primary", on_click=on_yes, args=args)
    row.button(no_label, key=no_key, on_click=forget, args=(key,))
