"""The delivery log on SQLite: unique on (``outbox_id``, ``attempt``)."""

from __future__ import annotations

from engine.delivery_log import DeliveryPage, DeliveryQuery, DeliveryRecord
from engine.store.ports.deliveries import DeliveryLogStore
from engine.store.sqlite.connection import SQLiteDatabase, Where, t, value_of


class SQLiteDeliveryLogStore(SQLiteDatabase, DeliveryLogStore):
    def record_delivery(self, record: DeliveryRecord) -> bool:
        with self._locked() as db:
            inserted = db.execute(
                "INSERT INTO deliveries (outbox_id, attempt, execution_id, channel, outcome, at,"
                " doc) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id, attempt) DO NOTHING",
                (
                    record.outbox_id,
                    record.attempt,
                    record.execution_id,
                    record.channel,
                    record.outcome.value,
                    t(record.at),
                    self._dump(record),
                ),
            ).rowcount
        return inserted == 1

    def list_deliveries(self, query: DeliveryQuery) -> DeliveryPage:
        where = (
            Where()
            .add_if(value_of(query.outcome), "outcome = ?")
            .add_if(query.channel, "channel = ?")
            .add_if(query.execution_id, "execution_id = ?")
            .add_if(query.outbox_id, "outbox_id = ?")
        )
        total = self._count(f"SELECT COUNT(*) FROM deliveries WHERE {where.sql}", *where.params)
        records = self._all(
            DeliveryRecord,
            f"SELECT doc FROM deliveries WHERE {where.sql}"
            " ORDER BY at DESC, attempt DESC, outbox_id DESC LIMIT ? OFFSET ?",
            *where.params,
            query.limit,
            query.offset,
        )
        return DeliveryPage(records=records, total=total)
