"""Sign in to a running Mailroom app in Debian's chromium and open the approvals queue.

Used by scripts/containers_smoke.sh against the containerised app: prints what it saw and saves
a screenshot; exits 1 if the sign-in or the queue did not show. The password is read from the
environment variable MAILROOM_CHECK_PASSWORD, so it never appears in a process list.

    MAILROOM_CHECK_PASSWORD=... python scripts/containers_browser_check.py \\
        --url http://127.0.0.1:18501 --name agent --screenshot artifacts/containers/queue.png
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Chromium on a machine with no route out: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


def check(url: str, name: str, password: str, screenshot: Path) -> str:
    """Sign in as ``name`` and open Approvals; return the queue's heading."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(url)
            expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=TIMEOUT_MS)
            page.get_by_role("textbox", name="Name").fill(name)
            page.get_by_role("textbox", name="Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text(f"Signed in as {name}")).to_be_visible(timeout=TIMEOUT_MS)
            page.goto(f"{url.rstrip('/')}/approvals")
            heading = page.get_by_role("heading", name=re.compile(r"^\d+ pending$"))
            expect(heading).to_be_visible(timeout=TIMEOUT_MS)
            text = heading.inner_text()
            page.screenshot(path=str(screenshot), full_page=True)
            return text
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--screenshot", type=Path, required=True)
    args = parser.parse_args()
    password = os.environ.get("MAILROOM_CHECK_PASSWORD", "")
    if not password:
        print("MAILROOM_CHECK_PASSWORD is not set", file=sys.stderr)
        return 2
    try:
        heading = check(args.url, args.name, password, args.screenshot)
    except (PlaywrightError, AssertionError) as error:
        print(f"browser check failed: {error}", file=sys.stderr)
        return 1
    print(f"signed in as {args.name}; Approvals shows {heading!r}; screenshot {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
