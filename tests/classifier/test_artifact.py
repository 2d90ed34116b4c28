"""The model file: versioned, with metadata; incompatible or damaged files fail with a clear message."""

import json
from pathlib import Path

import pytest

from madoguchi.classifier import artifact
from madoguchi.classifier.artifact import FORMAT_VERSION, MAGIC, ModelError
from madoguchi.classifier.model import Classifier


def test_metadata(classifier_model_path: Path) -> None:
    meta = artifact.read_metadata(classifier_model_path)
    assert meta["format_version"] == FORMAT_VERSION
    assert len(meta["training_data_sha256"]) == 64
    assert meta["trained_at"] and meta["version"]
    assert {"SudachiPy", "sudachidict-core", "scikit-learn", "numpy"} <= set(meta["libraries"])
    assert meta["training_seconds"] > 0  # the time depends on the machine; README quotes it
    held = meta["evaluation"]["grouped_folds"]
    assert {"per_category", "micro_f1", "macro_f1", "crisis_recall", "crisis_false_alarm"} <= set(held)
    # Grouped folds hold out whole corpus files (writers): every file in exactly one fold.
    folds = meta["config"]["grouped_folds"]
    assert set(held["per_fold"]) == set(folds)
    files = [name for fold in folds for name in fold.split("+")]
    assert len(files) == len(set(files)) > len(folds) > 1


def _rewrite_header(src: Path, dst: Path, **changes: object) -> None:
    with open(src, "rb") as f:
        assert f.read(len(MAGIC)) == MAGIC
        meta = json.loads(f.readline())
        rest = f.read()
    meta.update(changes)
    dst.write_bytes(MAGIC + json.dumps(meta).encode() + b"\n" + rest)


def test_incompatible_version_fails_clearly(classifier_model_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.model"
    _rewrite_header(classifier_model_path, old, format_version=FORMAT_VERSION + 1)
    expected = rf"format version {FORMAT_VERSION + 1}.*reads version {FORMAT_VERSION}.*madoguchi train"
    with pytest.raises(ModelError, match=expected):
        Classifier.load(old)


def test_not_a_model_fails_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.model"
    bogus.write_bytes(b"hello")
    with pytest.raises(ModelError, match="not a madoguchi classifier model"):
        Classifier.load(bogus)
    with pytest.raises(ModelError, match="no classifier model"):
        Classifier.load(tmp_path / "missing.model")


def test_truncated_payload_fails_clearly(classifier_model_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.model"
    cut.write_bytes(classifier_model_path.read_bytes()[:5000])
    with pytest.raises(ModelError, match="damaged"):
        Classifier.load(cut)
