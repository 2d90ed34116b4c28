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
    """Raw term frequency: a character bigram seen twice is two entries of its feature, which an explanation
    (and the sparse product) adds into one."""
    vectorizer = classifier.vectorizer
    [doc] = analyze_many(normalize_many(["母の手紙と母の字"]))
    vals, _, col = vectorizer.weighted_entries([doc])
    no = vectorizer.feature_names().index("「母の」")
    assert (col == no).sum() == doc.folded.count("母の") == 2
    cols, weights = vectorizer.transform_one(doc)
    assert list(cols).count(no) == 1
    assert weights[list(cols).index(no)] == pytest.approx(2 * vals[col == no][0])


def test_the_most_frequent_char_ngrams_are_stopped() -> None:
    """A char n-gram in more than CHAR_MAX_DF_SHARE of the messages (って) is no feature; one in fewer is."""
    from madoguchi.classifier.features import CHAR_MAX_DF_SHARE, Vectorizer
    from madoguchi.classifier.ngrams import text_to_code

    common = [f"{i}回目って言われた" for i in range(40)]
    rare = ["家賃が払えないって", "家賃が払えないって"]  # 家賃 in 2 of 42 messages: under the share
    docs = analyze_many(normalize_many(common + rare))
    assert 2 / len(docs) <= CHAR_MAX_DF_SHARE < 40 / len(docs)
    v = Vectorizer().fit(docs)
    names = set(v.feature_names())
    assert "「って」" not in names and text_to_code("って") in set(v.stop_chars.tolist())
    assert "「家賃」" in names


def test_a_narrowed_vocabulary_is_the_one_its_messages_would_make() -> None:
    """Cross-validation narrows the whole corpus's vocabulary to a fold's messages instead of reading them
    again: the vocabulary, idf and rows must be those a fit on the fold's messages gives."""
    from madoguchi.classifier.corpus import load_corpus
    from madoguchi.classifier.features import Vectorizer, kept_columns
    from madoguchi.classifier.tokenizer import PosCensus

    census = PosCensus()
    docs = analyze_many(normalize_many([e.text for e in load_corpus().examples[::25]]), census)
    stop_forms = census.function_forms()
    whole = Vectorizer()
    counts = whole.fit_occurrences(docs, stop_forms)  # training's way: each batch read once for both
    alone = Vectorizer().fit(docs, stop_forms)
    assert alone.word_vocab == whole.word_vocab and np.array_equal(alone.idf, whole.idf)
    assert (alone.occurrences(docs) != counts).nnz == 0
    rows = np.flatnonzero(np.arange(len(docs)) % 4 != 1)  # a quarter held out
    narrowed, keep = whole.narrowed(counts[rows])
    fresh = Vectorizer().fit([docs[i] for i in rows], stop_forms, whole.stop_chars)
    assert 0 < keep.sum() < whole.n_features and len(whole.stop_chars)
    assert narrowed.word_vocab == fresh.word_vocab
    assert np.array_equal(narrowed.bigram_codes, fresh.bigram_codes) and len(fresh.bigram_codes)
    assert np.array_equal(narrowed.char_codes, fresh.char_codes)
    assert np.allclose(narrowed.idf, fresh.idf, rtol=1e-6, atol=0)
    held_out = np.flatnonzero(np.arange(len(docs)) % 4 == 1)
    for part in (rows, held_out):
        # The same entries (compared sparse: dense rows of every feature took most of the test's 13 s).
        derived = narrowed.weigh(kept_columns(counts[part], keep))
        expected = fresh.transform([docs[i] for i in part])
        derived.sort_indices()
        expected.sort_indices()
        assert np.array_equal(derived.indptr, expected.indptr) and np.array_equal(derived.indices, expected.indices)
        assert np.allclose(derived.data, expected.data, rtol=1e-5, atol=1e-7)


def test_a_batch_matrix_holds_the_rows_the_webhook_scores(classifier: Classifier) -> None:
    """Training's matrices (occurrences weighed) and the scoring path's rows (every occurrence an entry)
    are two ways to the same numbers."""
    import scipy.sparse as sp

    vectorizer = classifier.vectorizer
    docs = analyze_many(normalize_many([*TEXTS, "お金がない、お金がない、お金がない"]))
    vals, row, col = vectorizer.weighted_entries(docs)
    summed = sp.coo_matrix((vals, (row, col)), shape=(len(docs), vectorizer.n_features)).tocsr()
    assert np.allclose(summed.toarray(), vectorizer.transform(docs).toarray(), rtol=1e-6, atol=1e-8)
