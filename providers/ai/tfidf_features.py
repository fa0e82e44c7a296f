"""TF-IDF features without scikit-learn: the analysers, the fitting and the transform the
shipped models use, so a process that only scores never imports scikit-learn (~120 MB with the
SciPy and pandas it pulls in).

The analysers reproduce ``TfidfVectorizer.build_analyzer()`` for the settings
:class:`TfidfSettings` allows (lower-casing, the default ``token_pattern``, word n-grams after
optional English stop-word removal; ``char_wb`` n-grams), and :func:`fit` its vocabulary and
``idf_`` (``smooth_idf``, no document-frequency cut but ``min_df``). Tests check both against
scikit-learn on thousands of texts, and that :meth:`TfidfSettings.recipe_params` is what
scikit-learn's ``get_params`` reports for the same vectoriser. Training still fits with
scikit-learn (:meth:`TfidfSettings.sklearn_params`); what it learns is read back as
:class:`TfidfBlock`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

#: scikit-learn's default ``token_pattern``: words of two or more word characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
#: scikit-learn's ``ENGLISH_STOP_WORDS`` (BSD-3-Clause, from the Glasgow Information Retrieval
#: Group's list), copied so that the knowledge base's word features need no scikit-learn.
_ENGLISH_STOP_WORDS = """
    a about above across after afterwards again against all almost alone along already
    also although always am among amongst amoungst amount an and another any anyhow anyone
    anything anyway anywhere are around as at back be became because become becomes
    becoming been before beforehand behind being below beside besides between beyond bill
    both bottom but by call can cannot cant co con could couldnt cry de describe detail do
    done down due during each eg eight either eleven else elsewhere empty enough etc even
    ever every everyone everything everywhere except few fifteen fifty fill find fire
    first five for former formerly forty found four from front full further get give go
    had has hasnt have he hence her here hereafter hereby herein hereupon hers herself him
    himself his how however hundred i ie if in inc indeed interest into is it its itself
    keep last latter latterly least less ltd made many may me meanwhile might mill mine
    more moreover most mostly move much must my myself name namely neither never
    nevertheless next nine no nobody none noone nor not nothing now nowhere of off often
    on once one only onto or other others otherwise our ours ourselves out over own part
    per perhaps please put rather re same see seem seemed seeming seems serious several
    she should show side since sincere six sixty so some somehow someone something
    sometime sometimes somewhere still such system take ten than that the their them
    themselves then thence there thereafter thereby therefore therein thereupon these they
    thick thin third this those though three through throughout thru thus to together too
    top toward towards twelve twenty two un under until up upon us very via was we well
    were what whatever when whence whenever where whereafter whereas whereby wherein
    whereupon wherever whether which while whither who whoever whole whom whose why will
    with within without would yet you your yours yourself yourselves
"""
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(_ENGLISH_STOP_WORDS.split())
_WHITE_SPACES = re.compile(r"\s\s+")

Analyzer = Callable[[str], list[str]]


@dataclass(frozen=True)
class TfidfSettings:
    """The settings of one ``TfidfVectorizer`` that the local models use (others are refused)."""

    analyzer: Literal["word", "char_wb"]
    ngram_range: tuple[int, int]
    min_df: int = 1
    stop_words: Literal["english"] | None = None
    sublinear_tf: bool = True
    lowercase: bool = True

    def __post_init__(self) -> None:
        low, high = self.ngram_range
        if not 1 <= low <= high:
            raise ValueError(f"invalid ngram_range {self.ngram_range}")
        if self.stop_words is not None and self.analyzer != "word":
            raise ValueError("stop words apply to word n-grams only")

    def sklearn_params(self) -> dict[str, Any]:
        """The keyword arguments of the equivalent ``TfidfVectorizer`` (for training)."""
        params: dict[str, Any] = {
            "analyzer": self.analyzer,
            "ngram_range": self.ngram_range,
            "min_df": self.min_df,
            "sublinear_tf": self.sublinear_tf,
            "lowercase": self.lowercase,
        }
        if self.stop_words is not None:
            params["stop_words"] = self.stop_words
        return params

    def recipe_params(self) -> dict[str, Any]:
        """What scikit-learn's ``get_params()`` reports for that vectoriser, less the settings
        that are not plain values: the part of a model's recipe these features decide."""
        params: dict[str, Any] = {
            "binary": False,
            "decode_error": "strict",
            "encoding": "utf-8",
            "input": "content",
            "max_df": 1.0,
            "norm": "l2",
            "smooth_idf": True,
            "token_pattern": TOKEN_PATTERN,
            "use_idf": True,
            **self.sklearn_params(),
        }
        return params

    def build_analyzer(self) -> Analyzer:
        """Text to its n-grams, in scikit-learn's order."""
        low, high = self.ngram_range
        lower = self.lowercase
        if self.analyzer == "char_wb":

            def char_wb(text: str) -> list[str]:
                return char_wb_ngrams(text.lower() if lower else text, low, high)

            return char_wb
        stop_words = ENGLISH_STOP_WORDS if self.stop_words == "english" else None
        tokenize = re.compile(TOKEN_PATTERN).findall

        def words(text: str) -> list[str]:
            tokens: list[str] = tokenize(text.lower() if lower else text)
            if stop_words is not None:
                tokens = [t for t in tokens if t not in stop_words]
            return word_ngrams(tokens, low, high)

        return words


def word_ngrams(tokens: Sequence[str], low: int, high: int) -> list[str]:
    """The ``low``..``high``-grams of ``tokens`` joined by spaces, shortest first."""
    grams = list(tokens) if low == 1 else []
    start = max(low, 2)
    count = len(tokens)
    for n in range(start, min(high + 1, count + 1)):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(count - n + 1))
    return grams


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character ``low``..``high``-grams inside each whitespace-separated word padded with one
    space each side; a word shorter than ``n`` counts once, as itself."""
    grams: list[str] = []
    append = grams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            append(padded[:n])
            if n >= length:
                break
            for offset in range(1, length - n + 1):
                append(padded[offset : offset + n])
    return grams


@dataclass(frozen=True)
class TfidfBlock:
    """One fitted vectoriser: its analyser, vocabulary (term to column) and idf weights."""

    analyzer: Analyzer
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def from_terms(cls, settings: TfidfSettings, terms: np.ndarray, idf: np.ndarray) -> TfidfBlock:
        """The block of a fitted vectoriser stored as its terms in column order and its idf."""
        vocabulary = {str(term): index for index, term in enumerate(terms.tolist())}
        weights = np.asarray(idf, dtype=np.float64)
        if len(vocabulary) != len(weights) or len(vocabulary) != len(terms):
            raise ValueError("the terms and the idf weights disagree in length")
        return cls(settings.build_analyzer(), vocabulary, weights)

    def counts(self, text: str) -> dict[int, int]:
        """How often each known n-gram of ``text`` occurs, by column."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self.analyzer(text):
            index = vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        return counts

    def weigh(self, counts: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """The columns and l2-normalised sublinear tf x idf values of ``counts`` (not empty)."""
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(
            (1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts)
        )
        values = tf * self.idf[indices]
        values /= math.sqrt(float(values @ values))
        return indices, values

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Dense ``(len(texts), len(vocabulary))`` TF-IDF rows, as scikit-learn's transform."""
        rows = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float64)
        for row, text in zip(rows, texts, strict=True):
            counts = self.counts(text)
            if counts:
                indices, values = self.weigh(counts)
                row[indices] = values
        return rows


def fit(settings: TfidfSettings, documents: Sequence[str]) -> TfidfBlock:
    """Learn the vocabulary (terms in at least ``min_df`` documents, sorted) and the smoothed
    idf weights of ``documents``, as ``TfidfVectorizer.fit`` does with sublinear tf and l2."""
    if not settings.sublinear_tf:
        raise ValueError("only sublinear tf is supported")
    analyzer = settings.build_analyzer()
    frequency: dict[str, int] = {}
    for document in documents:
        for term in set(analyzer(document)):
            frequency[term] = frequency.get(term, 0) + 1
    terms = sorted(t for t, df in frequency.items() if df >= settings.min_df)
    if not terms:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    df = np.array([frequency[t] for t in terms], dtype=np.float64) + 1.0
    idf = np.full_like(df, fill_value=len(documents) + 1, dtype=np.float64)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return TfidfBlock(analyzer, {t: i for i, t in enumerate(terms)}, idf)
