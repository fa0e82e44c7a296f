"""The hand-written support messages: well formed, split once, and the test part never trained
on; the vector cache gives the encoder's own vectors; the frustration head survives a round trip."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from providers.ai.minilm_encoder import sentiment_encoder
from providers.ai.sentiment_model import SentimentModel, TrainingSet, support_part
from providers.ai.sentiment_vectors import CachedSentimentEncoder
from providers.ai.support_sentiment import (
    ANGRY_KINDS,
    SENTIMENTS,
    load_support_messages,
)
from providers.errors import ProviderConfigError

KINDS = {
    "quiet_complaint",
    "polite_anger",
    "sarcasm",
    "angry",
    "mixed",
    "calm_question_mentioning_problem",
    "neutral_request",
    "thanks",
    "praise",
}


def test_every_language_has_some_two_hundred_messages_of_known_kinds() -> None:
    messages = load_support_messages()
    per_language = Counter(m.language for m in messages)
    assert set(per_language) == {"en", "fr", "de", "es"}
    assert min(per_language.values()) >= 200
    assert {m.kind for m in messages} == KINDS
    assert len({m.text for m in messages}) == len(messages)  # no message twice
    # Anger is a kind of negative: no angry kind carries another label.
    assert {m.sentiment for m in messages if m.kind in ANGRY_KINDS} == {"negative"}


def test_a_quarter_of_each_language_and_label_is_held_out() -> None:
    messages = load_support_messages()
    for language in ("en", "fr", "de", "es"):
        for sentiment in SENTIMENTS:
            own = [m for m in messages if (m.language, m.sentiment) == (language, sentiment)]
            share = sum(m.split == "test" for m in own) / len(own)
            assert 0.18 <= share <= 0.32, (language, sentiment, share)


def test_the_training_data_never_holds_a_test_message() -> None:
    test_texts = {m.text for m in load_support_messages(split="test")}
    trained = support_part()
    assert test_texts and not test_texts & set(trained.texts)
    assert len(trained.texts) == len(load_support_messages(split="train"))


def test_a_malformed_row_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "support.csv"
    path.write_text(
        "text,sentiment,language,kind,split\nFine thanks,positive,en,thanks,train\n"
        "Where is it,annoyed,en,angry,train\n",
        encoding="utf-8",
    )
    with pytest.raises(ProviderConfigError, match="line 3: sentiment 'annoyed'"):
        load_support_messages(path)
    path.write_text("text,sentiment\nhello,neutral\n", encoding="utf-8")
    with pytest.raises(ProviderConfigError, match="missing column"):
        load_support_messages(path)


def test_cached_vectors_are_the_encoders_own_and_survive_a_save(tmp_path: Path) -> None:
    texts = ["Where is my parcel?", "Merci beaucoup !", "Where is my parcel?"]
    cache = CachedSentimentEncoder(tmp_path)
    vectors = cache.encode(texts)
    np.testing.assert_array_equal(vectors, sentiment_encoder().encode(texts))
    cache.save()
    again = CachedSentimentEncoder(tmp_path)
    assert again.size == 2
    np.testing.assert_array_equal(again.encode(texts), vectors)


def test_the_frustration_head_is_learnt_and_kept_by_the_arrays() -> None:
    calm = ["Could you send me the invoice?", "How do I change my address?"] * 4
    angry = ["This is a disgrace, refund me now", "Worst service ever, I am furious"] * 4
    quiet = ["Still no refund after three weeks", "The parcel never came"] * 4
    data = TrainingSet(
        calm + angry + quiet,
        ["neutral"] * 8 + ["negative"] * 16,
        [1.0] * 24,
        [True] * 24,
        [0] * 8 + [1] * 8 + [0] * 8,
    )
    model = SentimentModel.train(data)
    _, calm_anger = model.scores("Could you send me the invoice?")
    _, angry_anger = model.scores("Worst service ever, I am furious")
    assert 0.0 <= calm_anger < angry_anger <= 1.0
    again = SentimentModel.from_arrays(model.to_arrays(), model.fingerprint)
    text = "The parcel never came, this is a disgrace"
    assert again.scores(text) == model.scores(text)
    # Another language reads the average English vector, as in training.
    assert again.scores(text, english=False) == model.scores(text, english=False)
