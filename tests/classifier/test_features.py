"""The batch vectorizer: a message gets the same row alone, in a small batch, and in a batch so large that
its (message, feature) keys no longer fit 32 bits."""

import numpy as np

from madoguchi.classifier.features import analyze_many
from madoguchi.classifier.model import Classifier
from madoguchi.classifier.normalize import normalize_many

TEXTS = ["母が認知症で夜も眠れない", "家賃が払えない。電気も止まりそう", "しにたい", "", "。", "学校いきたくない😢"]


def test_rows_do_not_depend_on_the_batch(classifier: Classifier) -> None:
    vectorizer = classifier.vectorizer
    docs = analyze_many(normalize_many(TEXTS))
    small = vectorizer.transform(docs).toarray()
    alone = np.vstack([vectorizer.transform([d]).toarray() for d in docs])
    assert np.array_equal(small, alone)
    many = docs * (17_000 // len(docs) + 1)
    assert len(many).bit_length() + vectorizer.n_features.bit_length() > 31  # the 64-bit path
    big = vectorizer.transform(many)
    assert np.array_equal(big[: len(docs)].toarray(), small)
    assert np.array_equal(big[len(docs) * 100 : len(docs) * 101].toarray(), small)
