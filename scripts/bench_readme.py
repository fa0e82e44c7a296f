"""``make bench``: run the benchmarks and write their figures into README.md.

Each benchmark runs as ``python -m bench ...`` in its own process (so one's memory and
threads do not colour the next), its summary is passed through to the terminal, and the JSON
object on its last line is kept. The README's performance section, between the two markers
below, is then replaced with a table of the figures and the machine they were taken on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MONGODB_LABEL = {"secantusdb": "secantusdb, slower than mongod", "external": "MONGODB_URI"}
START = "<!-- bench:start (written by make bench; edits between the markers are replaced) -->"
END = "<!-- bench:end -->"


def run_bench(args: list[str], mongodb_uri: str | None = None) -> dict[str, Any]:
    """Run one benchmark, on MongoDB at ``mongodb_uri`` or else on SQLite; return the JSON
    object it printed last."""
    command = [sys.executable, "-m", "bench", *args]
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MAILROOM_MONGODB_URI")}
    if mongodb_uri is not None:
        env["MONGODB_URI"] = mongodb_uri
    shown = ("MONGODB_URI=... " if mongodb_uri else "") + "python -m bench " + " ".join(args)
    print(f"$ {shown}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"python -m bench {' '.join(args)} failed ({done.returncode})")
    lines = done.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    figures: dict[str, Any] = json.loads(lines[-1])
    figures["command"] = shown
    return figures


def machine() -> dict[str, str]:
    """What the figures were taken on."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "memory": f"{int(total.group(1)) / 2**20:.1f} GiB" if total else "unknown",
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": f"{load[0]:.1f}",
    }


def _row(name: str, figure: str, goal: str, command: str) -> str:
    return f"| {name} | {figure} | {goal} | `{command}` |"


def _pipeline_row(name: str, p: dict[str, Any], goal: str) -> str:
    return _row(
        name,
        f"{p['emails_per_second']} emails/s; CPU floor {p['cpu_floor_emails_per_second']}/s "
        f"(ratio {p['share_of_cpu_floor']:.2f}); p50 {p['latency_p50_ms']} ms, "
        f"p95 {p['latency_p95_ms']} ms; {p['engine_overhead_ms_per_node']} ms engine "
        f"overhead per node; {p['replies_sent']} replies sent; peak {p['peak_memory_mb']} MB",
        goal,
        p["command"],
    )


def _empty_row(name: str, e: dict[str, Any], goal: str) -> str:
    threads = e["worker_threads"]
    return _row(
        f"{name} ({threads} runner thread{'s' if threads > 1 else ''})",
        f"{e['executions_per_second']} executions/s"
        + (
            f" ({e['cpu_ms_per_execution']} ms of CPU each)"
            if e.get("cpu_ms_per_execution") is not None
            else ""
        )
        + f"; peak {e['peak_memory_mb']} MB",
        goal,
        e["command"],
    )


def section(results: dict[str, dict[str, Any]], host: dict[str, str]) -> str:
    """The README text between the markers."""
    p, ui = results["pipeline"], results["ui"]
    rows = [
        "| Benchmark | Figure | Goal | Command |",
        "| --- | --- | --- | --- |",
        _pipeline_row(
            "pipeline", p, "≥ 300 emails/s and ≥ half the CPU floor; p95 < 100 ms; < 500 MB"
        ),
    ]
    for key in sorted(k for k in results if k.startswith("llm")):
        m = results[key]
        rows.append(
            _row(
                f"llm (L = {m['latency_ms']:g} ms, C = {m['concurrency']})",
                f"{m['calls_per_second']} calls/s of a {m['bound_calls_per_second']}/s bound "
                f"(ratio {m['share_of_bound']:.2f}); call p50 {m['call_p50_ms']} ms, "
                f"p95 {m['call_p95_ms']} ms; {m['emails_drafted']} drafted, {m['errors']} "
                f"errors; peak {m['peak_memory_mb']} MB",
                "≥ 90% of C / L at C = 64",
                m["command"],
            )
        )
    for key in sorted(k for k in results if k.startswith("empty")):
        rows.append(_empty_row("empty", results[key], "≥ 1,000 executions/s"))
    mongo = results.get("mongodb-pipeline")
    if mongo is not None:
        where = MONGODB_LABEL[mongo.get("server", "secantusdb")]
        rows.append(_pipeline_row(f"pipeline on MongoDB ({where})", mongo, "beside SQLite's"))
        for key in sorted(k for k in results if k.startswith("mongodb-empty")):
            rows.append(_empty_row(f"empty on MongoDB ({where})", results[key], "beside SQLite's"))
    pages = ", ".join(f"{page} {ms} ms" for page, ms in ui["page_median_ms"].items())
    actions = ", ".join(
        f"{name.replace('_', ' ')} {ms} ms" if isinstance(ms, float) else f"{name}: {ms}"
        for name, ms in ui.get("action_median_ms", {}).items()
    )
    rows.append(
        _row(
            f"ui ({ui['emails']:,} emails of history)",
            f"median of {ui['renders']}: {pages}; actions (server time from the click to the "
            f"page drawn again): {actions or 'not measured'}; store {ui['database_mb']} MB "
            f"filled in {ui['fill_seconds']} s; page errors: {len(ui['page_errors'])}",
            "every page < 1 s with 1,000,000 emails; every action < 1 s with 100,000",
            ui["command"],
        )
    )
    memory = results.get("memory")
    if memory is not None:
        for process in memory["processes"]:
            rows.append(
                _row(
                    f"memory: {process['name']}",
                    f"{process['at_rest_mb']} MB at rest, {process['after_load_mb']} MB after "
                    f"and {process['peak_mb']} MB at the peak of a load of "
                    f"{memory['emails_posted']} emails through the API, "
                    f"{memory['api_reads']} API reads and {memory['browser_pages']} pages opened "
                    "in a browser",
                    "< 500 MB",
                    memory["command"],
                )
            )
    header = (
        f"Taken {host['date']} on {host['cores']} cores ({host['cpu']}), {host['memory']} of "
        f"memory, Python {host['python']}; load average {host['load']} when the run started "
        "(the machine may be shared, which lowers every figure). `make bench` writes this table."
    )
    if mongo is not None and mongo.get("server") == "secantusdb":
        header += (
            " The MongoDB rows ran on a local secantusdb server (a MongoDB written in Python,"
            " started by `make bench` when MONGODB_URI is unset): it is much slower than mongod,"
            " so they show the engine's MongoDB path working, not MongoDB's speed."
        )
    return "\n".join([START, header, "", *rows, END])


def write_readme(readme: Path, text: str) -> None:
    """Replace the text between the markers, or add a Performance section at the end."""
    content = readme.read_text()
    if START in content and END in content:
        before, rest = content.split(START, 1)
        _, after = rest.split(END, 1)
        content = before + text + after
    else:
        content = content.rstrip("\n") + "\n\n## Performance\n\n" + text + "\n"
    readme.write_text(content)


@contextmanager
def local_mongodb() -> Iterator[str | None]:
    """A secantusdb server for the run (``python -m bench.mongo``, in memory); its URI, or
    None when it could not start (``secantusd-py`` is not installed)."""
    command = [sys.executable, "-m", "bench.mongo", "--storage", ":memory:", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip() or None
    finally:
        process.terminate()
        process.wait(30)


def mongodb_results(pipeline_emails: int, empty_executions: int) -> dict[str, dict[str, Any]]:
    """``pipeline`` and ``empty`` on MongoDB: MONGODB_URI when set, else a local secantusdb
    server started for them (nothing when neither is available)."""
    given = os.environ.get("MONGODB_URI")
    with nullcontext(given) if given is not None else local_mongodb() as uri:
        if uri is None:
            print("no MONGODB_URI and no secantusd-py: the MongoDB rows are left out", flush=True)
            return {}
        results = {
            "mongodb-pipeline": run_bench(["pipeline", "--emails", str(pipeline_emails)], uri),
            "mongodb-empty-1": run_bench(
                ["empty", "--executions", str(empty_executions), "--threads", "1"], uri
            ),
        }
    for figures in results.values():
        figures["server"] = "external" if given is not None else "secantusdb"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--pipeline-emails", type=int, default=500)
    parser.add_argument("--empty-executions", type=int, default=2000)
    parser.add_argument("--llm-emails", type=int, default=1280)
    parser.add_argument("--llm-latencies", default="1000,200", help="ms, comma-separated")
    parser.add_argument("--ui-emails", type=int, default=100_000)
    parser.add_argument("--memory-emails", type=int, default=200)
    parser.add_argument("--mongodb-pipeline-emails", type=int, default=200)
    parser.add_argument("--mongodb-empty-executions", type=int, default=500)
    args = parser.parse_args(argv)
    host = machine()
    results = {
        "pipeline": run_bench(["pipeline", "--emails", str(args.pipeline_emails)]),
        # Both thread counts: a trivial workflow is CPU-bound, so under the GIL a second
        # runner thread adds lock hand-offs rather than throughput.
        **{
            f"empty-{threads}": run_bench(
                ["empty", "--executions", str(args.empty_executions), "--threads", str(threads)]
            )
            for threads in (1, 2)
        },
    }
    for latency in args.llm_latencies.split(","):
        results[f"llm-{int(latency):05d}"] = run_bench(
            [
                "llm",
                "--latency-ms",
                latency,
                "--concurrency",
                "64",
                "--emails",
                str(args.llm_emails),
            ]
        )
    results["ui"] = run_bench(["ui", "--emails", str(args.ui_emails)])
    results["memory"] = run_bench(["memory", "--emails", str(args.memory_emails)])
    results.update(mongodb_results(args.mongodb_pipeline_emails, args.mongodb_empty_executions))
    write_readme(args.readme, section(results, host))
    print(f"wrote the figures into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
