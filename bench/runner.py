"""``python -m bench.runner``: one worker process of a benchmark, running pending executions only.

``bench empty|pipeline --processes N`` starts N of these on the benchmark's store, so the
work spreads over cores instead of threads under one interpreter lock. Each runs
``Worker.run_pending`` on ``--threads`` threads (no trigger polling: the benchmark feeds the
store itself) until SIGTERM, then exits 0. The store and models come from the environment
(``MAILROOM_DATA_DIR``, ``MAILROOM_MODELS_DIR``, ``MAILROOM_MONGODB_URI``...), as for any
engine process, so no secret appears on a command line.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from types import FrameType

from engine.adapters import build_providers
from engine.settings import Settings
from engine.store.factory import open_store
from engine.worker import Worker
from providers.ai.taxonomy import support_taxonomy
from providers.email.demo import DemoEmailSource


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="load the local AI before saying ready")
    args = parser.parse_args(argv)
    settings = Settings(worker_concurrency=args.threads)
    store = open_store(settings)
    providers = build_providers(settings)
    if args.warm:  # one email through the AI: its models are loaded before the clock starts
        email = DemoEmailSource(mailbox="warm@mailroom.example").generate(0)
        providers.ai.draft(email, providers.ai.classify(email, support_taxonomy()))
    worker = Worker(store, providers, settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)

    def loop() -> None:
        while not stop.is_set():
            if not worker.run_pending():
                time.sleep(0.002)

    runners = [threading.Thread(target=loop) for _ in range(args.threads)]
    for runner in runners:
        runner.start()
    print("ready", flush=True)
    while not stop.is_set():
        stop.wait(0.2)
    worker.stop()
    for runner in runners:
        runner.join()
    worker.executor.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
