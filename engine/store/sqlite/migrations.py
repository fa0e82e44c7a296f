"""The SQLite schema as numbered migrations; the file's ``PRAGMA user_version`` says how many
have been applied.

``migrate`` applies every migration above the file's version, in order, in one ``BEGIN
IMMEDIATE`` transaction that also sets the new version: it is all or nothing, and a second
process migrating at the same time waits for the first and then finds nothing left to do.

Migrations 1 to 4 are the schema as it grew before it was numbered. A file made then has
user_version 0 and any prefix of them, so they are written to be harmless where their tables
already exist (``IF NOT EXISTS``, and a count rebuilt rather than added to). Later migrations
start from a known version and need not be. Never change a migration that has shipped: add one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine.store.errors import SchemaTooNew


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its number, what it is for, and its SQL statements in order."""

    version: int
    purpose: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the skeleton: workflows, emails, executions, approvals, outbox, rollups, cursors,"
        " leases, workers, audit",
        (
            "CREATE TABLE IF NOT EXISTS workflows (workflow_id TEXT PRIMARY KEY,"
            " name TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,"
            " doc TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS workflows_name ON workflows (name, workflow_id)",
            "CREATE TABLE IF NOT EXISTS workflow_versions (workflow_id TEXT NOT NULL,"
            " version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (workflow_id, version))"
            " WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS emails (email_id TEXT PRIMARY KEY,"
            " mailbox TEXT NOT NULL, message_id TEXT NOT NULL, doc TEXT NOT NULL)",
            # message_id first so find_email_by_message_id uses the same index.
            "CREATE UNIQUE INDEX IF NOT EXISTS emails_message ON emails (message_id, mailbox)",
            "CREATE TABLE IF NOT EXISTS executions (execution_id TEXT PRIMARY KEY,"
            " workflow_id TEXT NOT NULL, email_id TEXT, status TEXT NOT NULL, owner TEXT,"
            " attempt INTEGER NOT NULL, lease_until TEXT, created_at TEXT NOT NULL,"
            " category TEXT, control_request TEXT, doc TEXT NOT NULL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS executions_workflow_email"
            " ON executions (workflow_id, email_id) WHERE email_id IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS executions_status_created"
            " ON executions (status, created_at)",
            "CREATE INDEX IF NOT EXISTS executions_workflow_created"
            " ON executions (workflow_id, created_at)",
            "CREATE INDEX IF NOT EXISTS executions_created ON executions (created_at)",
            "CREATE TABLE IF NOT EXISTS approvals (approval_id TEXT PRIMARY KEY,"
            " execution_id TEXT NOT NULL, node_id TEXT NOT NULL, status TEXT NOT NULL,"
            " priority_rank INTEGER NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS approvals_execution_node"
            " ON approvals (execution_id, node_id)",
            "CREATE INDEX IF NOT EXISTS approvals_queue"
            " ON approvals (status, priority_rank, created_at)",
            "CREATE TABLE IF NOT EXISTS outbox (idempotency_key TEXT PRIMARY KEY,"
            " kind TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,"
            " doc TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS outbox_kind_created ON outbox (kind, created_at)",
            "CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at)",
            "CREATE TABLE IF NOT EXISTS rollups (bucket TEXT NOT NULL, metric TEXT NOT NULL,"
            " key TEXT NOT NULL, count INTEGER NOT NULL, total REAL NOT NULL,"
            " PRIMARY KEY (bucket, metric, key)) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS rollups_metric_bucket ON rollups (metric, bucket, key)",
            "CREATE TABLE IF NOT EXISTS cursors (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL,"
            " until TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS workers (worker_id TEXT PRIMARY KEY,"
            " heartbeat_at TEXT NOT NULL, doc TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " audit_id TEXT NOT NULL UNIQUE, at TEXT NOT NULL, doc TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS audit_at ON audit (at, seq)",
        ),
    ),
    Migration(
        2,
        "real mailboxes: quarantine, the thread lookups, mailbox source health",
        (
            "CREATE TABLE IF NOT EXISTS quarantine (quarantine_key TEXT PRIMARY KEY,"
            " received_at TEXT NOT NULL, doc TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS quarantine_received ON quarantine (received_at)",
            "CREATE INDEX IF NOT EXISTS emails_thread_key ON emails (mailbox,"
            " json_extract(doc, '$.thread_key'), json_extract(doc, '$.received_at'))",
            "CREATE INDEX IF NOT EXISTS emails_thread ON emails (json_extract(doc, '$.thread_id'))",
            "CREATE TABLE IF NOT EXISTS source_health (source_key TEXT PRIMARY KEY,"
            " doc TEXT NOT NULL)",
        ),
    ),
    Migration(
        3,
        "agents' category corrections, one per approval",
        (
            "CREATE TABLE IF NOT EXISTS ai_corrections (approval_id TEXT PRIMARY KEY,"
            " corrected_at TEXT NOT NULL, doc TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ai_corrections_at"
            " ON ai_corrections (corrected_at, approval_id)",
        ),
    ),
    # Kept by triggers in the same transaction as every insert, status change and delete, so
    # the live pages read a handful of rows instead of counting the whole executions table.
    Migration(
        4,
        "executions counted per (workflow, status) by triggers",
        (
            "CREATE TABLE IF NOT EXISTS execution_counts (workflow_id TEXT NOT NULL,"
            " status TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (workflow_id, status))"
            " WITHOUT ROWID",
            "CREATE TRIGGER IF NOT EXISTS execution_counts_insert AFTER INSERT ON executions"
            " BEGIN INSERT INTO execution_counts VALUES (NEW.workflow_id, NEW.status, 1)"
            " ON CONFLICT (workflow_id, status) DO UPDATE SET count = count + 1; END",
            "CREATE TRIGGER IF NOT EXISTS execution_counts_delete AFTER DELETE ON executions"
            " BEGIN UPDATE execution_counts SET count = count - 1"
            " WHERE workflow_id = OLD.workflow_id AND status = OLD.status; END",
            "CREATE TRIGGER IF NOT EXISTS execution_counts_update"
            " AFTER UPDATE OF status, workflow_id ON executions"
            " WHEN OLD.status IS NOT NEW.status OR OLD.workflow_id IS NOT NEW.workflow_id"
            " BEGIN UPDATE execution_counts SET count = count - 1"
            " WHERE workflow_id = OLD.workflow_id AND status = OLD.status;"
            " INSERT INTO execution_counts VALUES (NEW.workflow_id, NEW.status, 1)"
            " ON CONFLICT (workflow_id, status) DO UPDATE SET count = count + 1; END",
            # Counted from the rows, whether the table is new or was kept up by the triggers.
            "DELETE FROM execution_counts",
            "INSERT INTO execution_counts SELECT workflow_id, status, COUNT(*) FROM executions"
            " GROUP BY workflow_id, status",
        ),
    ),
    Migration(
        5,
        "the HTTP API: its tokens (hashed), executions by their last change for the live stream",
        (
            "CREATE TABLE IF NOT EXISTS api_tokens (token_id TEXT PRIMARY KEY,"
            " name TEXT NOT NULL UNIQUE, token_hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS executions_updated"
            " ON executions (json_extract(doc, '$.updated_at'), execution_id)",
        ),
    ),
    Migration(
        6,
        "emails by the time they were received, newest first, for the dry run's choice of emails",
        (
            "CREATE INDEX IF NOT EXISTS emails_received"
            " ON emails (json_extract(doc, '$.received_at'), email_id)",
        ),
    ),
    # The copied fields are filled by the store's setup (engine.store._queue needs the email
    # and the key), for rows where queue_category is still NULL.
    Migration(
        7,
        "the approval queue: clear copies of what it filters, sorts and searches on",
        (
            "ALTER TABLE approvals ADD COLUMN queue_category TEXT",
            "ALTER TABLE approvals ADD COLUMN assigned_to TEXT",
            "ALTER TABLE approvals ADD COLUMN due_sort TEXT",
            "ALTER TABLE approvals ADD COLUMN received_at TEXT",
            "ALTER TABLE approvals ADD COLUMN flags TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE approvals ADD COLUMN confidence REAL NOT NULL DEFAULT 1",
            "ALTER TABLE approvals ADD COLUMN frustration REAL NOT NULL DEFAULT 0",
            "ALTER TABLE approvals ADD COLUMN negative INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE approvals ADD COLUMN search TEXT NOT NULL DEFAULT ''",
            # The guard rails' columns last: counting the drafts held for a person reads
            # this index only, not the rows.
            "CREATE INDEX approvals_queue_urgency ON approvals (status, priority_rank, due_sort,"
            " created_at, approval_id, flags, confidence, negative, frustration)",
            "CREATE INDEX approvals_queue_due ON approvals (status, due_sort, created_at)",
            "CREATE INDEX approvals_queue_received ON approvals (status, received_at)",
            "CREATE INDEX approvals_queue_category"
            " ON approvals (status, queue_category, priority_rank, due_sort)",
            "CREATE INDEX approvals_queue_assignee"
            " ON approvals (status, assigned_to, priority_rank, due_sort)",
            "CREATE INDEX approvals_queue_unindexed ON approvals (queue_category)"
            " WHERE queue_category IS NULL",
            # Search: trigrams of the search column (any part of a word, three letters or
            # more), kept by triggers. Its rowids are the approvals' rowids, which VACUUM may
            # renumber: compact() rebuilds it after.
            "CREATE VIRTUAL TABLE approvals_search USING fts5(search, content='approvals',"
            " content_rowid='rowid', tokenize='trigram')",
            "CREATE TRIGGER approvals_search_insert AFTER INSERT ON approvals BEGIN"
            " INSERT INTO approvals_search (rowid, search) VALUES (NEW.rowid, NEW.search); END",
            "CREATE TRIGGER approvals_search_delete AFTER DELETE ON approvals BEGIN"
            " INSERT INTO approvals_search (approvals_search, rowid, search)"
            " VALUES ('delete', OLD.rowid, OLD.search); END",
            "CREATE TRIGGER approvals_search_update AFTER UPDATE OF search ON approvals BEGIN"
            " INSERT INTO approvals_search (approvals_search, rowid, search)"
            " VALUES ('delete', OLD.rowid, OLD.search);"
            " INSERT INTO approvals_search (rowid, search) VALUES (NEW.rowid, NEW.search); END",
            "INSERT INTO approvals_search (approvals_search) VALUES ('rebuild')",
        ),
    ),
    Migration(
        8,
        "who has a draft open: one mark per approval and person",
        (
            "CREATE TABLE approval_viewers (approval_id TEXT NOT NULL, person TEXT NOT NULL,"
            " seen_at TEXT NOT NULL, PRIMARY KEY (approval_id, person)) WITHOUT ROWID",
            "CREATE INDEX approval_viewers_seen ON approval_viewers (seen_at)",
        ),
    ),
    # from_address holds the address, or its token under an encryption key: either way an
    # equality lookup, so one index serves both.
    Migration(
        9,
        "a customer's history: emails by sender, newest first; replies by the email answered",
        (
            "CREATE INDEX emails_from ON emails (json_extract(doc, '$.from_address'),"
            " json_extract(doc, '$.received_at'))",
            "CREATE INDEX outbox_email ON outbox (json_extract(doc, '$.email_id'))",
        ),
    ),
    Migration(
        10,
        "the delivery log: one row per attempt at a notification or webhook",
        (
            "CREATE TABLE deliveries (outbox_id TEXT NOT NULL, attempt INTEGER NOT NULL,"
            " execution_id TEXT NOT NULL, channel TEXT NOT NULL, outcome TEXT NOT NULL,"
            " at TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (outbox_id, attempt))",
            "CREATE INDEX deliveries_at ON deliveries (at, attempt, outbox_id)",
            "CREATE INDEX deliveries_execution ON deliveries (execution_id, at)",
            "CREATE INDEX deliveries_outcome ON deliveries (outcome, at)",
            "CREATE INDEX deliveries_channel ON deliveries (channel, at)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(db: sqlite3.Connection) -> int:
    """How many migrations the database file has had (``PRAGMA user_version``)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply the ``migrations`` above the file's version; return the version it is at after.

    ``db`` is in autocommit mode (no transaction open). Raise ``SchemaTooNew`` for a file
    migrated by a newer version of the code.
    """
    known = migrations[-1].version if migrations else 0
    if schema_version(db) == known:
        return known  # the common case, without taking the write lock
    db.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(db)  # again: another process may have migrated meanwhile
        if found > known:
            raise SchemaTooNew(found, known)
        for migration in migrations:
            if migration.version > found:
                for statement in migration.statements:
                    db.execute(statement)
        # PRAGMA takes no parameters; known is an int.
        db.execute(f"PRAGMA user_version = {known:d}")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return known
