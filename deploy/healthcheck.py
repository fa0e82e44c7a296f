"""The container healthcheck: exit 0 when MAILROOM_HEALTHCHECK_URL answers 2xx within 4 s.

One image serves the app, the worker, the API and the intake; each service sets the URL of its own
health endpoint (Streamlit's /_stcore/health, the API's /api/v1/health, /healthz of the intake
and of a worker's metrics port).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8501/_stcore/health"


def main() -> int:
    """Print the status (or the error) and return the exit code the container engine reads."""
    url = os.environ.get("MAILROOM_HEALTHCHECK_URL", DEFAULT_URL)
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            print(f"{url}: HTTP {response.status}")
            return 0 if 200 <= response.status < 300 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
