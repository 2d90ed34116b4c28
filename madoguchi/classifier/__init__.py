"""Classifier: a resident's worry to life-issue categories, crisis and intent (see README.md).

Public API (stable; the bot calls it):
    Classifier.load(path) / load_classifier(path) -> Classifier
    Classifier.classify(text) -> Prediction, Classifier.classify_many(texts), Classifier.explain(text, label)
    default_model_path(), ensure_model(path)
"""

from madoguchi.classifier.artifact import ModelError
from madoguchi.classifier.model import Classifier, Prediction
from madoguchi.classifier.service import default_model_path, ensure_model, load_classifier

__all__ = ["Classifier", "ModelError", "Prediction", "default_model_path", "ensure_model", "load_classifier"]
