"""scikit-learn's own liblinear, given one copy of the rows for every head fitted on them.

`LogisticRegression(solver="liblinear").fit` copies X into liblinear's rows (one malloc per message, every
entry converted to a 16-byte node), fits, and frees them. A cross-validation fold fits 17 heads on the same
X (107,546 messages, 11.7 million entries), so it made that copy 17 times. `SharedRows` builds liblinear's
rows once (0.7 s) and calls the same compiled `train` that sklearn's `train_wrap` calls, with the
parameters `LogisticRegression` passes to it (balanced class weights, the seed it draws from
`random_state`, the intercept as a last feature of value 1): the weights are `LogisticRegression`'s to the
bit (tests/classifier/test_liblinear.py), and so is the trained model. One fold, alternately, six times
each: 13.9-17.6 s (mean 15.7) -> 13.6-15.4 s (mean 14.3) in a process set up as a training worker
(workers.init_worker, which already spared the copies' page faults), 18.6-20.8 s -> 13.8-15.4 s in one
with glibc's defaults (training in a process that cannot fork).

The structures are those of the scikit-learn build in LAYOUTS (checked against its compiled `train`,
`get_n_iter` and `free_model_content`); with any other version `SharedRows.available()` is false and the
caller fits with LogisticRegression as before.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight

# The scikit-learn versions whose liblinear structures are the ones below.
LAYOUTS = frozenset({"1.9.1"})
# liblinear's solver number for L2-regularised logistic regression solved in the dual (L2R_LR_DUAL).
_L2R_LR_DUAL = 7
# The labels of a binary head, as floats (liblinear's y).
_CLASSES = np.array([0.0, 1.0])
# LogisticRegression's epsilon (an SVR parameter liblinear's classification solvers do not read).
_EPSILON = 0.1


class _Problem(ctypes.Structure):
    _fields_ = [
        ("l", ctypes.c_int),
        ("n", ctypes.c_int),
        ("y", ctypes.c_void_p),
        ("x", ctypes.c_void_p),
        ("bias", ctypes.c_double),
        ("sample_weight", ctypes.c_void_p),
    ]


class _Parameter(ctypes.Structure):
    _fields_ = [
        ("solver_type", ctypes.c_int),
        ("eps", ctypes.c_double),
        ("C", ctypes.c_double),
        ("nr_weight", ctypes.c_int),
        ("weight_label", ctypes.c_void_p),
        ("weight", ctypes.c_void_p),
        ("max_iter", ctypes.c_int),
        ("p", ctypes.c_double),
    ]


class _Model(ctypes.Structure):
    _fields_ = [
        ("param", _Parameter),
        ("nr_class", ctypes.c_int),
        ("nr_feature", ctypes.c_int),
        ("w", ctypes.POINTER(ctypes.c_double)),
        ("label", ctypes.POINTER(ctypes.c_int)),
        ("bias", ctypes.c_double),
        ("n_iter", ctypes.POINTER(ctypes.c_int)),
    ]


class _Blas(ctypes.Structure):
    # What liblinear's primal solvers call; the dual solver never does, but train() takes them.
    _fields_ = [
        ("dot", ctypes.c_void_p),
        ("axpy", ctypes.c_void_p),
        ("scal", ctypes.c_void_p),
        ("nrm2", ctypes.c_void_p),
    ]


# liblinear's feature_node: an int index (1-based; -1 ends a row) and a double value, 16 bytes.
_NODE = np.dtype([("index", "<i4"), ("value", "<f8")], align=True)

_LIBRARY: Any = None
# liblinear draws from one random generator in its module, seeded before each fit: two fits at once in
# threads of one process would draw from each other's sequence.
_FITTING = threading.Lock()


def _library() -> Any:
    """sklearn's compiled liblinear module, its functions typed (once per process)."""
    global _LIBRARY
    if _LIBRARY is None:
        from sklearn.svm import _liblinear

        lib = ctypes.CDLL(_liblinear.__file__)
        lib.train.restype = ctypes.POINTER(_Model)
        lib.train.argtypes = [ctypes.POINTER(_Problem), ctypes.POINTER(_Parameter), ctypes.POINTER(_Blas)]
        lib.set_seed.argtypes = [ctypes.c_uint]
        lib.set_seed.restype = None
        lib.free_and_destroy_model.argtypes = [ctypes.POINTER(ctypes.POINTER(_Model))]
        lib.free_and_destroy_model.restype = None
        _liblinear.set_verbosity_wrap(0)  # liblinear prints its progress otherwise
        _LIBRARY = (lib, _blas_functions())
    return _LIBRARY


def _blas_functions() -> _Blas:
    """The BLAS functions sklearn's train_wrap hands liblinear (sklearn.utils._cython_blas, in double)."""
    from sklearn.utils import _cython_blas

    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]

    def pointer(name: str) -> int:
        capsule = _cython_blas.__pyx_capi__[f"__pyx_fuse_1_{name}"]  # fuse 1: double
        return get_pointer(capsule, get_name(capsule))

    return _Blas(pointer("dot"), pointer("axpy"), pointer("scal"), pointer("nrm2"))


def liblinear_seed(random_state: int) -> int:
    """The seed LogisticRegression(random_state=...) hands liblinear (sklearn's _fit_liblinear draws it)."""
    return int(np.random.RandomState(random_state).randint(np.iinfo("i").max))


class SharedRows:
    """The rows of one CSR matrix as liblinear reads them, built once, and binary logistic fits on them."""

    @staticmethod
    def available() -> bool:
        import sklearn

        return sklearn.__version__ in LAYOUTS

    def __init__(self, X: sp.csr_matrix) -> None:
        if not sp.issparse(X) or X.format != "csr":
            raise TypeError("SharedRows reads a CSR matrix")
        # Each row's entries by column, as LogisticRegression reads them (its input check sorts the caller's
        # matrix in place): the products then add the same terms in the same order, and the weights come out
        # the same to the bit.
        if not X.has_sorted_indices:
            X = X.sorted_indices()
        n, d = X.shape
        lengths = np.diff(X.indptr).astype(np.int64) + 2  # the intercept's node and the end marker
        ends = np.cumsum(lengths)
        nodes = np.empty(int(ends[-1]) if n else 0, dtype=_NODE)
        # Each row: its entries (liblinear counts features from 1), the intercept as feature d + 1 of value 1
        # (LogisticRegression's intercept_scaling), then index -1.
        entry = np.ones(len(nodes), dtype=bool)
        entry[ends - 1] = False
        entry[ends - 2] = False
        nodes["index"][entry] = X.indices + 1
        nodes["value"][entry] = X.data
        nodes["index"][ends - 2] = d + 1
        nodes["value"][ends - 2] = 1.0
        nodes["index"][ends - 1] = -1
        nodes["value"][ends - 1] = 0.0
        self._nodes = nodes
        starts = ends - lengths
        self._rows = (nodes.ctypes.data + _NODE.itemsize * starts).astype(np.uintp)
        self._sample_weight = np.ones(n, dtype=np.float64)
        self.shape = (n, d)

    def fit(self, y: np.ndarray, *, C: float, tol: float, max_iter: int, seed: int) -> tuple[np.ndarray, float]:
        """Weights and intercept of LogisticRegression(C, solver="liblinear", dual=True,
        class_weight="balanced", tol, max_iter).fit(X, y) for y of 0 and 1, both present."""
        lib, blas = _library()
        n, d = self.shape
        if len(y) != n:
            raise ValueError(f"{len(y)} labels for {n} rows")
        target = np.ascontiguousarray(y, dtype=np.float64)
        positives = int(np.count_nonzero(target))
        if positives in (0, n) or not np.isin(target, (0.0, 1.0)).all():
            raise ValueError("labels must be 0 and 1, both present")
        # The class weights LogisticRegression(class_weight="balanced") computes, by the same function.
        class_weight = compute_class_weight("balanced", classes=_CLASSES, y=target)
        weight_label = np.arange(2, dtype=np.intc)
        problem = _Problem(n, d + 1, target.ctypes.data, self._rows.ctypes.data, 1.0, self._sample_weight.ctypes.data)
        parameter = _Parameter(
            _L2R_LR_DUAL, tol, C, 2, weight_label.ctypes.data, class_weight.ctypes.data, max_iter, _EPSILON
        )
        with _FITTING:
            lib.set_seed(seed)
            model = lib.train(ctypes.byref(problem), ctypes.byref(parameter), ctypes.byref(blas))
        try:
            w = np.ctypeslib.as_array(model.contents.w, shape=(d + 1,)).copy()
        finally:
            lib.free_and_destroy_model(ctypes.byref(model))
        return w[:d], float(w[d])
