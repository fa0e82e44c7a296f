"""The Amazon parts of the cross-fitted sentiment figure: disjoint, complete, stratified, and
part 0 is the quarter the single held-out figure uses."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sklearn.model_selection import train_test_split

from providers.ai.evaluate_sentiment import AMAZON_FOLDS, amazon_folds, cross_fit, main
from providers.ai.sentiment_model import load_rated_sentences
from providers.errors import ProviderConfigError


def test_the_parts_cover_every_amazon_sentence_once_with_the_labels_in_proportion() -> None:
    sentences = load_rated_sentences()
    amazon = [s for s in sentences if s.source == "amazon_reviews"]
    folds = amazon_folds(sentences)
    assert len(folds) == AMAZON_FOLDS
    held = [id(s) for _, test in folds for s in test]
    assert sorted(held) == sorted(id(s) for s in amazon)
    overall = Counter(s.label for s in amazon)
    for rest, test in folds:
        assert {id(s) for s in rest}.isdisjoint(id(s) for s in test)
        assert len(rest) + len(test) == len(amazon)
        counts = Counter(s.label for s in test)
        for label, total in overall.items():
            assert abs(counts[label] - total / AMAZON_FOLDS) <= 1


def test_part_zero_is_the_quarter_held_out_so_far_in_the_same_order() -> None:
    sentences = load_rated_sentences()
    amazon = [s for s in sentences if s.source == "amazon_reviews"]
    rest, quarter = train_test_split(
        amazon, test_size=0.25, random_state=0, stratify=[s.label for s in amazon]
    )
    first_rest, first_test = amazon_folds(sentences)[0]
    assert first_test == quarter
    assert first_rest == rest  # the order the validation tenth is drawn in


def test_a_missing_part_encoder_is_named_with_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(ProviderConfigError, match=r"fold-1.*--amazon-fold 1"):
        cross_fit(load_rated_sentences(), tmp_path)


def test_the_command_reports_a_missing_part_encoder_as_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--cross-fit", str(tmp_path)]) == 2
    assert "no encoder for Amazon part 1" in capsys.readouterr().err
