"""Server time of the Approvals queue: one page, its total and the page's emails, at N pending.

    .venv/bin/python scripts/bench_queue.py --approvals 500
    .venv/bin/python scripts/bench_queue.py --approvals 100000 --backend sqlite --encrypted
    .venv/bin/python scripts/bench_queue.py --approvals 5000 --backend mongodb   # secantusdb

Fills a throwaway store with N pending drafts from N customers (through the store's own
create methods, as the engine writes them), then times each query the page makes, as the
median of several runs: the first page with the total, the last page, each filter, a search
for one customer and for one word. Prints one line per query and the figures as JSON last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.encryption import FieldCipher, new_key, parse_key  # noqa: E402
from engine.models import Approval, Email, utcnow  # noqa: E402
from engine.service import (  # noqa: E402
    ME,
    UNASSIGNED,
    Actor,
    MailroomService,
    QueueFilters,
    QueueOrder,
    Role,
    SlaState,
)
from engine.store.base import Store  # noqa: E402
from providers.ai.base import Classification, DraftReply  # noqa: E402

CATEGORIES = ("billing", "account", "shipping", "technical", "feature_request")
PRIORITIES = (("urgent", 0), ("high", 1), ("normal", 2), ("low", 3))
PER_PAGE = 25
AGENT = Actor("bea", Role.AGENT)


def fill(store: Store, count: int) -> float:
    """``count`` pending drafts; the seconds it took."""
    started = time.perf_counter()
    now = utcnow()
    for n in range(count):
        email = Email(
            message_id=f"<bench-{n}@example.com>",
            mailbox="support",
            thread_id=f"thread-{n}",
            from_address=f"buyer{n}@client{n}.example",
            from_name=f"Buyer {n}",
            subject=f"Order question {n}",
            body_text=f"Hello, my order R{n:06d} has not arrived. Could you look into it?",
            received_at=now - timedelta(minutes=count - n),
        )
        store.insert_email(email)
        priority, rank = PRIORITIES[n % 4]
        store.create_approval(
            Approval(
                execution_id=f"exe-{n}",
                workflow_id="wf",
                node_id="approval",
                email_id=email.email_id,
                priority=priority,
                priority_rank=rank,
                created_at=email.received_at,
                due_at=now + timedelta(minutes=n % 600 - 120),
                assigned_to="bea" if n % 7 == 0 else None,
                classification=Classification(
                    category=CATEGORIES[n % 5],
                    category_confidence=0.3 if n % 11 == 0 else 0.9,
                    priority=priority,
                    priority_confidence=0.9,
                    sentiment="neutral",
                    sentiment_confidence=0.9,
                    language="en",
                    language_confidence=0.9,
                    provider="local",
                    model="bench",
                ),
                draft=DraftReply(
                    subject=f"Re: Order question {n}",
                    body="Thank you, we are looking into it.",
                    confidence=0.9,
                    provider="local",
                    model="bench",
                ),
            )
        )
    return time.perf_counter() - started


def median_ms(action: Callable[[], Any], runs: int) -> float:
    action()  # warm: the first run also pays for cold pages
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return round(1000 * statistics.median(times), 2)


def page_with_emails(service: MailroomService, filters: QueueFilters, page: int) -> int:
    """What the page asks the engine for: one page, the pending total (from the page when
    nothing filters it), each row's email."""
    result = service.queue_page(AGENT, filters, page=page, per_page=PER_PAGE)
    if filters != QueueFilters(order=filters.order):
        service.queue_page(AGENT, per_page=1)
    for approval in result.items:
        service.get_email(AGENT, approval.email_id)
    return result.total


@contextmanager
def open_store(backend: str, folder: Path, cipher: FieldCipher | None) -> Iterator[Store]:
    if backend == "sqlite":
        from engine.store.sqlite import SQLiteStore

        store: Store = SQLiteStore(folder / "bench.db", cipher)
        store.setup()
        try:
            yield store
        finally:
            store.close()
        return
    import pymongo

    from bench.mongo import local_server
    from engine.store.mongo import MongoStore

    with local_server(folder / "secantus") as uri:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri, tz_aware=True)
        store = MongoStore(client, "bench_queue", cipher)
        store.setup()
        try:
            yield store
        finally:
            store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--approvals", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "mongodb"), default="sqlite")
    parser.add_argument("--encrypted", action="store_true", help="store under an encryption key")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    cipher = FieldCipher(parse_key(new_key())) if args.encrypted else None
    with (
        tempfile.TemporaryDirectory(prefix="bench-queue-") as folder,
        open_store(args.backend, Path(folder), cipher) as store,
    ):
        fill_seconds = fill(store, args.approvals)
        service = MailroomService(store)
        last = max(1, -(-args.approvals // PER_PAGE))
        middle = args.approvals // 2
        customer = f"buyer{middle}@client{middle}.example"
        cases: dict[str, tuple[QueueFilters, int]] = {
            "first page (most urgent)": (QueueFilters(), 1),
            "last page (most urgent)": (QueueFilters(), last),
            "first page, due first": (QueueFilters(order=QueueOrder.DUE), 1),
            "first page, newest": (QueueFilters(order=QueueOrder.RECEIVED), 1),
            "category billing": (QueueFilters(category="billing"), 1),
            "priority urgent": (QueueFilters(priority="urgent"), 1),
            "needs a person": (QueueFilters(held=True), 1),
            "assigned to me": (QueueFilters(assignee=ME), 1),
            "unassigned": (QueueFilters(assignee=UNASSIGNED), 1),
            "overdue": (QueueFilters(sla=SlaState.OVERDUE), 1),
            "search one customer": (QueueFilters(search=customer), 1),
            "search a word": (QueueFilters(search=f"R{middle:06d}"), 1),
            "search + category": (QueueFilters(search="arrived", category="account"), 1),
        }
        figures: dict[str, Any] = {
            "backend": args.backend + ("-encrypted" if args.encrypted else ""),
            "pending": args.approvals,
            "fill_seconds": round(fill_seconds, 1),
        }
        print(
            f"{figures['backend']}: {args.approvals} pending drafts"
            f" (filled in {fill_seconds:.1f} s)"
        )
        for name, (filters, page) in cases.items():
            total = page_with_emails(service, filters, page)
            ms = median_ms(lambda f=filters, p=page: page_with_emails(service, f, p), args.runs)
            figures[name] = ms
            print(f"  {name:28} {ms:8.1f} ms   ({total} match)")
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
