"""``python -m engine eval classify|sentiment`` on CSV files, in a subprocess."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from providers.ai.local import LocalAIProvider
from providers.ai.training_data import load_support_examples
from tests.engine.test_cli import _engine

KEYS = {"accuracy", "macro_f1", "n", "train_seconds", "ms_per_email", "cpu_ms_per_email"}


def _write(path: Path, header: list[str], rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_eval_classify_prints_the_scores_as_its_last_line(tmp_path: Path, models_dir: Path) -> None:
    examples = [e for e in load_support_examples() if e.category in ("billing", "shipping")]
    rows = [(e.text, e.category) for e in examples]
    train = _write(tmp_path / "train.csv", ["body", "label"], rows[::2])
    test = _write(tmp_path / "test.csv", ["body", "label"], rows[1::2])
    done = _engine(
        "eval",
        "classify",
        "--train",
        str(train),
        "--test",
        str(test),
        "--text-col",
        "body",
        "--label-col",
        "label",
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result) == KEYS
    assert result["n"] == len(rows[1::2])
    assert 0.7 < result["accuracy"] <= 1.0 and 0.0 < result["macro_f1"] <= 1.0


def test_eval_refuses_bad_input_clearly(tmp_path: Path, models_dir: Path) -> None:
    train = _write(tmp_path / "train.csv", ["text", "category"], [("a", "x"), ("b", "y")])
    missing = _engine(
        "eval",
        "classify",
        "--train",
        str(train),
        "--test",
        str(tmp_path / "nope.csv"),
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert missing.returncode == 2 and "nope.csv: no such file" in missing.stderr
    wrong_column = _engine(
        "eval",
        "classify",
        "--train",
        str(train),
        "--test",
        str(train),
        "--text-col",
        "body",
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert wrong_column.returncode == 2 and "no column named 'body'" in wrong_column.stderr
    one_label = _write(tmp_path / "one.csv", ["text", "category"], [("a", "x"), ("b", "x")])
    single = _engine(
        "eval",
        "classify",
        "--train",
        str(one_label),
        "--test",
        str(train),
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert single.returncode == 2 and "two distinct labels" in single.stderr
    (tmp_path / "latin1.csv").write_bytes("text,sentiment\ncaf\xe9,positive\n".encode("latin-1"))
    encoding = _engine(
        "eval",
        "sentiment",
        "--test",
        str(tmp_path / "latin1.csv"),
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert encoding.returncode == 2 and "not UTF-8" in encoding.stderr
    bad_label = _write(tmp_path / "s.csv", ["text", "sentiment"], [("great", "happy")])
    labels = _engine(
        "eval",
        "sentiment",
        "--test",
        str(bad_label),
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert labels.returncode == 2 and "'happy' is not one of" in labels.stderr


def test_eval_sentiment_scores_the_shipped_model(
    tmp_path: Path, models_dir: Path, local_ai: LocalAIProvider
) -> None:
    rows = [
        ("Thank you so much, the headphones are brilliant and arrived early!", "positive"),
        ("This is the third time I write and still no refund. Unacceptable!!", "negative"),
        ("Could you tell me how to change my delivery address?", "neutral"),
        ("Absolutely love the new lamp, great quality.", "Positive"),
        ("Your courier broke my parcel and nobody answers. Worst service ever.", "negative"),
        ("What are your opening hours on Saturday?", "neutral"),
    ]
    test = _write(tmp_path / "sentiment.csv", ["message", "tone"], rows)
    done = _engine(
        "eval",
        "sentiment",
        "--test",
        str(test),
        "--text-col",
        "message",
        "--label-col",
        "tone",
        data_dir=tmp_path / "data",
        models_dir=models_dir,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result) == KEYS and result["n"] == 6
    assert result["macro_f1"] >= 0.6


def test_a_chain_naming_an_unconfigured_provider_is_refused(
    tmp_path: Path, models_dir: Path
) -> None:
    done = _engine(
        "status",
        data_dir=tmp_path / "data",
        models_dir=models_dir,
        MAILROOM_AI_CLASSIFY_CHAIN="openai,local",
    )
    assert done.returncode == 2
    assert "MAILROOM_OPENAI_API_KEY: required by the openai provider" in done.stderr
    unknown = _engine(
        "status",
        data_dir=tmp_path / "data",
        models_dir=models_dir,
        MAILROOM_AI_DRAFT_CHAIN="gpt5",
        MAILROOM_ANTHROPIC_API_KEY="sk-ant-very-secret",
    )
    assert unknown.returncode == 2 and "MAILROOM_AI_DRAFT_CHAIN" in unknown.stderr
    assert "very-secret" not in unknown.stderr
