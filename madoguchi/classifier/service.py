"""Where the model lives and how callers get one: `default_model_path()`, `ensure_model()`, `load_classifier()`."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from madoguchi.classifier.artifact import ModelError, read_metadata
from madoguchi.classifier.corpus import Example, corpus_digest
from madoguchi.classifier.model import Classifier

log = logging.getLogger(__name__)

MODEL_FILENAME = "classifier.madoguchi-model"
_train_lock = threading.Lock()


def default_model_path() -> Path:
    """`var/models/classifier.madoguchi-model` under the configured var directory (gitignored)."""
    from madoguchi.shared.settings import get_settings

    return Path(get_settings().var_dir) / "models" / MODEL_FILENAME


def model_is_usable(path: Path) -> bool:
    try:
        read_metadata(path)
    except (OSError, ModelError):
        return False
    return True


def model_is_current(path: Path, data_dir: Path | None = None, extra_examples: list[Example] | None = None) -> bool:
    """Whether the model was trained on the data as it is now (its usability is model_is_usable's): after an
    update brings new corpus lines or crisis expressions, a model trained before it still loads, but carries
    the old expressions."""
    from madoguchi.classifier.training import data_digest

    try:
        recorded = read_metadata(path).get("training_data_sha256")
    except (OSError, ModelError):
        return False
    return recorded == data_digest(corpus_digest(data_dir), extra_examples)


def supervisor_examples() -> list[Example]:
    """Examples supervisors accepted in the console, added to the corpus by `madoguchi train`.

    Seam: the table does not exist yet. When it does, read the accepted (text, labels, crisis) rows here
    through the configured database and return them as Examples; `train` already passes them on.
    """
    return []


def ensure_model(path: Path | None = None, *, announce: bool = True, data_dir: Path | None = None) -> Path:
    """Train the model when the file is missing or unusable (serve, worker, classify and tests call this)."""
    from madoguchi.classifier.training import train

    target = Path(path) if path else default_model_path()
    with _train_lock:
        if not model_is_usable(target):
            if announce:
                print(f"madoguchi: no usable classifier model at {target}; training one (under a minute)…",
                      file=sys.stderr)
            train(out=target, data_dir=data_dir)
    return target


def load_classifier(path: Path | None = None) -> Classifier:
    """Ensure a model exists, then load it."""
    return Classifier.load(ensure_model(path))
