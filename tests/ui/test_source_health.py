"""The mailbox health renderer in a real Streamlit script run (AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.mail.inbound import accept_raw
from engine.models import SourceHealth, utcnow
from engine.store.sqlite import SQLiteStore


def _script(database: str) -> None:
    from pathlib import Path

    from engine.service import Actor, MailroomService, Role
    from engine.store.sqlite import SQLiteStore
    from ui.source_health import render_source_health

    store = SQLiteStore(Path(database))
    render_source_health(MailroomService(store), Actor("alice", Role.ADMIN))
    store.close()


def test_the_table_and_the_quarantine_are_shown(tmp_path: Path) -> None:
    database = tmp_path / "mailroom.db"
    store = SQLiteStore(database)
    store.setup()
    store.save_source_health(
        SourceHealth(
            source_key="k",
            workflow_id="wf",
            node_id="n",
            source="imap",
            mailbox="support@example.com",
            last_success_at=utcnow(),
            lag_seconds=3.0,
        )
    )
    accept_raw(store, b"Subject: x\n\nno sender\n", mailbox="support@example.com", source="imap")
    store.close()
    app = AppTest.from_function(_script, args=(str(database),)).run(timeout=30)
    assert not app.exception
    assert [s.value for s in app.subheader] == ["Mailboxes", "Quarantined messages"]
    health, quarantine = app.dataframe
    assert health.value["mailbox"].tolist() == ["support@example.com"]
    assert health.value["status"].tolist() == ["ok"]
    assert "no sender" in quarantine.value["reason"].tolist()[0]
