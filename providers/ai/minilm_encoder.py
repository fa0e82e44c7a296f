"""English sentence vectors from MiniLM-L6, fine-tuned on support intents and rated sentiment.

The network is ``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0: 6 layers, 384 wide),
fine-tuned by ``scripts/finetune_encoder.py`` on four fifths of BANKING77's 77 intents and on
the VADER rated sentences (Amazon reviews and tweets without their held-out quarters), then
exported to ONNX with int8 weights (``data/encoder/``; see ``data/encoder/MODEL_CARD.md``).
It runs through onnxruntime on one thread; torch is needed only to re-run the fine-tuning.
Vectors are the mean of the last layer over the text's tokens, L2-normalised, 384 floats.

A second network, fine-tuned the same way on the rated sentences alone
(``scripts/finetune_encoder.py --sentiment-only``), is the sentiment model's encoder: sharing
one network between intents and sentiment cost the sentiment model three points of macro-F1.

The held-out fifth of BANKING77 and the held-out quarters of the rated sentences were never
shown to the fine-tuning, so the figures measured on them (README) are honest.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from providers.errors import ProviderConfigError

MODEL_DIR: Path = Path(__file__).resolve().parent / "data" / "encoder"
MODEL_FILENAME = "minilm-l6-mailroom-int8.onnx"
TOKENIZER_FILENAME = "tokenizer.json"
#: The shipped file's sha256 and the name vector caches and trained models record; both change
#: whenever the fine-tuning is re-run (a test checks the digest).
MODEL_SHA256 = "325fed683043391d9f68a81f431c7e74181971e3adde1b04e36c779dbe9c0bc1"
NAME = f"minilm-l6-mailroom-{MODEL_SHA256[:12]}"
SENTIMENT_MODEL_FILENAME = "minilm-l6-sentiment-int8.onnx"
SENTIMENT_MODEL_SHA256 = "1df1084db9906400d6af0e23e14c53ad9f0cb319f182e96e1fb356d0b4306195"
SENTIMENT_NAME = f"minilm-l6-sentiment-{SENTIMENT_MODEL_SHA256[:12]}"
DIMENSIONS = 384
#: Tokens read per text: an email's intent is in its first lines, and cost grows with length.
MAX_TOKENS = 128


class MiniLMEncoder:
    """Text to 384-float vector through the shipped ONNX model (thread-safe)."""

    def __init__(self, model_dir: Path = MODEL_DIR, model_filename: str = MODEL_FILENAME) -> None:
        """Load ``model_filename`` (the intent encoder by default) and the tokenizer from
        ``model_dir``."""
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ProviderConfigError(
                "the local AI provider needs the Python packages 'onnxruntime' and 'tokenizers' "
                f"(they run the shipped MiniLM encoder); install requirements.txt ({exc})"
            ) from exc
        model_path = model_dir / model_filename
        tokenizer_path = model_dir / TOKENIZER_FILENAME
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise ProviderConfigError(f"the MiniLM encoder file {path} does not exist")
        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        # One engine process runs many workers; for one short text a thread pool costs more
        # than it saves.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts``, shape ``(len(texts), 384)``, float32, L2-normalised.

        One text per run: the int8 model quantises its activations with one scale per tensor,
        so in a padded batch a text's vector would depend on its neighbours.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch(list(texts))):
            input_ids = np.asarray([encoding.ids], dtype=np.int64)
            mask = np.ones_like(input_ids)
            pooled = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
            out[row] = pooled[0] / max(float(np.linalg.norm(pooled[0])), 1e-12)
        return out


@functools.cache
def sentiment_encoder() -> MiniLMEncoder:
    """The process's one sentiment encoder, loaded on first use."""
    return MiniLMEncoder(MODEL_DIR, SENTIMENT_MODEL_FILENAME)
