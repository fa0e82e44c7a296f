"""``python -m engine setup | worker | status | demo --emails N | eval classify|sentiment``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from engine.adapters import build_providers
from engine.eval_cli import add_eval_parser
from engine.models import TriggeredBy
from engine.seed import DEFAULT_WORKFLOW_ID, seed
from engine.service import MailroomService
from engine.settings import Settings, SettingsError, load_settings
from engine.store.base import StoreError
from engine.store.factory import open_store
from engine.triggers import poll_trigger, trigger_nodes
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
    print(json.dumps({"setup": "ok", "default_workflow_created": created}))
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
    add_eval_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler logs every run of every job at INFO: twice a second per worker.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        result: int = args.func(settings, args)
    except (StoreError, ProviderError) as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
