"""SharedRows fits what LogisticRegression(solver="liblinear") fits, from one copy of the rows."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from madoguchi.classifier.liblinear import LAYOUTS, SharedRows, liblinear_seed

SEED = 20261126


def _matrix(seed: int, n: int = 600, d: int = 300) -> sp.csr_matrix:
    """A float32 CSR matrix like the heads' X: rare and common columns, a few empty rows, and each row's
    entries out of column order (as training's by_frequency renumbering leaves them)."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((n, d)) < np.linspace(0.002, 0.3, d)) * rng.random((n, d))
    dense[rng.choice(n, 5, replace=False)] = 0.0
    X = sp.csr_matrix(dense.astype(np.float32))
    for i in range(n):  # reverse each row's entries
        a, b = X.indptr[i], X.indptr[i + 1]
        X.indices[a:b], X.data[a:b] = X.indices[a:b][::-1].copy(), X.data[a:b][::-1].copy()
    X.has_sorted_indices = False
    return X


def _sklearn(X: sp.csr_matrix, y: np.ndarray, max_iter: int) -> tuple[np.ndarray, float]:
    m = LogisticRegression(
        C=10.0, solver="liblinear", dual=True, class_weight="balanced", random_state=SEED, max_iter=max_iter, tol=0.3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X.copy(), y)  # a copy: LogisticRegression sorts its input's indices in place
    return m.coef_[0], float(m.intercept_[0])


def test_the_locked_scikit_learn_has_the_layout_the_binding_was_checked_against() -> None:
    """Training fits on shared rows only with a scikit-learn whose liblinear structures were checked: a new
    version in requirements.lock must be checked too (and added to LAYOUTS), or training falls back to the
    slower LogisticRegression."""
    assert sklearn.__version__ in LAYOUTS
    assert SharedRows.available()


@pytest.mark.parametrize("max_iter", [1, 4, 50])
def test_weights_are_logistic_regressions_to_the_bit(max_iter: int) -> None:
    X = _matrix(1)
    rows = SharedRows(X)
    dense = X.toarray()
    rng = np.random.default_rng(2)
    labels = {
        "common": (dense[:, -1] + dense[:, -7] > 0.3).astype(np.int8),
        "rare": (dense[:, 10] + dense[:, -3] > 0.55).astype(np.int8),
        "noisy": ((dense[:, -2] > 0.1) ^ (rng.random(len(dense)) < 0.2)).astype(np.int8),
    }
    labels["first row positive"] = labels["common"].copy()
    labels["first row positive"][0] = 1
    labels["first row negative"] = labels["common"].copy()
    labels["first row negative"][0] = 0
    for name, y in labels.items():
        assert 0 < y.sum() < len(y), name
        weights, bias = rows.fit(y, C=10.0, tol=0.3, max_iter=max_iter, seed=liblinear_seed(SEED))
        expected, expected_bias = _sklearn(X, y, max_iter)
        assert np.array_equal(weights, expected), (name, np.abs(weights - expected).max())
        assert bias == expected_bias, name
    assert not X.has_sorted_indices  # the caller's matrix is left as it was


def test_every_fit_on_the_same_rows_is_independent_of_the_ones_before() -> None:
    """The rows are only read: a head fitted after others is the head fitted first."""
    X = _matrix(5)
    y1 = (X.toarray()[:, -1] > 0.2).astype(np.int8)
    y2 = (X.toarray()[:, -4] > 0.1).astype(np.int8)
    first = SharedRows(X).fit(y2, C=10.0, tol=0.3, max_iter=4, seed=7)
    rows = SharedRows(X)
    rows.fit(y1, C=10.0, tol=0.3, max_iter=4, seed=7)
    again = rows.fit(y2, C=10.0, tol=0.3, max_iter=4, seed=7)
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]


def test_labels_it_cannot_fit_are_refused() -> None:
    rows = SharedRows(_matrix(3, n=50, d=20))
    with pytest.raises(ValueError, match="both present"):
        rows.fit(np.zeros(50, dtype=np.int8), C=1.0, tol=0.1, max_iter=2, seed=1)
    with pytest.raises(ValueError, match="both present"):
        rows.fit(np.full(50, 2), C=1.0, tol=0.1, max_iter=2, seed=1)
    with pytest.raises(ValueError, match="49 labels for 50 rows"):
        rows.fit(np.ones(49), C=1.0, tol=0.1, max_iter=2, seed=1)
    with pytest.raises(TypeError, match="CSR"):
        SharedRows(_matrix(3, n=50, d=20).tocsc())


def test_training_fits_its_heads_on_shared_rows_as_logistic_regression_would() -> None:
    """HeadJobs.fit_binary (shared rows, cached per X) gives the head training._logistic gives without them."""
    from madoguchi.classifier import training

    X = _matrix(9)
    y = (X.toarray()[:, -1] + X.toarray()[:, 3] > 0.25).astype(np.int8)
    assert np.array_equal(training._logistic(X, y, 3, SharedRows(X))[0], training._logistic(X.copy(), y, 3)[0])


def test_fits_in_threads_are_the_fits_made_one_after_another() -> None:
    """liblinear's random generator is one per process: fits started from several threads at once must each
    get the sequence their own seed gives (SharedRows fits one at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    X = _matrix(11, n=3000, d=400)
    dense = X.toarray()
    targets = [(dense[:, -1 - k] + dense[:, 5 + k] > 0.2).astype(np.int8) for k in range(6)]
    rows = SharedRows(X)

    def fit(k: int) -> tuple[np.ndarray, float]:
        return rows.fit(targets[k], C=10.0, tol=0.01, max_iter=8, seed=100 + k)

    alone = [fit(k) for k in range(6)]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(fit, range(6)))
    for (w, b), (w2, b2) in zip(alone, together, strict=True):
        assert np.array_equal(w, w2) and b == b2
