"""``python -m engine demo --emails N``: pull N demo emails through a workflow's trigger at once."""

from __future__ import annotations

import argparse
import json

from engine.cli.arguments import SubParsers, positive_int
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import TriggeredBy
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import compose
from engine.settings import Settings


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Pull ``--emails`` demo emails through the workflow's trigger at once."""
    mailroom = compose(settings)
    store = mailroom.store
    try:
        workflow = store.get_workflow(args.workflow)
        node = trigger_nodes(workflow)[0]
        config = {**node.config, "max_emails": None}
        result = poll_trigger(
            store,
            mailroom.providers,
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
        mailroom.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``demo``."""
    demo = sub.add_parser("demo", help="feed demo emails in bulk")
    demo.add_argument("--emails", type=positive_int, required=True)
    demo.add_argument("--workflow", default=DEFAULT_WORKFLOW_ID)
    demo.set_defaults(func=cmd_demo)
