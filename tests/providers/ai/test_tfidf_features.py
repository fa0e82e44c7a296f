"""The numpy-only TF-IDF features are scikit-learn's: the same n-grams, vocabulary, idf and
probabilities, and the recipes are the strings scikit-learn's settings gave."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

import providers.ai.knowledge_base as knowledge_base
import providers.ai.local_classifier as local_classifier
import providers.ai.sentiment_model as sentiment_model
from providers.ai import fitted, tfidf_features
from providers.ai.knowledge_base import KnowledgeBase
from providers.ai.local_classifier import LocalClassifierModel
from providers.ai.minilm_encoder import sentiment_encoder
from providers.ai.sentiment_model import SentimentModel, load_or_train_sentiment
from providers.ai.tfidf_features import TfidfSettings
from providers.ai.training_data import load_banking77_examples, load_support_examples

#: Text the shipped data never shows: accents, other scripts, emoji, odd whitespace, a dotted
#: capital I whose lower case is two characters, underscores, digits, nothing at all.
UNUSUAL = [
    "",
    " ",
    "!!!",
    "a",
    "Ça ne marche pas, j'ai été débité deux fois à 14h30 !",
    "Mein Paket ist nicht angekommen. Straße, Größe, ÄÖÜ äöü ß",
    "¿Dónde está mi reembolso? Llevo esperando 3 semanas…",
    "Não consigo entrar na minha conta, a senha não funciona",
    "İstanbul'a gönderilen sipariş İADE edilmedi, IĞDIR",
    "Мой заказ не пришёл, верните деньги",
    "Η παραγγελία μου δεν έφτασε ποτέ",  # noqa: RUF001 (Greek on purpose)
    "我的订单还没有到 請退款",
    "注文した商品が届きません。返金してください。",
    "طلبي لم يصل بعد",
    "This app is 💩 and crashes 🙃🙃 every time 😡😡😡!!",
    "thanks 👍🏽 great job ❤️ 🇬🇧",
    "tabs\tand\nnew lines\r\n  and  double   spaces\u00a0and\u2003em spaces",
    "zero\u200bwidth joiner and combining e\u0301 accents",
    "ligature ﬁle ﬂow Ǆ ǅ ǆ ﬀ",
    "snake_case_words __dunder__ and CamelCaseWords",
    "order ORD-123456 costs $49.99 (€45,00) on 2024-06-03",
    "mail me at someone@example.com or https://example.com/refund?id=7&x=y",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "I I I a a a b c d e f g",
    "ALL CAPS SHOUTING ABOUT MY REFUND!!!",
    "the and of to is in it you that was for on are with as",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """A few thousand texts: BANKING77 queries, the hand-written examples and :data:`UNUSUAL`."""
    banking = [e.text for e in load_banking77_examples()][::3]
    return banking + [e.text for e in load_support_examples()] + UNUSUAL


SETTINGS: list[tuple[str, TfidfSettings]] = [
    *((f"category-{name}", s) for name, s in local_classifier.TFIDF_FEATURES),
    *((f"sentiment-{name}", s) for name, s in sentiment_model.TFIDF_FEATURES),
    *((f"knowledge-base-{s.analyzer}", s) for s in knowledge_base.TFIDF_FEATURES),
]


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """What the recipes record of an estimator's ``get_params()``: the plain values."""
    return {k: v for k, v in params.items() if isinstance(v, str | int | float | bool | tuple)}


@pytest.mark.parametrize(("name", "settings"), SETTINGS, ids=[n for n, _ in SETTINGS])
def test_the_analysers_give_scikit_learns_n_grams(
    name: str, settings: TfidfSettings, texts: list[str]
) -> None:
    ours = settings.build_analyzer()
    theirs = TfidfVectorizer(**settings.sklearn_params()).build_analyzer()
    assert len(texts) > 3000
    for text in texts:
        assert ours(text) == theirs(text), text


@pytest.mark.parametrize(("name", "settings"), SETTINGS, ids=[n for n, _ in SETTINGS])
def test_the_recorded_settings_are_scikit_learns(name: str, settings: TfidfSettings) -> None:
    vectorizer = TfidfVectorizer(**settings.sklearn_params())
    assert settings.recipe_params() == _plain(vectorizer.get_params(deep=False))


def test_the_stop_words_are_scikit_learns() -> None:
    assert tfidf_features.ENGLISH_STOP_WORDS == ENGLISH_STOP_WORDS


def test_unsupported_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        TfidfSettings("char_wb", (2, 5), stop_words="english")
    with pytest.raises(ValueError):
        TfidfSettings("word", (2, 1))


@pytest.mark.parametrize(
    "settings",
    [*knowledge_base.TFIDF_FEATURES, *(s for _, s in local_classifier.TFIDF_FEATURES)],
    ids=["kb-word", "kb-char", "min-df-2-word", "min-df-2-char"],
)
def test_fitting_gives_scikit_learns_vocabulary_idf_and_rows(
    settings: TfidfSettings, texts: list[str]
) -> None:
    documents = texts[:1500]
    vectorizer = TfidfVectorizer(**settings.sklearn_params())
    expected = vectorizer.fit_transform(documents).toarray()
    block = tfidf_features.fit(settings, documents)
    assert block.vocabulary == vectorizer.vocabulary_
    np.testing.assert_allclose(block.idf, vectorizer.idf_, rtol=0, atol=1e-12)
    queries = texts[1500:1800] + UNUSUAL
    np.testing.assert_allclose(block.transform(documents), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        block.transform(queries), vectorizer.transform(queries).toarray(), rtol=0, atol=1e-12
    )


def test_an_empty_vocabulary_is_an_error_as_in_scikit_learn() -> None:
    with pytest.raises(ValueError, match="empty vocabulary"):
        tfidf_features.fit(knowledge_base.TFIDF_FEATURES[0], ["the and of", "it is"])


def test_the_recipes_are_the_strings_scikit_learns_settings_give() -> None:
    """The shipped files record these recipes; a difference would stop them being served."""
    pipeline = local_classifier.build_pipeline()
    heads = (
        local_classifier.build_encoder_head(),
        local_classifier.build_encoder_head(local_classifier.MINILM_C),
    )
    estimators = [
        *(v for _, v in pipeline.named_steps["features"].transformer_list),
        pipeline.named_steps["classifier"],
        *heads,
    ]
    expected = [json.dumps(_plain(e.get_params(deep=False)), sort_keys=True) for e in estimators]
    assert local_classifier.recipe().splitlines()[1:6] == expected
    assert LogisticRegression().get_params(deep=False) == (
        local_classifier.LOGISTIC_REGRESSION_DEFAULTS
    )
    union = sentiment_model._union()
    assert sentiment_model.recipe().splitlines()[1:3] == [
        json.dumps(_plain(v.get_params(deep=False)), sort_keys=True)
        for _, v in union.transformer_list
    ]


def test_category_probabilities_are_scikit_learns(
    trained_model: LocalClassifierModel, texts: list[str]
) -> None:
    reference = trained_model.pipeline_predict_proba(texts)
    fast = np.array([trained_model.tfidf_probabilities(text) for text in texts])
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)
    # The same predictions, not merely close numbers.
    assert (fast.argmax(axis=1) == reference.argmax(axis=1)).all()


def _sklearn_sentiment(model: SentimentModel) -> tuple[FeatureUnion, LogisticRegression]:
    """The shipped sentiment model's TF-IDF features and learner as scikit-learn objects."""
    arrays = model.to_arrays()
    union = sentiment_model._union()
    for name, vectorizer in union.transformer_list:
        vectorizer.vocabulary_ = fitted.vocabulary_from_terms(arrays[f"{name}_terms"])
        vectorizer.idf_ = arrays[f"{name}_idf"]
    learner = LogisticRegression()
    learner.classes_ = arrays["classes"]
    learner.coef_ = arrays["coef"]
    learner.intercept_ = arrays["intercept"]
    learner.n_features_in_ = arrays["coef"].shape[1]
    return union, learner


def test_sentiment_probabilities_are_scikit_learns(texts: list[str]) -> None:
    model = load_or_train_sentiment(None)
    union, learner = _sklearn_sentiment(model)
    vader = sentiment_model.VaderFeatures()
    minilm_mean = model.to_arrays()["minilm_mean"]

    def reference(batch: list[str], minilm: np.ndarray) -> np.ndarray:
        dense = np.hstack(
            [
                np.array([vader(t) for t in batch]) * sentiment_model.VADER_WEIGHT,
                minilm * sentiment_model.MINILM_WEIGHT,
            ]
        )
        matrix = sp.hstack([union.transform(batch), sp.csr_matrix(dense)]).tocsr()
        return np.asarray(learner.predict_proba(matrix))

    def ours(batch: list[str], english: bool) -> np.ndarray:
        rows = [model.probabilities(t, english=english) for t in batch]
        return np.array([[row[c] for c in model.classes] for row in rows])

    # Not English: the MiniLM block is the training texts' mean (no encoder pass needed).
    others = np.tile(minilm_mean, (len(texts), 1))
    np.testing.assert_allclose(ours(texts, False), reference(texts, others), rtol=0, atol=1e-9)
    english = texts[::80] + UNUSUAL
    vectors = sentiment_encoder().encode(english)
    np.testing.assert_allclose(ours(english, True), reference(english, vectors), rtol=0, atol=1e-9)


def test_knowledge_base_similarities_are_scikit_learns(texts: list[str]) -> None:
    kb = KnowledgeBase.from_directory()  # no embedder: TF-IDF similarity
    union = FeatureUnion(
        [(s.analyzer, TfidfVectorizer(**s.sklearn_params())) for s in knowledge_base.TFIDF_FEATURES]
    )
    documents = [f"{a.title}\n{a.title}\n{a.body}" for a in kb.articles]
    matrix = union.fit_transform(documents).toarray()
    queries = texts[::10] + UNUSUAL
    expected = union.transform(queries).toarray() @ matrix.T / 2.0
    ours = np.array([kb.similarities(q) for q in queries])
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-9)
    # The best section of an article, as scikit-learn's vectors rank them.
    article = max(kb.articles, key=lambda a: a.body.count("\n## "))
    sections = [s for s in knowledge_base.article_sections(article) if s.heading and s.text]
    assert len(sections) > 2
    section_matrix = union.transform([f"{s.heading}\n{s.text}" for s in sections]).toarray()
    for query in queries[:100]:
        scores = union.transform([query]).toarray()[0] @ section_matrix.T
        assert kb.best_section(article, query) == sections[int(np.argmax(scores))], query
