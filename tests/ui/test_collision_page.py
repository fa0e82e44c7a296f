"""Two people on one draft, on the Approvals page (AppTest): the page shows who else has the
draft open, and when a manager approved it first the agent's edited reply is kept and shown
with what happened, never dropped without a word."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from engine.service import Actor, MailroomService, Role
from engine.store.base import Store
from tests.engine.test_queue_service import seed

MARIA = Actor("maria", Role.MANAGER)


def test_an_edit_that_lost_the_race_is_kept_and_explained(
    store: Store, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    first, second = seed(store, 2)
    at = open_page("approvals", user="bea")
    assert at.text_area(key=f"body-{first}")  # the first draft is open
    service.viewing(MARIA, first)  # maria opens it too
    at.run()
    assert any("Also open for maria" in str(info.value) for info in at.info)

    at.text_area(key=f"body-{first}").set_value("Bea's careful answer about order Z0000.")
    service.approve(MARIA, first)  # maria approves it as drafted, first
    at.button(key=f"approve-{first}").click().run()
    assert not at.exception

    warnings = " ".join(str(w.value) for w in at.warning)
    assert "Your reply was **not sent**" in warnings
    assert "already approved by maria" in warnings
    assert any("Bea's careful answer about order Z0000." in str(c.value) for c in at.code)
    stored = store.get_approval(first)
    assert stored is not None and stored.decided_by == "maria"
    assert stored.final_body != "Bea's careful answer about order Z0000."
    # The page moved on to the draft still waiting, and the kept text stays until dismissed.
    assert at.text_area(key=f"body-{second}")
    at.button(key="kept-edit-dismiss").click().run()
    assert not any("careful answer" in str(c.value) for c in at.code)


def test_nobody_else_on_the_draft_shows_nothing(
    store: Store, open_page: Callable[..., AppTest]
) -> None:
    seed(store, 1)
    at = open_page("approvals", user="bea")
    assert not any("Also open for" in str(info.value) for info in at.info)
