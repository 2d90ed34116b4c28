"""The runtime's model is kept out of the garbage collector's full passes."""

import gc
from pathlib import Path

from madoguchi.runtime import load_model
from madoguchi.shared.settings import Settings


def test_the_loaded_model_is_frozen_out_of_full_collections(classifier_var_dir: Path) -> None:
    classifier = load_model(Settings(MADOGUCHI_VAR_DIR=classifier_var_dir))
    try:
        collected = {id(o) for o in gc.get_objects()}  # generations 0-2, not the frozen ones
        assert gc.is_tracked(classifier.vectorizer)
        assert id(classifier.vectorizer) not in collected
        assert id(classifier.rules) not in collected
        assert classifier.classify("死にたい").crisis
    finally:
        gc.unfreeze()
