"""``make bench``: run the four benchmarks and write their figures into README.md.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

START = "<!-- bench:start (written by make bench; edits between the markers are replaced) -->"
END = "<!-- bench:end -->"


def run_bench(args: list[str]) -> dict[str, Any]:
    """Run one benchmark; return the JSON object it printed last."""
    command = [sys.executable, "-m", "bench", *args]
    print("$ python -m bench " + " ".join(args), flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"python -m bench {' '.join(args)} failed ({done.returncode})")
    lines = done.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    figures: dict[str, Any] = json.loads(lines[-1])
    figures["command"] = "python -m bench " + " ".join(args)
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


def section(results: dict[str, dict[str, Any]], host: dict[str, str]) -> str:
    """The README text between the markers."""
    p, ui = results["pipeline"], results["ui"]
    rows = [
        "| Benchmark | Figure | Goal | Command |",
        "| --- | --- | --- | --- |",
        _row(
            "pipeline",
            f"{p['emails_per_second']} emails/s; CPU floor {p['cpu_floor_emails_per_second']}/s "
            f"(ratio {p['share_of_cpu_floor']:.2f}); p50 {p['latency_p50_ms']} ms, "
            f"p95 {p['latency_p95_ms']} ms; {p['engine_overhead_ms_per_node']} ms engine "
            f"overhead per node; {p['replies_sent']} replies sent; peak {p['peak_memory_mb']} MB",
            "≥ 300 emails/s and ≥ half the CPU floor; p95 < 100 ms; < 500 MB",
            p["command"],
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
        e = results[key]
        threads = e["worker_threads"]
        rows.append(
            _row(
                f"empty ({threads} runner thread{'s' if threads > 1 else ''})",
                f"{e['executions_per_second']} executions/s; peak {e['peak_memory_mb']} MB",
                "≥ 1,000 executions/s",
                e["command"],
            )
        )
    pages = ", ".join(f"{page} {ms} ms" for page, ms in ui["page_median_ms"].items())
    rows.append(
        _row(
            f"ui ({ui['emails']:,} emails of history)",
            f"median of {ui['renders']}: {pages}; store {ui['database_mb']} MB filled in "
            f"{ui['fill_seconds']} s; page errors: {len(ui['page_errors'])}",
            "every page < 1 s with 1,000,000 emails",
            ui["command"],
        )
    )
    header = (
        f"Taken {host['date']} on {host['cores']} cores ({host['cpu']}), {host['memory']} of "
        f"memory, Python {host['python']}; load average {host['load']} when the run started "
        "(the machine may be shared, which lowers every figure). `make bench` writes this table."
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--pipeline-emails", type=int, default=500)
    parser.add_argument("--empty-executions", type=int, default=2000)
    parser.add_argument("--llm-emails", type=int, default=1280)
    parser.add_argument("--llm-latencies", default="1000,200", help="ms, comma-separated")
    parser.add_argument("--ui-emails", type=int, default=100_000)
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
    write_readme(args.readme, section(results, host))
    print(f"wrote the figures into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
