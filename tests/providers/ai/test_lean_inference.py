"""A process that classifies and drafts with the shipped models imports no scikit-learn, SciPy,
pandas or joblib (~135 MB of a worker's memory): they serve training only."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("sklearn", "scipy", "pandas", "joblib")
ROOT = Path(__file__).resolve().parents[3]


def _run(code: str) -> dict[str, list[str]]:
    """Run ``code`` in a fresh interpreter at the repository root; it prints a JSON object."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_classifying_and_drafting_with_the_shipped_models_imports_no_training_library(
    tmp_path: Path,
) -> None:
    answer = _run(
        f"""
        import json, sys
        from datetime import UTC, datetime
        from pathlib import Path
        from providers.ai.local import LocalAIProvider
        from providers.ai.taxonomy import support_taxonomy
        from providers.email.base import InboundEmail

        heard = []
        provider = LocalAIProvider(Path({str(tmp_path)!r}))
        provider.warm_up(heard.append)
        email = InboundEmail(
            message_id="<lean@example.com>", mailbox="support",
            from_address="tom@example.com", from_name="Tom", subject="Charged twice",
            body_text="You charged my card twice for order ORD-123456. Please refund me.",
            received_at=datetime.now(UTC),
        )
        classification = provider.classify(email, support_taxonomy())
        draft = provider.draft(email, classification)
        print(json.dumps({{
            "heard": heard,
            "result": [classification.category, classification.sentiment, *draft.article_ids],
            "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules),
        }}))
        """
    )
    # Only the shipped models' path is lean: a stale one is trained (tests/.../test_fitted.py).
    assert "category classifier: loaded the shipped model" in answer["heard"], answer["heard"]
    assert "sentiment model: loaded the shipped model" in answer["heard"], answer["heard"]
    assert answer["result"][0] == "billing" and len(answer["result"]) > 2, answer["result"]
    assert answer["heavy"] == []
