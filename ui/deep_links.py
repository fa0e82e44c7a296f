"""Addresses for what a page shows: ``/approvals?approval=<id>``, ``/executions?execution=<id>``.

The query parameter names the item a page has open, so the address can be bookmarked, reloaded
or sent to a colleague. A link is followed once when it arrives (a reload or a pasted address);
after that the page's own selection leads and the address follows it.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

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


def link_to(page: str, param: str, value: str, label: str, icon: str | None = None) -> None:
    """A link that opens ``page`` (``"approvals"``) with ``?param=value``, in this tab.

    A page run on its own (without the app's navigation, as tests do) has no registered pages
    to link to; it gets a plain link to the same address instead.
    """
    try:
        st.page_link(f"pages/{page}.py", label=label, icon=icon, query_params={param: value})
    except StreamlitPageNotFoundError:
        st.markdown(f"[{label}](/{page}?{urlencode({param: value})})")
