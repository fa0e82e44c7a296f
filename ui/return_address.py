"""Where to go after the identity provider: the address a person opened before signing in.

Streamlit's identity-provider sign-in (``st.login``) always comes back to the app's root
address, so a link to ``/approvals?approval=…`` opened before signing in would be lost on the
way. The sign-in page shown at a page's address therefore keeps that address (a page name and
its query, nothing else) in a short-lived cookie; the first run that lands on the root address
after signing in opens it, and once signed in the cookie is deleted. Only a page of
:data:`ui.navigation.PAGES` is ever opened from it, so a forged cookie can lead nowhere else.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote, unquote, urlencode

import streamlit as st

from ui.navigation import PAGES

COOKIE = "mailroom_return_to"
#: Long enough for a sign-in at the provider, short enough not to surprise a later visit.
MAX_AGE_SECONDS = 600
_FOLLOWED = "return-address-followed"
_WRITTEN = "return-address-written"

# Lax, not Strict: it must be sent when the provider's redirect brings the browser back.
_SCRIPT = """<script>
(() => {{
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = {name} + "=" + {value} + "; Path=/; Max-Age=" + {max_age}
    + "; SameSite=Lax" + secure;
}})();
</script>"""


def _write(value: str, max_age: int) -> None:
    script = _SCRIPT.format(
        name=json.dumps(COOKIE), value=json.dumps(value), max_age=json.dumps(max_age)
    )
    st.html(script, unsafe_allow_javascript=True, width="content")


def remember(url_path: str) -> None:
    """On the sign-in page shown at ``url_path``: keep that page's address, with its query,
    for after the identity provider (at the root address, forget any kept before)."""
    if url_path in PAGES:
        address = f"{url_path}?{urlencode(st.query_params.to_dict())}"
        _write(quote(address, safe=""), MAX_AGE_SECONDS)
    else:
        _write("", 0)
    st.session_state[_WRITTEN] = True


def wanted() -> tuple[str, dict[str, str]] | None:
    """The page and query kept before signing in, the first time this session asks; None if
    there is none, it names no page, or it was asked for already."""
    if st.session_state.get(_FOLLOWED):
        return None
    st.session_state[_FOLLOWED] = True
    raw = st.context.cookies.get(COOKIE)
    if not isinstance(raw, str) or not raw:
        return None
    page, _, query = unquote(raw).partition("?")
    if page not in PAGES:
        return None
    return page, dict(parse_qsl(query))


def forget() -> None:
    """Signed in: delete the kept address, if this browser may hold one."""
    if COOKIE in st.context.cookies or st.session_state.get(_WRITTEN):
        _write("", 0)
