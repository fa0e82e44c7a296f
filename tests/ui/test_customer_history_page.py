"""Approvals page: the customer's history beside the draft, and merging its thread into
another of the customer's threads."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from engine.service import MailroomService
from engine.worker import Worker
from tests.engine.store.test_contract import at, make_email, make_outbox


def _earlier_email(service: MailroomService) -> tuple[str, str]:
    """An earlier email of the first draft's customer, in another thread, answered once;
    returns (the draft's email id, the earlier email's thread id)."""
    first = service.store.list_approvals()[0]
    email = service.store.get_email(first.email_id)
    assert email is not None
    earlier = make_email(
        "<earlier-history@x>",
        email_id="eml_earlier",
        from_address=email.from_address,
        thread_id="th_earlier",
        subject="My earlier question about invoices",
        body_text="Where is my invoice for March?",
        received_at=at(0),
    )
    assert service.store.insert_email(earlier)
    service.store.reserve_outbox(
        make_outbox(
            "reply:earlier",
            email_id="eml_earlier",
            subject="Re: My earlier question about invoices",
            body="The March invoice is attached.",
        )
    )
    return email.email_id, "th_earlier"


def _texts(at_: AppTest) -> str:
    return "\n".join([m.value for m in at_.markdown] + [t.value for t in at_.text])


def test_history_shows_the_customers_earlier_email_and_the_reply_to_it(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    email_id, _ = _earlier_email(service)
    page = open_page("approvals", user="maria")
    assert not page.exception
    history = next(e for e in page.expander if e.label.startswith("Customer history"))
    assert history.label == "Customer history (1)"
    shown = "\n".join([m.value for m in history.markdown] + [t.value for t in history.text])
    assert "My earlier question about invoices" in shown
    assert "Where is my invoice for March?" in shown
    assert "The March invoice is attached." in shown
    assert page.selectbox(key=f"history-{email_id}-target").value == "th_earlier"


def test_an_agent_merges_the_thread_into_the_customers_other_thread(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    email_id, target = _earlier_email(service)
    page = open_page("approvals", user="bea")
    assert not page.exception
    key = f"history-{email_id}"
    assert page.selectbox(key=f"{key}-target").value == target
    merge = page.button(key=f"{key}-merge")
    assert merge.disabled  # not before confirming
    page.checkbox(key=f"{key}-confirm").check().run()
    page.button(key=f"{key}-merge").click().run()
    assert not page.exception
    said = [s.value.replace("\\", "") for s in page.success]  # Markdown escapes
    assert "Merged: 1 email moved into thread th_earlier." in said
    merged = service.store.get_email(email_id)
    assert merged is not None and merged.thread_id == target
    assert service.store.list_audit(1)[0].action == "merge_threads"
    # The earlier email is now of this thread: nothing is left to merge into.
    assert "this thread" in _texts(page)
    assert not [s for s in page.selectbox if s.key == f"{key}-target"]
