"""Measure classification into a taxonomy the models never saw. Evaluation only.

``python -m providers.ai.evaluate_taxonomy [--nlupp-dir DIR]`` reproduces the README's figures on
the hotels domain of NLU++ (CC BY 4.0, ``shared/data/nlupp_hotels``): the rows with exactly one
topic intent, the 15 topic intents as the taxonomy and their ontology descriptions as the
category descriptions. Its 20 folds are grouped into 5 (folds 0-3, 4-7, ...); each group is
scored by a model that learnt from k examples per category drawn from the other groups (all of
a category's examples when it has fewer; seeded), for k = 0 (zero-shot), 8, 16 and 64, beside a
TF-IDF linear SVM trained on the same examples. Printed: macro-F1 with its 95% bootstrap
interval, accuracy and the expected calibration error of the confidences, pooled over the groups.
Then the time of ``LocalAIProvider.classify`` per email on texts never encoded before.

``--write-csv DIR`` instead writes the same data for ``python -m engine eval classify
--taxonomy``: ``DIR/taxonomy.csv`` (name,description), ``DIR/test.csv`` (folds 0-3) and
``DIR/train-K.csv`` (K examples per category from the other folds, K = 8, 16, 64; seeded).

``--fit-temperature`` instead fits the zero-shot softmax temperatures on BANKING77's held-out
fifth (77 intent names as the categories; a domain and data the figures above are not measured
on) and prints them with the calibration error before and after.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC

from providers.ai.base import Category
from providers.ai.bootstrap import macro_f1_interval
from providers.ai.language import detect_language
from providers.ai.sentence_encoder import shared_encoder
from providers.ai.taxonomy import support_taxonomy
from providers.ai.training_data import (
    LabelledExample,
    banking77_intent_split,
    load_training_examples,
)
from providers.ai.zero_shot import (
    TaxonomyClassifier,
    category_text,
    expected_calibration_error,
    fit_temperature,
    select_examples,
)
from providers.email.base import InboundEmail

DEFAULT_NLUPP_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nlupp_hotels"
SHOTS = (0, 8, 16, 64)
GROUPS = 5


@dataclass(frozen=True)
class Row:
    """One NLU++ request with its single topic intent and its fold."""

    text: str
    label: str
    fold: int


def load_nlupp(directory: Path) -> tuple[list[Category], list[Row]]:
    """The hotels topic intents as a taxonomy, and the rows that carry exactly one of them."""
    ontology = json.loads((directory / "ontology.json").read_text(encoding="utf-8"))["intents"]
    taxonomy = [
        Category(name=name, description=entry["description"])
        for name, entry in ontology.items()
        if "hotels" in entry["domain"]
    ]
    topics = {c.name for c in taxonomy}
    rows: list[Row] = []
    for fold in range(20):
        for item in json.loads((directory / f"fold{fold}.json").read_text(encoding="utf-8")):
            found = [i for i in item.get("intents", []) if i in topics]
            if len(found) == 1:
                rows.append(Row(item["text"], found[0], fold))
    return taxonomy, rows


def few_shot_sample(
    rows: Sequence[Row], taxonomy: Sequence[Category], shots: int, seed: int
) -> list[Row]:
    """Up to ``shots`` rows of each category, drawn with ``seed``."""
    rng = random.Random(seed)
    chosen: list[Row] = []
    for category in taxonomy:
        of_category = [r for r in rows if r.label == category.name]
        rng.shuffle(of_category)
        chosen += of_category[:shots]
    return chosen


@dataclass
class Pooled:
    """Predictions pooled over the cross-validation groups."""

    truth: list[str]
    predicted: list[str]
    confidences: list[np.ndarray]

    def line(self, name: str, classes: Sequence[str]) -> str:
        """One report line: macro-F1 (interval), accuracy, ECE."""
        macro = f1_score(self.truth, self.predicted, average="macro", zero_division=0)
        low, high = macro_f1_interval(self.truth, self.predicted)
        accuracy = accuracy_score(self.truth, self.predicted)
        ece = ""
        if self.confidences:
            index = {c: i for i, c in enumerate(classes)}
            probabilities = np.vstack(self.confidences)
            error = expected_calibration_error(probabilities, [index[t] for t in self.truth])
            ece = f"{error:>7.3f}"
        return f"{name:<28}{macro:>9.3f}  ({low:.3f}-{high:.3f}){accuracy:>10.3f}{ece}"


def svm_predictions(train: Sequence[Row], test: Sequence[Row]) -> list[str]:
    """The baseline: TF-IDF word 1-2-grams and a linear SVM on ``train``."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))
    features = vectorizer.fit_transform([r.text for r in train])
    svm = LinearSVC().fit(features, [r.label for r in train])
    return [str(p) for p in svm.predict(vectorizer.transform([r.text for r in test]))]


def learning_curve(
    taxonomy: Sequence[Category],
    rows: Sequence[Row],
    seed: int = 0,
    shipped: Sequence[LabelledExample] = (),
) -> list[str]:
    """The report lines of every k in :data:`SHOTS`, ours and the SVM's; with ``shipped``
    (the provider's own data for the categories it names) also zero-shot plus those, as a
    workflow with this taxonomy gets it before any correction."""
    classes = [c.name for c in taxonomy]
    languages = [detect_language(r.text).code for r in rows]
    lines: list[str] = []
    if shipped:
        ours = Pooled([r.label for r in rows], [], [])
        model = TaxonomyClassifier(taxonomy, select_examples(taxonomy, shipped))
        probabilities = model.probabilities([r.text for r in rows], languages)
        ours.predicted = [classes[int(j)] for j in probabilities.argmax(axis=1)]
        ours.confidences.append(probabilities)
        named = sorted({e.category for e in model.examples})
        lines.append(ours.line(f"shipped data for {','.join(named)}", classes))
    for shots in SHOTS:
        ours = Pooled([], [], [])
        svm = Pooled([], [], [])
        for group in range(GROUPS):
            test_index = [i for i, r in enumerate(rows) if r.fold // 4 == group]
            test = [rows[i] for i in test_index]
            pool = [r for r in rows if r.fold // 4 != group]
            train = few_shot_sample(pool, taxonomy, shots, seed * 100 + group) if shots else []
            model = TaxonomyClassifier(
                taxonomy, [LabelledExample(r.text, r.label, "correction") for r in train]
            )
            probabilities = model.probabilities(
                [r.text for r in test], [languages[i] for i in test_index]
            )
            ours.truth += [r.label for r in test]
            ours.predicted += [classes[int(j)] for j in probabilities.argmax(axis=1)]
            ours.confidences.append(probabilities)
            if shots:
                svm.truth += [r.label for r in test]
                svm.predicted += svm_predictions(train, test)
        name = "zero-shot" if not shots else f"{shots} per category"
        lines.append(ours.line(name, classes))
        if shots:
            lines.append(svm.line(f"  TF-IDF linear SVM, {shots}", classes))
    return lines


def classify_ms(
    taxonomy: Sequence[Category], texts: Sequence[str], models_dir: Path | None = None
) -> tuple[float, float]:
    """Mean wall-clock and CPU milliseconds of ``LocalAIProvider.classify`` per email, each text
    new to the encoder (its vector computed in the call), with ``taxonomy`` built beforehand.
    ``models_dir`` holds the trained models (a temporary one trains them first, minutes)."""
    from providers.ai.local import LocalAIProvider

    with tempfile.TemporaryDirectory() as scratch:
        provider = LocalAIProvider(models_dir or Path(scratch))
        provider.warm_up()
        emails = [
            InboundEmail(
                message_id=f"timing-{i}",
                mailbox="evaluation",
                from_address="guest@example.com",
                subject="",
                body_text=text,
                received_at=datetime.now(UTC),
            )
            for i, text in enumerate(texts)
        ]
        warm = emails[0].model_copy(update={"body_text": "A warm-up request about the hotel."})
        provider.classify(warm, list(taxonomy))
        started, cpu_started = time.perf_counter(), time.process_time()
        for email in emails:
            provider.classify(email, list(taxonomy))
        wall = (time.perf_counter() - started) * 1000 / len(emails)
        cpu = (time.process_time() - cpu_started) * 1000 / len(emails)
    return wall, cpu


def write_csv(taxonomy: Sequence[Category], rows: Sequence[Row], out: Path, seed: int) -> None:
    """Write the taxonomy, the test group 0 and the few-shot training files as CSV."""
    import csv

    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, header: list[str], data: list[list[str]]) -> None:
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(data)

    write("taxonomy.csv", ["name", "description"], [[c.name, c.description] for c in taxonomy])
    write("test.csv", ["text", "category"], [[r.text, r.label] for r in rows if r.fold // 4 == 0])
    pool = [r for r in rows if r.fold // 4 != 0]
    for shots in SHOTS[1:]:
        sample = few_shot_sample(pool, taxonomy, shots, seed * 100)
        write(f"train-{shots}.csv", ["text", "category"], [[r.text, r.label] for r in sample])
    print(f"wrote taxonomy.csv, test.csv and train-8/16/64.csv to {out}")


def fit_temperatures() -> None:
    """Fit and print the zero-shot temperatures on BANKING77's held-out fifth."""
    from providers.ai.zero_shot import _normalised_parts, softmax

    _, held_out = banking77_intent_split()
    intents = sorted({label for _, label in held_out})
    taxonomy = [Category(name=intent) for intent in intents]
    encoder = shared_encoder()
    vectors = encoder.encode([text for text, _ in held_out])
    category_vectors = encoder.encode([category_text(c) for c in taxonomy])
    truth = [intents.index(label) for _, label in held_out]
    for english, name in ((True, "USE+MiniLM (English)"), (False, "USE alone (other languages)")):
        scores = (
            _normalised_parts(vectors, english) @ _normalised_parts(category_vectors, english).T
        )
        temperature = fit_temperature(scores, truth)
        accuracy = float((scores.argmax(axis=1) == np.asarray(truth)).mean())
        before = expected_calibration_error(softmax(scores, 1.0), truth)
        after = expected_calibration_error(softmax(scores, temperature), truth)
        print(
            f"{name}: temperature {temperature:.4f}; accuracy {accuracy:.3f}; "
            f"ECE {before:.3f} at T=1, {after:.3f} at the fitted T ({len(truth)} queries)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the learning curve and the timing (or fit the temperatures)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--nlupp-dir", type=Path, default=DEFAULT_NLUPP_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit-temperature", action="store_true")
    parser.add_argument("--write-csv", type=Path, metavar="DIR")
    parser.add_argument("--timing-only", action="store_true", help="skip the learning curve")
    parser.add_argument("--timing-emails", type=int, default=200)
    parser.add_argument(
        "--models-dir", type=Path, help="trained models to time with (default: train them anew)"
    )
    args = parser.parse_args(argv)
    if args.fit_temperature:
        fit_temperatures()
        return 0
    taxonomy, rows = load_nlupp(args.nlupp_dir)
    if args.write_csv:
        write_csv(taxonomy, rows, args.write_csv, args.seed)
        return 0
    print(
        f"NLU++ hotels: {len(rows)} single-topic requests, {len(taxonomy)} topic intents, "
        f"{GROUPS} groups of 4 folds, seed {args.seed}"
    )
    print(f"{'model':<28}{'macro-F1':>9}  {'(95% interval)':<15}{'accuracy':>8}{'ECE':>7}")
    if not args.timing_only:
        for line in learning_curve(taxonomy, rows, args.seed, load_training_examples()):
            print(line, flush=True)
    texts = [r.text for r in rows[: args.timing_emails]]
    wall, cpu = classify_ms(taxonomy, texts, args.models_dir)
    print(
        f"classify() with this taxonomy, {len(texts)} texts never encoded before: "
        f"{wall:.1f} ms per email ({cpu:.1f} ms CPU)"
    )
    # For reference, the built-in taxonomy (the trained classifier) on other unseen texts.
    others = [r.text for r in rows[args.timing_emails : 2 * args.timing_emails]]
    wall, cpu = classify_ms(support_taxonomy(), others, args.models_dir)
    print(
        f"classify() with the built-in taxonomy, {len(others)} other texts never encoded "
        f"before: {wall:.1f} ms per email ({cpu:.1f} ms CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
