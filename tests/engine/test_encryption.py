"""Encryption at rest: nothing a customer wrote is readable in the database files, keys rotate."""

from __future__ import annotations

import json
from pathlib import Path

import mongomock
import pytest

from engine.adapters import ProviderSet
from engine.cli import main
from engine.encryption import (
    EncryptionError,
    FieldCipher,
    MissingKeyError,
    new_key,
    parse_key,
)
from engine.models import AuditEntry, CategoryCorrection, Email, utcnow
from engine.service import ControlRefused, MailroomService
from engine.settings import Settings, SettingsError, load_settings
from engine.store.base import Store
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore
from tests.engine.data_protection import (
    ADMIN,
    EDIT,
    distinctive_words,
    raw_database_bytes,
    run_to_sent_reply,
)

KEY_A, KEY_B = new_key(), new_key()
BODY = "Hello, my parcel Wobblefritz-9921 never arrived at Quillington Crescent. Please help!"


def cipher(current: str, *old: str) -> FieldCipher:
    return FieldCipher(parse_key(current), [parse_key(key) for key in old])


@pytest.fixture
def key_a() -> FieldCipher:
    return cipher(KEY_A)


def email(message_id: str = "<m1@example.com>", body: str = BODY) -> Email:
    return Email(
        message_id=message_id,
        mailbox="support",
        from_address="Jane.Doe@Example.org",
        from_name="Jane Doe",
        subject="Parcel Wobblefritz missing",
        body_text=body,
        text_for_classification=body,
        thread_key="jane.doe@example.org|parcel wobblefritz missing",
        received_at=utcnow(),
        thread_id="thr_1",
    )


def sealed_doc(store: SQLiteStore, table: str) -> dict[str, object]:
    with store._locked() as db:  # the raw row, as another tool would read the file
        (doc,) = db.execute(f"SELECT doc FROM {table} LIMIT 1").fetchone()
    value: dict[str, object] = json.loads(doc)
    return value


# --- nothing readable in the files ---------------------------------------------------------------
def test_without_a_key_the_body_is_readable_in_the_file(tmp_path: Path) -> None:
    """The control: the raw-bytes search below does find text stored in clear."""
    store = SQLiteStore(tmp_path / "clear.db")
    store.setup()
    store.insert_email(email())
    assert b"quillington" in raw_database_bytes(tmp_path / "clear.db")
    store.close()


def test_with_a_key_a_full_run_leaves_no_customer_text_in_the_database_or_wal(
    store: Store, providers: ProviderSet, settings: Settings, key_a: FieldCipher
) -> None:
    store.cipher = key_a
    background = raw_database_bytes(settings.database_file)  # the seeded workflow only
    run = run_to_sent_reply(store, providers, settings)
    raw = raw_database_bytes(settings.database_file)
    assert Path(str(settings.database_file) + "-wal").exists()
    assert b"enc:v1:" in raw and b"hk:v1:" in raw
    needles = {EDIT.lower(), run.reply.body.lower()}
    for stored in run.emails:
        assert stored.body_text  # read back decrypted
        needles |= {stored.body_text.lower(), stored.subject.lower(), stored.from_address.lower()}
        needles |= distinctive_words(stored.body_text + " " + stored.subject, background)
    needles |= distinctive_words(run.reply.body, background)
    assert len(needles) > 10
    leaked = sorted(n for n in needles if n.encode() in raw)
    assert leaked == []


def test_every_protected_record_round_trips_and_its_text_stays_out_of_the_file(
    tmp_path: Path, key_a: FieldCipher
) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(path, key_a)
    store.setup()
    store.insert_email(email())
    store.save_correction(
        CategoryCorrection(
            approval_id="apr_1",
            email_id="eml_1",
            text=BODY,
            original_category="billing",
            corrected_category="shipping",
            corrected_by="alice",
        )
    )
    store.append_audit(
        AuditEntry(actor="alice", role="agent", action="x", target="apr_1", after={"body": BODY})
    )
    found = store.find_thread_by_key(
        "support", "jane.doe@example.org|parcel wobblefritz missing", utcnow().replace(year=2000)
    )
    assert found is not None and found.body_text == BODY
    assert found.from_address == "Jane.Doe@Example.org"
    assert store.list_corrections()[0].text == BODY
    assert store.list_audit()[0].after == {"body": BODY}
    raw = raw_database_bytes(path)
    for needle in (b"wobblefritz", b"quillington", b"jane.doe", b"jane doe"):
        assert needle not in raw
    doc = sealed_doc(store, "emails")
    assert str(doc["body_text"]).startswith(f"enc:v1:{key_a.current.key_id}:")
    assert str(doc["from_address"]).startswith("hk:v1:")
    store.close()


def test_mongo_documents_hold_no_customer_text(key_a: FieldCipher) -> None:
    client: mongomock.MongoClient[dict[str, object]] = mongomock.MongoClient(tz_aware=True)
    store = MongoStore(client, "enc", key_a)
    store.setup()
    store.insert_email(email())
    raw = repr(list(client["enc"]["emails"].find())).lower()
    assert "wobblefritz" not in raw and "jane" not in raw and "enc:v1:" in raw
    stored = store.find_email_by_message_id("<m1@example.com>")
    assert stored is not None and stored.body_text == BODY


def test_a_ciphertext_moved_to_another_field_does_not_open(
    tmp_path: Path, key_a: FieldCipher
) -> None:
    store = SQLiteStore(tmp_path / "t.db", key_a)
    store.setup()
    stored = email()
    store.insert_email(stored)
    with store._locked() as db:
        db.execute(
            "UPDATE emails SET doc = json_set(doc, '$.subject', json_extract(doc, '$.body_text'))"
        )
    with pytest.raises(EncryptionError, match=r"Email\.subject"):
        store.get_email(stored.email_id)
    store.close()


# --- keys and rotation ---------------------------------------------------------------------------
def test_rotation_keeps_old_data_readable_writes_new_data_under_the_new_key(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    a = cipher(KEY_A)
    store = SQLiteStore(path, a)
    store.setup()
    first = email("<a@x>")
    store.insert_email(first)
    store.close()
    store = SQLiteStore(path, cipher(KEY_B))
    with pytest.raises(MissingKeyError, match="MAILROOM_ENCRYPTION_OLD_KEYS"):
        store.get_email(first.email_id)
    store.close()
    b = cipher(KEY_B, KEY_A)
    store = SQLiteStore(path, b)
    read = store.get_email(first.email_id)
    assert read is not None and read.body_text == BODY
    second = email("<b@x>", body="second message")
    store.insert_email(second)
    with store._locked() as db:
        docs = dict(db.execute("SELECT message_id, doc FROM emails").fetchall())
    assert f"enc:v1:{a.current.key_id}:" in docs["<a@x>"]
    assert f"enc:v1:{b.current.key_id}:" in docs["<b@x>"]
    assert a.current.key_id not in docs["<b@x>"]
    # The thread lookup still finds the row whose token was made under the old key.
    found = store.find_thread_by_key("support", first.thread_key, utcnow().replace(year=2000))
    assert found is not None
    rewritten = MailroomService(store).rotate_key(ADMIN)
    assert rewritten["emails"] == 1  # only the row under key A
    assert MailroomService(store).rotate_key(ADMIN)["emails"] == 0
    store.close()
    store = SQLiteStore(path, cipher(KEY_B))  # key A retired
    for stored in (first, second):
        read = store.get_email(stored.email_id)
        assert read is not None and read.thread_key == stored.thread_key
    assert store.find_thread_by_key("support", first.thread_key, utcnow().replace(year=2000))
    with store._locked() as db:
        everything = "".join(doc for (doc,) in db.execute("SELECT doc FROM emails"))
    assert a.current.key_id not in everything
    store.close()


def test_turning_encryption_on_later_encrypts_the_clear_rows_on_rotate(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "later.db")
    store.setup()
    store.insert_email(email())
    store.cipher = cipher(KEY_A)
    assert store.find_email_by_message_id("<m1@example.com>") is not None
    assert MailroomService(store).rotate_key(ADMIN)["emails"] == 1
    store.compact()
    assert b"quillington" not in raw_database_bytes(tmp_path / "later.db")
    assert store.get_email(email().email_id) is None  # a new id; look up by Message-ID
    read = store.find_email_by_message_id("<m1@example.com>")
    assert read is not None and read.body_text == BODY
    store.close()


def test_rotate_key_needs_a_key(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "n.db")
    store.setup()
    with pytest.raises(ControlRefused, match="MAILROOM_ENCRYPTION_KEY"):
        MailroomService(store).rotate_key(ADMIN)
    store.close()


def test_rotate_key_command_retires_the_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAILROOM_ENCRYPTION_KEY", KEY_A)
    assert main(["status"]) == 0
    from engine.store.factory import open_store

    store = open_store(load_settings())
    store.setup()
    store.insert_email(email())
    store.close()
    monkeypatch.setenv("MAILROOM_ENCRYPTION_KEY", KEY_B)
    monkeypatch.setenv("MAILROOM_ENCRYPTION_OLD_KEYS", KEY_A)
    capsys.readouterr()
    assert main(["privacy", "rotate-key"]) == 0
    assert json.loads(capsys.readouterr().out)["rewritten"]["emails"] == 1
    monkeypatch.delenv("MAILROOM_ENCRYPTION_OLD_KEYS")
    store = open_store(load_settings())
    assert store.cipher is not None
    assert store.cipher.key_ids == [cipher(KEY_B).current.key_id]
    read = store.find_email_by_message_id("<m1@example.com>")
    assert read is not None and read.body_text == BODY
    store.close()
    audit = SQLiteStore(tmp_path / "data" / "mailroom.db", cipher(KEY_B)).list_audit()
    assert audit[0].action == "rotate_key" and audit[0].actor.startswith("cli:")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MAILROOM_ENCRYPTION_KEY", "not base64!", "MAILROOM_ENCRYPTION_KEY is not valid base64"),
        ("MAILROOM_ENCRYPTION_KEY", "c2hvcnQ=", "base64 of 32 random bytes, not 5"),
        ("MAILROOM_ENCRYPTION_OLD_KEYS", f"{KEY_A},c2hvcnQ=", "MAILROOM_ENCRYPTION_OLD_KEYS must"),
    ],
)
def test_a_bad_key_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv("MAILROOM_ENCRYPTION_KEY", KEY_A)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message) as raised:
        load_settings()
    assert value not in str(raised.value)  # a key, even a bad one, is never printed


def test_settings_build_the_cipher_with_old_keys() -> None:
    settings = Settings(encryption_key=KEY_B, encryption_old_keys=f" {KEY_A} ,")
    built = settings.field_cipher()
    assert built is not None
    assert built.key_ids == [cipher(KEY_B).current.key_id, cipher(KEY_A).current.key_id]
    assert Settings().field_cipher() is None
