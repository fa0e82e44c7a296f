"""The Approvals page's queue (AppTest): the pending total, paging to the last page, a search
that finds one customer's draft, a filter that narrows the total, and saved views."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from engine.service import UNASSIGNED
from engine.store.base import Store
from tests.engine.test_queue_service import seed
from tests.ui.conftest import PAGE_TIMEOUT, ROOT
from ui.auth import SESSION_USER


def open_buttons(at: AppTest) -> list[str]:
    return [str(b.key).removeprefix("open-") for b in at.button if str(b.key).startswith("open-")]


def shown(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.markdown, *at.caption])


def test_the_queue_pages_searches_and_filters(
    store: Store, open_page: Callable[..., AppTest]
) -> None:
    ids = seed(store, 60)
    at = open_page("approvals", user="bea")
    assert not at.exception
    assert "60 pending" in shown(at)
    assert "Page **1** of **3**" in shown(at)
    assert open_buttons(at) == ids[:25]

    at.button(key="queue-last").click().run()
    assert "Page **3** of **3**" in shown(at)
    assert open_buttons(at) == ids[50:]
    assert at.button(key="queue-next").disabled

    at.text_input(key="queue-search").set_value("customer42@shop42.example").run()
    assert open_buttons(at) == [ids[42]]
    assert "1 match the filters" in shown(at)
    assert "Page **1** of **1**" in shown(at)

    at.text_input(key="queue-search").set_value("").run()
    at.selectbox(key="queue-assignee").set_value(UNASSIGNED).run()
    unassigned = [n for n in range(60) if n % 3 and n % 5]
    assert f"{len(unassigned)} match the filters" in shown(at)
    assert open_buttons(at) == [ids[n] for n in unassigned[:25]]
    assert "60 pending" in shown(at)


def test_a_saved_view_is_kept_picked_and_deleted(
    store: Store, open_page: Callable[..., AppTest]
) -> None:
    ids = seed(store, 12)
    at = open_page("approvals", user="bea")
    at.text_input(key="queue-search").set_value("Z0007").run()
    at.text_input(key="queue-view-name").set_value("Order seven")
    at.button(key="queue-view-save").click().run()
    assert not at.exception
    assert any("Saved the view" in str(s.value) for s in at.success)

    # Another session of bea's: the view is there, and picking it filters the queue.
    at = open_page("approvals", user="bea")
    assert len(open_buttons(at)) == 12
    at.selectbox(key="queue-view").set_value("Order seven").run()
    assert open_buttons(at) == [ids[7]]
    assert at.text_input(key="queue-search").value == "Z0007"

    at.button(key="queue-view-delete").click().run()
    assert any("Deleted the view" in str(s.value) for s in at.success)
    assert at.selectbox(key="queue-view").options == ["(none)"]
    # Views are each person's own.
    assert open_page("approvals", user="maria").selectbox(key="queue-view").options == ["(none)"]


def test_a_deep_link_opens_a_draft_beyond_the_first_page(
    store: Store, open_page: Callable[..., AppTest], accounts: object
) -> None:
    ids = seed(store, 40)
    at = AppTest.from_file(str(ROOT / "pages" / "approvals.py"), default_timeout=PAGE_TIMEOUT)
    at.session_state[SESSION_USER] = "bea"
    at.query_params["approval"] = ids[33]
    at.run()
    assert not at.exception
    # Draft 33 is on page 2; the link opens it anyway (text_area raises KeyError if absent).
    linked = store.get_approval(ids[33])
    assert linked is not None
    assert at.text_area(key=f"body-{ids[33]}").value == linked.draft.body
