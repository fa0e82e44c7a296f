"""Addresses for what a page shows: ``/approvals?approval=<id>``, ``/executions?execution=<id>``.

The query parameter names the item a page has open, so the address can be bookmarked, reloaded
or sent to a colleague. A link is followed once when it arrives (a reload or a pasted address);
after that the page's own selection leads and the address follows it.
"""

from __future__ import annotations

import streamlit as st

APPROVAL = "approval"
EXECUTION = "execution"


def _followed_key(param: str) -> str:
    return f"deep-link-followed-{param}"


def newly_linked(param: str) -> str | None:
    """The id the address names, if the page has not followed it yet; None otherwise."""
    wanted = st.query_params.get(param)
    if not wanted or wanted == st.session_state.get(_followed_key(param)):
        return None
    st.session_state[_followed_key(param)] = wanted
    return str(wanted)


def show_in_address(param: str, value: str | None) -> None:
    """Make the address name ``value`` (or nothing), without following it again."""
    st.session_state[_followed_key(param)] = value
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value
