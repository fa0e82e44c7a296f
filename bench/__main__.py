"""``python -m bench``: benchmarks and the chaos test, outside the engine they measure.

- ``chaos``: kill workers at random moments; exit 0 only if no email was lost and no reply doubled.
- ``empty | pipeline | llm | ui``: a human summary, then the figures as one JSON object on the
  last line.
- ``memory``: resident memory of the app, a worker and the API, at rest and under load.
- ``first-start``: clone the repository, run ``make run``, time until the app answers and the
  first draft waits for approval (the same two outputs).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.cli import run
from engine.cli.arguments import non_negative_float, non_negative_int, positive_int
from engine.settings import Settings


def _warm_local_model(settings: Settings) -> None:
    """Train (or load) the local model once here, so the workers do not all train it at once."""
    from providers.ai.local import LocalAIProvider

    LocalAIProvider(models_dir=settings.model_store_dir).warm_up()


def cmd_chaos(settings: Settings, args: argparse.Namespace) -> int:
    from bench.chaos import report_line, run_chaos

    _warm_local_model(settings)
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
    from bench.benchmarks import bench_empty, bench_llm, bench_pipeline, summary

    if args.command == "empty":
        figures = bench_empty(settings, args.executions, args.threads, args.processes)
    elif args.command == "llm":
        _warm_local_model(settings)
        figures = bench_llm(settings, args.latency_ms, args.concurrency, args.emails)
    elif args.command == "ui":
        from bench.ui_render import bench_ui

        figures = bench_ui(settings, args.emails, args.renders)
    else:
        _warm_local_model(settings)
        figures = bench_pipeline(settings, args.emails, args.threads, args.processes)
    print(summary(figures))
    print(json.dumps(figures))
    return 0


def cmd_first_start(settings: Settings, args: argparse.Namespace) -> int:
    from bench.first_start import as_figures, measure, summary

    result = measure(args.install, args.venv, args.timeout, args.log, args.keep)
    print(summary(result))
    print(json.dumps(as_figures(result)))
    return 0 if result.first_draft_waiting_seconds is not None else 1


def cmd_memory(settings: Settings, args: argparse.Namespace) -> int:
    from bench.memory import as_figures, measure, summary

    report = measure(args.emails, args.timeout, args.keep)
    print(summary(report))
    print(json.dumps(as_figures(report)))
    return 0 if not report.errors else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    chaos = sub.add_parser(
        "chaos", help="kill workers at random moments; report lost emails and duplicate replies"
    )
    chaos.add_argument("--workers", type=positive_int, default=3)
    chaos.add_argument("--emails", type=positive_int, default=500)
    chaos.add_argument("--kills", type=non_negative_int, default=10)
    chaos.add_argument("--seed", type=int, default=1, help="for the kill moments and the emails")
    chaos.add_argument("--timeout", type=float, default=900.0, help="give up after SECONDS")
    chaos.set_defaults(func=cmd_chaos)
    empty = sub.add_parser("empty", help="a trigger → no-op workflow: executions per second")
    empty.add_argument("--executions", type=positive_int, default=2000)
    pipeline = sub.add_parser("pipeline", help="the default workflow end to end")
    pipeline.add_argument("--emails", type=positive_int, default=1000)
    for kind in (empty, pipeline):
        kind.add_argument("--threads", type=positive_int, default=2, help="worker threads")
    for kind in (empty, pipeline):
        kind.add_argument(
            "--processes",
            type=non_negative_int,
            default=0,
            help="run the executions in N worker processes of --threads threads each (0: threads "
            "in this process)",
        )
    llm = sub.add_parser(
        "llm", help="classify and draft through the OpenAI provider against a delayed loopback"
    )
    llm.add_argument("--latency-ms", type=non_negative_float, default=1000.0)
    llm.add_argument("--concurrency", type=positive_int, default=64)
    llm.add_argument("--emails", type=positive_int, default=640)
    ui = sub.add_parser(
        "ui", help="each page's render and each action's server time over N emails of history"
    )
    ui.add_argument("--emails", type=positive_int, default=100_000)
    ui.add_argument("--renders", type=positive_int, default=5, help="renders per page")
    for kind in (empty, pipeline, llm, ui):
        kind.set_defaults(func=cmd_bench)
    first = sub.add_parser(
        "first-start",
        help="clone the repository, run `make run`: seconds until it answers and drafts",
    )
    first.add_argument(
        "--install", action="store_true", help="a fresh .venv: make installs the packages"
    )
    first.add_argument(
        "--venv",
        type=Path,
        default=Path(__file__).resolve().parents[1] / ".venv",
        help="without --install: the environment the clone borrows (default: this checkout's)",
    )
    first.add_argument("--timeout", type=float, default=900.0, help="give up after SECONDS")
    first.add_argument("--log", type=Path, help="write the output of `make run` to this file")
    first.add_argument("--keep", action="store_true", help="keep the temporary clone")
    first.set_defaults(func=cmd_first_start)
    memory = sub.add_parser(
        "memory", help="resident memory of the app, a worker and the API, at rest and under load"
    )
    memory.add_argument("--emails", type=positive_int, default=200, help="posted to the API")
    memory.add_argument("--timeout", type=float, default=600.0, help="give up after SECONDS")
    memory.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    memory.set_defaults(func=cmd_memory)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
