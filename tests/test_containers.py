"""The container files kept in step with the code: the healthcheck every service runs, the code
the Containerfile copies, the ports compose.yaml publishes. Building and starting the containers
is scripts/containers_smoke.sh (it needs podman, so it is not part of this suite)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml  # type: ignore[import-untyped]

from engine.settings import Settings
from tests.loopback_http import Reply, Request, loopback_server

ROOT = Path(__file__).resolve().parents[1]
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
# What the app, the engine and the providers run from (bench, scripts and tests stay out).
RUNTIME = ["app.py", "pages", "ui", "engine", "providers"]


def _healthcheck(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)],
        env={"MAILROOM_HEALTHCHECK_URL": url},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_healthcheck_passes_on_2xx_and_fails_otherwise() -> None:
    def answer(request: Request) -> Reply:
        return Reply(200, "ok") if request.path == "/healthy" else Reply(503, "starting")

    with loopback_server(answer) as server:
        healthy = _healthcheck(f"{server.url}/healthy")
        unhealthy = _healthcheck(f"{server.url}/starting")
        closed = server.url
    refused = _healthcheck(f"{closed}/healthy")

    assert (healthy.returncode, healthy.stdout.strip()) == (0, f"{server.url}/healthy: HTTP 200")
    assert unhealthy.returncode == 1
    assert "503" in unhealthy.stdout
    assert refused.returncode == 1
    assert "refused" in refused.stdout.lower()


def _local_imports() -> set[str]:
    """The repository's own top-level modules that the runtime code imports."""
    local = {path.stem if path.suffix == ".py" else path.name for path in ROOT.iterdir()}
    found: set[str] = set()
    files = [ROOT / "app.py"] + [
        file for folder in RUNTIME[1:] for file in (ROOT / folder).rglob("*.py")
    ]
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found.update(name.split(".")[0] for name in names)
    return found & local


def _copied() -> set[str]:
    """First arguments of the app stage's COPY lines (not the ones --from another stage)."""
    text = (ROOT / "Containerfile").read_text()
    app_stage = text[text.index("AS app") :]
    copied = set()
    for line in app_stage.splitlines():
        match = re.match(r"COPY (?!--from)(\S+)", line)
        if match:
            copied.add(match.group(1).split("/")[0].removesuffix(".py"))
    return copied


def test_the_image_holds_every_module_the_runtime_imports() -> None:
    imported = _local_imports()
    assert {"engine", "providers", "ui"} <= imported
    assert imported - _copied() == set()


def test_the_image_holds_the_knowledge_base_and_streamlit_config() -> None:
    copied = _copied()
    assert {"app", "pages", "knowledge_base", ".streamlit"} <= copied


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_runs_each_process_with_a_healthcheck_on_its_own_port() -> None:
    services = _compose()["services"]
    # The defaults, not this shell's environment: the image sets no port of its own.
    fields = Settings.model_fields
    ports = {
        "app": 8501,
        "api": fields["api_port"].default,
        "intake": fields["intake_port"].default,
    }
    assert set(services) == {"mongodb", "app", "worker", "api", "intake"}
    for name, service in services.items():
        assert service.get("healthcheck"), f"{name} has no healthcheck"
    for name, port in ports.items():
        service = services[name]
        published = [int(str(mapping).rsplit(":", 1)[1]) for mapping in service["ports"]]
        health = urlsplit(service["environment"]["MAILROOM_HEALTHCHECK_URL"])
        assert published == [port], name
        assert health.port == port, name
    worker = services["worker"]["environment"]
    assert urlsplit(worker["MAILROOM_HEALTHCHECK_URL"]).port == int(
        worker["MAILROOM_WORKER_METRICS_PORT"]
    )


def test_compose_publishes_on_loopback_and_reads_an_uncommitted_env_file() -> None:
    services = _compose()["services"]
    for service in services.values():
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:")
    env_files = {service["env_file"] for service in services.values() if "env_file" in service}
    assert env_files == {"${MAILROOM_ENV_FILE:-deploy/mailroom.env}"}
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/mailroom.env"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0
