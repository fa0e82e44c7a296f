"""The browser side of a session: writing and deleting the session cookie.

Streamlit reads cookies (``st.context.cookies``, those the browser sent when it opened the
page) but has no call that writes one during a run, so the cookie is written by a few lines of
JavaScript the app itself emits with ``st.html(..., unsafe_allow_javascript=True)``. The script
holds nothing but the cookie's name and the signed token; no customer text ever goes through
it. The cookie is ``SameSite=Strict`` (never sent by a link or form from another site), scoped to
the app's path and expires with the session; ``Secure`` when the app is served over HTTPS.
"""

from __future__ import annotations

import json

import streamlit as st

from engine.service import COOKIE_NAME

_WRITE = """<script>
(() => {{
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = {name} + "=" + {value} + "; Path=/; Max-Age=" + {max_age}
    + "; SameSite=Strict" + secure;
}})();
</script>"""


def cookie_script(value: str, max_age: int) -> str:
    """The script that sets the session cookie to ``value`` for ``max_age`` seconds (0
    deletes it)."""
    return _WRITE.format(
        name=json.dumps(COOKIE_NAME), value=json.dumps(value), max_age=json.dumps(max_age)
    )


def write_cookie(value: str, max_age: int) -> None:
    """Emit the script (an element with nothing to show)."""
    st.html(cookie_script(value, max_age), unsafe_allow_javascript=True, width="content")


def delete_cookie() -> None:
    write_cookie("", 0)
