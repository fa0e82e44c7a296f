"""Where the local category model lives, named without loading it.

Health checks and pages ask whether a model is there; importing the classifier to learn its file
names would bring scikit-learn (~120 MB) into processes that never classify.
"""

from __future__ import annotations

from pathlib import Path

#: The folder of the fitted models shipped with the application (:mod:`.fitted`).
FITTED_DIR: Path = Path(__file__).resolve().parent / "data" / "fitted"
#: A category model trained on this machine (on agents' corrections), in the models folder.
MODEL_FILENAME = "local_classifier.joblib"
#: The shipped fitted category model and the sentence vectors of its training texts.
SHIPPED_MODEL_PATH: Path = FITTED_DIR / "category.npz"
SHIPPED_VECTORS_PATH: Path = FITTED_DIR / "category_vectors.npz"
