"""The guard-rail threshold evaluation: its counts, its choices, and a run on a small slice."""

from __future__ import annotations

import pytest

from providers.ai import evaluate_guard_rails as guard
from providers.ai.evaluate_guard_rails import Scored


def test_anger_rows_count_holds_precision_recall_and_calm_holds() -> None:
    support = [
        (Scored(True, 0.9), True, False),  # angry, held from 0.9 down
        (Scored(True, 0.5), True, False),  # angry, held from 0.5 down
        (Scored(True, 0.7), False, False),  # a quiet complaint, held from 0.7 down
        (Scored(False, 0.99), False, True),  # calm and not negative: never held
        (Scored(True, 0.4), False, True),  # calm but read negative, held from 0.4 down
    ]
    demo = [Scored(True, 0.45), Scored(False, 0.8)]
    rows = {r.threshold: r for r in guard.anger_rows(support, demo, (0.4, 0.5, 0.7, 0.95))}
    assert (rows[0.4].held, rows[0.4].held_angry, rows[0.4].calm_held) == (4, 2, 1)
    assert rows[0.4].precision == 0.5 and rows[0.4].demo_calm_held == 1
    assert (rows[0.5].held, rows[0.5].precision, rows[0.5].recall) == (3, 2 / 3, 1.0)
    assert rows[0.5].demo_calm_held == 0
    assert (rows[0.7].held, rows[0.7].recall) == (2, 0.5)
    assert rows[0.95].held == 0 and rows[0.95].precision is None
    assert guard.choose_anger(list(rows.values()), target=0.6) == 0.5
    assert guard.choose_anger(list(rows.values()), target=0.9) is None  # 0.7 holds a complaint


def test_the_lowest_precise_threshold_that_holds_no_calm_demo_email_is_chosen() -> None:
    support = [(Scored(True, 0.8), True, False), (Scored(True, 0.6), True, False)]
    demo = [Scored(True, 0.65)]
    rows = guard.anger_rows(support, demo, (0.5, 0.6, 0.7))
    assert guard.choose_anger(rows, target=0.9) == 0.7


def test_confidence_rows_and_the_hold_budget() -> None:
    answers = [(0.95, True), (0.9, True), (0.8, False), (0.6, True), (0.3, False)]
    rows = {r.threshold: r for r in guard.confidence_rows("part", answers, (0.5, 0.7, 0.85))}
    assert rows[0.5].precision == 3 / 4 and rows[0.5].held_share == pytest.approx(0.2)
    assert rows[0.5].errors_held == 0.5
    assert rows[0.7].precision == 2 / 3 and rows[0.7].held_share == pytest.approx(0.4)
    assert rows[0.85].precision == 1.0 and rows[0.85].errors_held == 1.0
    other = guard.confidence_rows("other", [(0.99, True)] * 5, (0.5, 0.7, 0.85))
    assert guard.choose_confidence([list(rows.values()), other], budget=0.2) == 0.5
    assert guard.choose_confidence([list(rows.values()), other], budget=0.4) == 0.7
    assert guard.choose_confidence([list(rows.values()), other], budget=0.1) is None


def test_the_script_runs_on_a_small_slice(capsys: pytest.CaptureFixture[str]) -> None:
    assert guard.main(["--limit", "8"]) == 0
    out = capsys.readouterr().out
    assert "Angry customer: 8 held-out support messages" in out
    assert "| 0.50 | BANKING77 held out | 8 |" in out
    assert "| 0.50 | hand-written | 8 |" in out
    assert "| 0.50 | demo mailbox | 16 |" in out  # 8 emails of each of the two seeds
    assert "chosen: frustration" in out
