"""``python -m engine``: setup, worker, status, demo, chaos, bench, eval, ingest, intake, users."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from engine import privacy_cli, users_cli
from engine.adapters import build_providers
from engine.eval_cli import add_eval_parser
from engine.logs import configure_logging
from engine.models import TriggeredBy
from engine.seed import DEFAULT_WORKFLOW_ID, seed
from engine.service import MailroomService
from engine.settings import Settings, SettingsError, load_settings
from engine.store.base import StoreError
from engine.store.factory import open_store
from engine.telemetry import ErrorCountingHandler
from engine.triggers import poll_trigger, trigger_nodes
from engine.users_cli import print_default_accounts
from engine.worker import Worker
from providers.errors import ProviderError

log = logging.getLogger("engine")


def cmd_setup(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings)
    try:
        store.setup()
        created = seed(store)
    finally:
        store.close()
    if not args.skip_model:
        from providers.ai.local import LocalAIProvider

        ai = build_providers(settings).ai
        if isinstance(ai, LocalAIProvider):
            ai.warm_up()
    accounts_created = print_default_accounts(settings)
    print(
        json.dumps(
            {
                "setup": "ok",
                "default_workflow_created": created,
                "default_accounts_created": accounts_created,
            }
        )
    )
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings)
    store.setup()
    seed(store)
    worker = Worker(store, build_providers(settings), settings)
    try:
        worker.run_forever()
    finally:
        store.close()
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings)
    try:
        store.setup()
        print(json.dumps(MailroomService(store).status_summary(), sort_keys=True))
    finally:
        store.close()
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Pull ``--emails`` demo emails through the default workflow's trigger at once."""
    store = open_store(settings)
    try:
        store.setup()
        seed(store)
        workflow = store.get_workflow(args.workflow)
        node = trigger_nodes(workflow)[0]
        config = {**node.config, "max_emails": None}
        result = poll_trigger(
            store,
            build_providers(settings),
            workflow,
            node.model_copy(update={"config": config}),
            owner="cli-demo",
            limit=args.emails,
            triggered_by=TriggeredBy.MANUAL,
        )
        print(
            json.dumps(
                {
                    "fetched": result.fetched,
                    "ingested": result.ingested,
                    "duplicates": result.duplicates,
                    "executions_created": result.executions_created,
                }
            )
        )
    finally:
        store.close()
    return 0


def cmd_chaos(settings: Settings, args: argparse.Namespace) -> int:
    """Kill workers at random moments; exit 0 only if no email was lost and no reply doubled."""
    from engine.chaos import report_line, run_chaos
    from providers.ai.local import LocalAIProvider

    # Train (or load) the model once here, so the workers do not all train it at once.
    LocalAIProvider(models_dir=settings.model_store_dir).warm_up()
    report = run_chaos(
        args.workers,
        args.emails,
        args.kills,
        base=settings,
        seed=args.seed,
        timeout_seconds=args.timeout,
    )
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(report_line(report))
    return 0 if report.ok else 1


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Print a human summary, then the figures as one JSON object on the last line."""
    from engine.bench import bench_empty, bench_llm, bench_pipeline, summary
    from providers.ai.local import LocalAIProvider

    if args.benchmark == "empty":
        figures = bench_empty(settings, args.executions, args.threads)
    elif args.benchmark == "llm":
        LocalAIProvider(models_dir=settings.model_store_dir).warm_up()
        figures = bench_llm(settings, args.latency_ms, args.concurrency, args.emails)
    elif args.benchmark == "ui":
        from engine.bench_ui import bench_ui

        figures = bench_ui(settings, args.emails, args.renders)
    else:
        LocalAIProvider(models_dir=settings.model_store_dir).warm_up()
        figures = bench_pipeline(settings, args.emails, args.threads)
    print(summary(figures))
    print(json.dumps(figures))
    return 0


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="create indexes, seed the default workflow, train")
    setup.add_argument("--skip-model", action="store_true", help="do not train the local model")
    setup.set_defaults(func=cmd_setup)
    sub.add_parser("worker", help="run an engine process").set_defaults(func=cmd_worker)
    sub.add_parser("status", help="print counts as one JSON object").set_defaults(func=cmd_status)
    demo = sub.add_parser("demo", help="feed demo emails in bulk")
    demo.add_argument("--emails", type=_positive_int, required=True)
    demo.add_argument("--workflow", default=DEFAULT_WORKFLOW_ID)
    demo.set_defaults(func=cmd_demo)
    chaos = sub.add_parser(
        "chaos", help="kill workers at random moments; report lost emails and duplicate replies"
    )
    chaos.add_argument("--workers", type=_positive_int, default=3)
    chaos.add_argument("--emails", type=_positive_int, default=500)
    chaos.add_argument("--kills", type=_non_negative_int, default=10)
    chaos.add_argument("--seed", type=int, default=1, help="for the kill moments and the emails")
    chaos.add_argument("--timeout", type=float, default=900.0, help="give up after SECONDS")
    chaos.set_defaults(func=cmd_chaos)
    bench = sub.add_parser("bench", help="throughput and latency figures (JSON on the last line)")
    kinds = bench.add_subparsers(dest="benchmark", required=True)
    empty = kinds.add_parser("empty", help="a trigger → no-op workflow: executions per second")
    empty.add_argument("--executions", type=_positive_int, default=2000)
    pipeline = kinds.add_parser("pipeline", help="the default workflow end to end")
    pipeline.add_argument("--emails", type=_positive_int, default=1000)
    for kind in (empty, pipeline):
        kind.add_argument("--threads", type=_positive_int, default=2, help="worker threads")
    llm = kinds.add_parser(
        "llm", help="classify and draft through the OpenAI provider against a delayed loopback"
    )
    llm.add_argument("--latency-ms", type=_non_negative_float, default=1000.0)
    llm.add_argument("--concurrency", type=_positive_int, default=64)
    llm.add_argument("--emails", type=_positive_int, default=640)
    ui = kinds.add_parser("ui", help="each page's render time over N emails of history")
    ui.add_argument("--emails", type=_positive_int, default=100_000)
    ui.add_argument("--renders", type=_positive_int, default=5, help="renders per page")
    bench.set_defaults(func=cmd_bench)
    from engine import ingest, intake

    ingest.add_parser(sub)
    intake.add_parser(sub)
    users_cli.add_parser(sub)
    privacy_cli.add_parser(sub)
    add_eval_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # JSON lines with correlation ids, every configured secret masked; ERRORs are counted.
    configure_logging(settings)
    logging.getLogger().addHandler(ErrorCountingHandler())
    try:
        result: int = args.func(settings, args)
    except (StoreError, ProviderError) as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
