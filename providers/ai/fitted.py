"""The fitted models shipped with the application (``data/fitted/``): numbers, not pickles.

Training the local models means encoding some 38,000 texts with three networks and fitting four
logistic regressions: a quarter of an hour on a busy two-core machine. The result is shipped
instead, so a fresh clone starts in seconds: the category classifier (``category.npz``), the
sentiment model (``sentiment.npz``) and the sentence vectors of the category classifier's
training texts (``category_vectors.npz``, float16), which retraining on agents' corrections
reuses so that only the corrections are encoded.

Each file is a plain ``.npz`` (numpy arrays, no pickle: loading one runs no code, and it reads
the same under any scikit-learn version) holding a ``meta`` entry: a JSON object with the
``data`` fingerprint of the training data and the ``recipe`` (the features' and learners'
settings, the encoders' names). A model is used only when both match what training would use
now; otherwise the caller trains as before. ``python -m providers.ai.artefacts`` (``make
artefacts``) rebuilds the files, and a fast test fails while they are stale.

The files are written deterministically (fixed zip timestamps, sorted members), so rebuilding
on unchanged inputs leaves git with nothing to commit.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from providers.ai.model_files import FITTED_DIR as FITTED_DIR
from providers.errors import ProviderConfigError
from providers.files import atomic_writer

#: The command that rebuilds the files (named by the staleness test and the logs).
REBUILD_COMMAND = "make artefacts  (python -m providers.ai.artefacts)"
FORMAT = 1
_META = "meta"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_arrays(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` and ``meta`` (JSON-able) to the ``.npz`` file ``path``, atomically and
    byte for byte the same for the same inputs."""
    if _META in arrays:
        raise ValueError(f"{_META!r} is reserved for the metadata")
    members = {**arrays, _META: np.array(json.dumps({"format": FORMAT, **meta}, sort_keys=True))}
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_writer(path, mode=0o644) as file,
        zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name in sorted(members):
            array = np.asarray(members[name])
            if array.dtype == object:
                raise ValueError(f"{name}: object arrays would need pickle")
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def read_meta(path: Path) -> dict[str, Any] | None:
    """The metadata of the shipped file ``path``; None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive[_META]))
    except Exception:  # a damaged or foreign file is as good as none: the caller trains
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return None
    return meta


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the shipped file ``path`` but the metadata."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files if name != _META}
    except Exception as exc:
        raise ProviderConfigError(f"cannot read the shipped model {path}: {exc}") from exc


def matches(meta: dict[str, Any] | None, *, data: str, recipe: str) -> bool:
    """Whether ``meta`` records this training data and this recipe."""
    return meta is not None and meta.get("data") == data and meta.get("recipe") == recipe


def vocabulary_terms(vocabulary: dict[str, int]) -> np.ndarray:
    """A fitted vectoriser's vocabulary as an array of its terms in column order."""
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return np.array(terms, dtype=str)


def vocabulary_from_terms(terms: np.ndarray) -> dict[str, int]:
    """The inverse of :func:`vocabulary_terms`."""
    return {str(term): index for index, term in enumerate(terms.tolist())}
