"""The Workflow page's graph in Debian's chromium (Playwright), with the demo mailbox flowing:
while the node counts change under it, the graph's iframe is the same one 12 s later (a mark
set on it and on its window is still there: Streamlit did not remount it, so zoom and clicks
hold), and no console error was logged meanwhile; a node clicked on the graph is picked for
editing, and its tooltip is plain text on two lines. Screenshots:
``artifacts/screenshots/workflow-graph-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from engine.models import utcnow
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    free_port,
    server_process,
    wait_healthy,
    wait_until,
)
from ui.graph import counts_by_node, node_health

GRAPH = 'iframe[title="streamlit_agraph.agraph"]'
WATCH_MS = 12_000  # more than two of the page's 5 s refreshes


def _health(data_dir: Path) -> dict[str, str | None]:
    """Each node's health over the last hour, as the page colours it."""
    store = SQLiteStore(Settings(data_dir=data_dir).database_file)
    try:
        rows = store.node_status_counts(DEFAULT_WORKFLOW_ID, utcnow() - timedelta(hours=1))
    finally:
        store.close()
    return {node: node_health(counts) for node, counts in counts_by_node(rows).items()}


def _executions(data_dir: Path) -> int:
    store = SQLiteStore(Settings(data_dir=data_dir).database_file)
    try:
        return sum(store.count_executions_by_status(None).values())
    finally:
        store.close()


@pytest.fixture(scope="module")
def flowing(
    tmp_path_factory: pytest.TempPathFactory, models_dir: Path
) -> Iterator[tuple[str, str, Path]]:
    """The worker, the API and the app as `make run` starts them; (address, password, data)."""
    tmp_path = tmp_path_factory.mktemp("graph")
    port = free_port()
    env = app_env(
        tmp_path / "data", models_dir, MAILROOM_PORT=str(port), MAILROOM_API_PORT=str(free_port())
    )
    passwords = engine_setup(env)
    with server_process(["bash", "scripts/run.sh"], env, tmp_path / "run.log"):
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, 120)
        yield base, passwords["manager"], tmp_path / "data"


@pytest.fixture(scope="module")
def page(flowing: tuple[str, str, Path]) -> Iterator[Page]:
    base, password, _ = flowing
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        page.goto(base)
        page.get_by_role("textbox", name="Name").fill("manager", timeout=UI_TIMEOUT)
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as manager")).to_be_visible(timeout=UI_TIMEOUT)
        yield page
        browser.close()


def test_the_graph_is_not_rebuilt_while_counts_change(
    flowing: tuple[str, str, Path], page: Page
) -> None:
    base, _, data_dir = flowing
    wait_until(lambda: _executions(data_dir) >= 2, 120, "the first executions")
    page.goto(f"{base}/workflow")
    graph = page.locator(GRAPH)
    expect(graph).to_be_visible(timeout=UI_TIMEOUT)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    # A node changing colour is a real reason to redraw: watch again until a window passes
    # in which every node kept its health (the counts keep changing all along).
    for _attempt in range(4):
        page.wait_for_timeout(6_000)  # let a redraw the page owes settle first
        graph.evaluate("f => { f.dataset.steady = 'yes'; f.contentWindow.__steady = 'yes'; }")
        health, seen = _health(data_dir), _executions(data_dir)
        errors.clear()
        page.on("console", on_console)
        page.wait_for_timeout(WATCH_MS)
        page.remove_listener("console", on_console)
        if _health(data_dir) == health:
            break
    else:
        pytest.fail("the nodes' health changed in every window: nothing could be checked")
    assert _executions(data_dir) > seen, "no new execution ran while the page was watched"
    expect(graph).to_have_count(1)
    assert graph.evaluate("f => f.dataset.steady") == "yes", "the iframe was replaced"
    assert graph.evaluate("f => f.contentWindow.__steady") == "yes", "the graph was reloaded"
    assert not errors, errors
    page.screenshot(path=SCREENSHOTS / "workflow-graph-steady.png", full_page=True)


def test_a_node_clicked_on_the_graph_is_picked_and_its_tooltip_is_plain_text(
    flowing: tuple[str, str, Path], page: Page
) -> None:
    base, _, _ = flowing
    if "/workflow" not in page.url:
        page.goto(f"{base}/workflow")
    graph = page.locator(GRAPH)
    expect(graph).to_be_visible(timeout=UI_TIMEOUT)
    page.wait_for_timeout(3_000)  # vis-network fits the graph to its frame
    graph.evaluate("f => { f.dataset.clicked = 'yes'; }")
    box = graph.bounding_box()
    assert box is not None
    # The seeded graph fitted to the frame: "Alert #support-urgent" (x 600, y -120) sits at
    # the middle of the nodes' span across and 60 units above their middle (y -120 to 0).
    x, y = box["width"] / 2, box["height"] / 2 - 54
    canvas = page.frame_locator(GRAPH).locator("canvas").first
    canvas.hover(position={"x": x, "y": y})
    tooltip = page.frame_locator(GRAPH).locator(".vis-tooltip")
    expect(tooltip).to_contain_text("Alert #support-urgent (notification)", timeout=UI_TIMEOUT)
    text = tooltip.inner_text()
    assert "<br>" not in text and "\n" in text, text
    # Its lines are real line breaks, not the characters "<br>" written out.
    assert "&lt;br&gt;" not in tooltip.inner_html()
    canvas.click(position={"x": x, "y": y})
    picker = page.get_by_role("combobox", name="Node", exact=True)
    expect(picker).to_have_value("Alert #support-urgent", timeout=UI_TIMEOUT)
    # The click reran the page; the graph shows the same thing, so it is the same iframe.
    assert graph.evaluate("f => f.dataset.clicked") == "yes"
    page.screenshot(path=SCREENSHOTS / "workflow-graph-node-clicked.png", full_page=True)
