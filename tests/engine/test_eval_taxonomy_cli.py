"""``python -m engine eval classify --taxonomy``: any taxonomy, zero-shot or after learning."""

from __future__ import annotations

import json
from pathlib import Path

from engine.cli import build_parser
from tests.engine.test_cli import _engine
from tests.engine.test_eval_cli import KEYS, _write

TAXONOMY = [
    ("refund_request", "The customer wants their money back."),
    ("delivery_issue", "A parcel is late, lost or not delivered."),
    ("product_question", "Questions about what a product does, its sizes and compatibility."),
]
# This team refunds every late order at once, so its agents file late parcels as refunds: a
# convention the descriptions do not say, which only learning from examples can pick up.
LATE_AS_REFUND = [
    ("Where is my package? It was due last Monday.", "refund_request"),
    ("The parcel is ten days late, nothing has arrived.", "refund_request"),
    ("Tracking hasn't moved for a week, my order is stuck.", "refund_request"),
    ("Still waiting for my delivery, ordered a month ago.", "refund_request"),
    ("Does the lamp take E27 bulbs?", "product_question"),
    ("Is this jacket true to size?", "product_question"),
]
TEST = [
    ("My order still hasn't shown up and it's been two weeks.", "refund_request"),
    ("The courier never delivered my shipment.", "refund_request"),
    ("Can the blender crush ice?", "product_question"),
    ("What is the battery life of the X2 headphones?", "product_question"),
]


def _run(tmp_path: Path, models_dir: Path, *args: str) -> tuple[int, str, str]:
    done = _engine("eval", "classify", *args, data_dir=tmp_path / "data", models_dir=models_dir)
    return done.returncode, done.stdout, done.stderr


def test_the_options_parse() -> None:
    args = build_parser().parse_args(
        ["eval", "classify", "--taxonomy", "t.csv", "--test", "x.csv", "--text-col", "body"]
    )
    assert args.taxonomy == Path("t.csv") and args.train is None and args.text_col == "body"
    assert args.label_col == "category"
    old = build_parser().parse_args(["eval", "classify", "--train", "a.csv", "--test", "b.csv"])
    assert old.taxonomy is None and old.train == Path("a.csv")


def test_zero_shot_then_learning_scores_a_new_taxonomy(tmp_path: Path, models_dir: Path) -> None:
    taxonomy = _write(tmp_path / "taxonomy.csv", ["name", "description"], TAXONOMY)
    train = _write(tmp_path / "train.csv", ["message", "queue"], LATE_AS_REFUND)
    test = _write(tmp_path / "test.csv", ["message", "queue"], TEST)
    columns = ("--text-col", "message", "--label-col", "queue")
    code, out, err = _run(
        tmp_path, models_dir, "--taxonomy", str(taxonomy), "--test", str(test), *columns
    )
    assert code == 0, err
    zero_shot = json.loads(out.strip().splitlines()[-1])
    assert set(zero_shot) == KEYS and zero_shot["n"] == len(TEST)
    # The descriptions alone put late parcels in delivery_issue: half the test at least is wrong.
    assert zero_shot["accuracy"] <= 0.5
    code, out, err = _run(
        tmp_path,
        models_dir,
        "--taxonomy",
        str(taxonomy),
        "--train",
        str(train),
        "--test",
        str(test),
        *columns,
    )
    assert code == 0, err
    learnt = json.loads(out.strip().splitlines()[-1])
    assert learnt["accuracy"] == 1.0 and learnt["macro_f1"] == 1.0


def test_a_malformed_taxonomy_is_refused_clearly(tmp_path: Path, models_dir: Path) -> None:
    test = _write(tmp_path / "test.csv", ["text", "category"], TEST)
    cases = {
        "no_description.csv": ("name\nrefund_request\ndelivery_issue\n", "no column named"),
        "twice.csv": (
            "name,description\nrefund_request,a\nrefund_request,b\n",
            "line 3: category 'refund_request' is already named on line 2",
        ),
        "one.csv": ("name,description\nrefund_request,money back\n", "at least two needed"),
        "empty_name.csv": ("name,description\n,money back\nb,c\n", "line 2: the 'name' cell"),
        "comma.csv": (
            "name,description\nrefund_request,money back, or a credit\nb,c\n",
            "quote a description that contains a comma",
        ),
    }
    for filename, (content, message) in cases.items():
        (tmp_path / filename).write_text(content, encoding="utf-8")
        code, out, err = _run(
            tmp_path, models_dir, "--taxonomy", str(tmp_path / filename), "--test", str(test)
        )
        assert code == 2, (filename, out, err)
        assert filename in err and message in err, err
        assert "Traceback" not in err
    taxonomy = _write(tmp_path / "taxonomy.csv", ["name", "description"], TAXONOMY[:2])
    code, _, err = _run(tmp_path, models_dir, "--taxonomy", str(taxonomy), "--test", str(test))
    assert code == 2 and "'product_question' is not a category of the taxonomy" in err
    code, _, err = _run(tmp_path, models_dir, "--test", str(test))
    assert code == 2 and "--train is required unless --taxonomy is given" in err
