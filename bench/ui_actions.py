"""What a person waits for after a click, on the server: each action of the app run through
Streamlit's AppTest against the bench store, from the click to the page drawn again.

- ``sign_in``: the sign-in form filled and submitted, with a password hashed at the accounts
  file's real cost, until the home page is drawn;
- ``open_draft``: a row's "Open" in the approval queue, until that draft is shown;
- ``search_queue``: a word typed into the queue's search box;
- ``approve_and_send``: the open draft approved, until the next one is shown;
- ``reject``: the open draft rejected with a reason, until the next one is shown.

The browser's own time (network, drawing) is not in these figures; the server's is what grows
with the store. Nothing here asserts anything.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.roles import Role

ROOT = Path(__file__).resolve().parents[1]
ACTIONS = ("sign_in", "open_draft", "search_queue", "approve_and_send", "reject")
SIGN_IN_USER = "bench-agent-sign-in"
SIGN_IN_PASSWORD = "bench-agent-sign-in-password"
TIMEOUT_SECONDS = 120.0


def _app(path: Path, user: str | None) -> AppTest:
    from ui.auth import SESSION_USER

    at = AppTest.from_file(str(path), default_timeout=TIMEOUT_SECONDS)
    if user is not None:
        at.session_state[SESSION_USER] = user
    return at


def _timed(prepare: Callable[[], AppTest], act: Callable[[AppTest], AppTest]) -> float:
    """Milliseconds of ``act`` (a click and the run it causes) on a page ``prepare`` drew."""
    main = sys.modules["__main__"]  # AppTest leaves the page as __main__; put it back
    try:
        at = prepare()
        started = time.perf_counter()
        act(at)
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        sys.modules["__main__"] = main
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return elapsed


def _approvals(user: str) -> AppTest:
    at = _app(ROOT / "pages" / "approvals.py", user)
    return at.run()


def _sign_in_form() -> AppTest:
    return _app(ROOT / "app.py", None).run()


def _submit_sign_in(at: AppTest) -> AppTest:
    at.text_input(key="sign-in-name").input(SIGN_IN_USER)
    at.text_input(key="sign-in-password").input(SIGN_IN_PASSWORD)
    button = next(b for b in at.button if b.label == "Sign in")
    return button.click().run()


def _open_a_row(at: AppTest) -> AppTest:
    rows = [b for b in at.button if b.label == "Open" and not b.disabled]
    if not rows:
        raise RuntimeError("the queue shows no draft to open")
    return rows[0].click().run()


def _search(at: AppTest) -> AppTest:
    from ui.queue import SEARCH_KEY

    return at.text_input(key=SEARCH_KEY).input("order").run()


def _open_draft_id(at: AppTest) -> str:
    """The approval id of the draft the page has open (its "Approve and send" button's key)."""
    for button in at.button:
        key = button.key or ""
        if key.startswith("approve-"):
            return key.removeprefix("approve-")
    raise RuntimeError("the page has no draft open")


def _approve(at: AppTest) -> AppTest:
    return at.button(key=f"approve-{_open_draft_id(at)}").click().run()


def _reject(at: AppTest) -> AppTest:
    aid = _open_draft_id(at)
    at.text_input(key=f"reason-{aid}").input("wrong category")
    return at.button(key=f"reject-{aid}").click().run()


def time_actions(accounts_path: Path, user: str, repeats: int) -> dict[str, float | str]:
    """Each action's median milliseconds over ``repeats`` (after one warm-up), or the reason
    it could not be timed; deciding drafts uses up to ``2 * (repeats + 1)`` waiting drafts."""
    AccountBook(accounts_path).add(SIGN_IN_USER, Role.AGENT, SIGN_IN_PASSWORD)
    steps: dict[str, tuple[Callable[[], AppTest], Callable[[AppTest], AppTest]]] = {
        "sign_in": (_sign_in_form, _submit_sign_in),
        "open_draft": (lambda: _approvals(user), _open_a_row),
        "search_queue": (lambda: _approvals(user), _search),
        "approve_and_send": (lambda: _approvals(user), _approve),
        "reject": (lambda: _approvals(user), _reject),
    }
    medians: dict[str, float | str] = {}
    for name in ACTIONS:
        prepare, act = steps[name]
        try:
            times = [_timed(prepare, act) for _ in range(repeats + 1)][1:]
        except (RuntimeError, StopIteration, KeyError) as exc:
            medians[name] = f"not timed: {exc}"
            continue
        medians[name] = round(statistics.median(times), 1)
    return medians


__all__ = ["ACTIONS", "time_actions"]
