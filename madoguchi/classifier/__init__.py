"""Classifier: a resident's worry to life-issue categories, crisis and intent (see README.md).

Public API (stable; the bot calls it):
    Classifier.load(path) / load_classifier(path) -> Classifier
    Classifier.classify(text) -> Prediction, Classifier.classify_many(texts), Classifier.explain(text, label)
    default_model_path(), ensure_model(path), ModelError

The names are imported lazily: `madoguchi.cli` imports this package's commands for every command, and
numpy, scipy and Sudachi should load only when a command actually classifies.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from madoguchi.classifier.artifact import ModelError
    from madoguchi.classifier.model import Classifier, Prediction
    from madoguchi.classifier.service import default_model_path, ensure_model, load_classifier

_EXPORTS = {
    "ModelError": "madoguchi.classifier.artifact",
    "Classifier": "madoguchi.classifier.model",
    "Prediction": "madoguchi.classifier.model",
    "default_model_path": "madoguchi.classifier.service",
    "ensure_model": "madoguchi.classifier.service",
    "load_classifier": "madoguchi.classifier.service",
}

__all__ = ["Classifier", "ModelError", "Prediction", "default_model_path", "ensure_model", "load_classifier"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
