"""The batch vectorizer: a message gets the same row and the same scores alone, in a small batch, and in a
batch so large that its message numbers no longer fit 16 bits (the rows are then ordered by another sort)."""

import numpy as np
import pytest

from madoguchi.classifier.features import analyze_many
from madoguchi.classifier.model import Classifier
from madoguchi.classifier.normalize import normalize_many

TEXTS = ["母が認知症で夜も眠れない", "家賃が払えない。電気も止まりそう", "しにたい", "", "。", "学校いきたくない😢",
         "の、の"]


def test_rows_do_not_depend_on_the_batch(classifier: Classifier) -> None:
    vectorizer = classifier.vectorizer
    docs = analyze_many(normalize_many(TEXTS))
    small = vectorizer.transform(docs).toarray()
    alone = np.vstack([vectorizer.transform([d]).toarray() for d in docs])
    assert np.array_equal(small, alone)
    scores = classifier._scores(docs)
    assert np.array_equal(scores, np.vstack([classifier._scores([d]) for d in docs]))
    many = docs * (33_000 // len(docs) + 1)
    assert len(many) > np.iinfo(np.int16).max  # the other sort
    big = vectorizer.transform(many)
    assert np.array_equal(big[: len(docs)].toarray(), small)
    assert np.array_equal(big[len(docs) * 3000 : len(docs) * 3001].toarray(), small)
    big_scores = classifier._scores(many)
    assert np.array_equal(big_scores[: len(docs)], scores)
    assert np.array_equal(big_scores[len(docs) * 4000 : len(docs) * 4001], scores)


def test_every_occurrence_is_an_entry(classifier: Classifier) -> None:
    """Raw term frequency: a character seen twice is two entries of its feature, which an explanation (and
    the sparse product) adds into one."""
    vectorizer = classifier.vectorizer
    [doc] = analyze_many(normalize_many(["母の手紙の字"]))
    vals, col, _ = vectorizer.rows([doc])
    no = vectorizer.feature_names().index("「の」")
    assert (col == no).sum() == doc.folded.count("の") == 2
    cols, weights = vectorizer.transform_one(doc)
    assert list(cols).count(no) == 1
    assert weights[list(cols).index(no)] == pytest.approx(2 * vals[col == no][0])
