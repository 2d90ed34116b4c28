"""Training: cross-validated thresholds, then one model on the whole corpus, written as one artifact.

Deterministic: fixed fold split and seeds, liblinear/lbfgs solvers, sorted vocabularies; the same corpus
gives the same weights (tests/classifier/test_training.py checks it).
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import time
import warnings
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from madoguchi.classifier import artifact
from madoguchi.classifier.corpus import Example, load_corpus
from madoguchi.classifier.crisis import CrisisRules
from madoguchi.classifier.features import CHAR_NGRAMS, WORD_BIGRAMS, Analyzed, Terms, Vectorizer, doc_terms
from madoguchi.classifier.keywords import load_keywords
from madoguchi.classifier.labels import CATEGORIES, CRISIS_KINDS, INTENTS
from madoguchi.classifier.metrics import evaluate
from madoguchi.classifier.model import DecisionParams, Prepared, crisis_signal, decide, prepare
from madoguchi.classifier.tokenizer import DROPPED_POS, SPLIT_MODE

log = logging.getLogger(__name__)

SEED = 20261126
FOLDS = 5
# Inverse regularisation of the logistic heads; class weights balance the rare categories.
C = 10.0
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
# The crisis threshold sits this far below the weakest crisis the folds saw, and never above 0.5.
CRISIS_MARGIN = 0.9


@dataclass
class Heads:
    vectorizer: Vectorizer
    weights: np.ndarray  # (n_features, n_columns)
    bias: np.ndarray
    kinds: tuple[str, ...]
    intents: tuple[str, ...]


def _logistic(X: Any, y: np.ndarray) -> tuple[np.ndarray, float]:
    if y.min() == y.max():  # a label absent from this fold: a constant head
        return np.zeros(X.shape[1], dtype=np.float32), (10.0 if y[0] else -10.0)
    m = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", random_state=SEED, max_iter=200)
    m.fit(X, y)
    return m.coef_[0].astype(np.float32), float(m.intercept_[0])


def fit_heads(
    docs: list[Analyzed],
    examples: list[Example],
    intent_docs: list[Analyzed] | None = None,
    intent_ids: list[str] | None = None,
    *,
    terms: list[Terms] | None = None,
) -> Heads:
    """All heads on one vocabulary. Intents are left out when intent_docs is None (cross-validation)."""
    intent_docs = intent_docs or []
    intent_ids = intent_ids or []
    terms = terms if terms is not None else [doc_terms(d) for d in docs]
    all_terms = terms + [doc_terms(d) for d in intent_docs]
    vectorizer = Vectorizer().fit([], all_terms)
    X_all = vectorizer.transform([], all_terms)
    X = X_all[: len(docs)]
    columns_w: list[np.ndarray] = []
    columns_b: list[float] = []
    for c in CATEGORIES:
        w, b = _logistic(X, np.array([c in e.labels for e in examples], dtype=np.int8))
        columns_w.append(w)
        columns_b.append(b)
    w, b = _logistic(X, np.array([e.crisis for e in examples], dtype=np.int8))
    columns_w.append(w)
    columns_b.append(b)
    # Crisis kinds, learnt on crisis messages only (they say which lines to offer, not whether).
    crisis_rows = [i for i, e in enumerate(examples) if e.crisis]
    kinds = tuple(k for k in CRISIS_KINDS if sum(k in examples[i].crisis_kinds for i in crisis_rows) >= 3)
    Xc = X[crisis_rows]
    for k in kinds:
        w, b = _logistic(Xc, np.array([k in examples[i].crisis_kinds for i in crisis_rows], dtype=np.int8))
        columns_w.append(w)
        columns_b.append(b)
    # Intents: a softmax over "none" (every worry) and the intents with examples.
    intents: tuple[str, ...] = ()
    if intent_docs:
        intents = ("none", *[i for i in INTENTS if i in intent_ids])
        Xi = X_all
        yi = np.array([0] * len(docs) + [intents.index(i) for i in intent_ids])
        m = LogisticRegression(C=C, max_iter=300, random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(Xi, yi)
        for row, b in zip(m.coef_, m.intercept_, strict=True):
            columns_w.append(row.astype(np.float32))
            columns_b.append(float(b))
    return Heads(
        vectorizer=vectorizer,
        weights=np.ascontiguousarray(np.stack(columns_w, axis=1), dtype=np.float32),
        bias=np.asarray(columns_b, dtype=np.float32),
        kinds=kinds,
        intents=intents,
    )


def head_probs(heads: Heads, docs: list[Any]) -> np.ndarray:
    z = np.asarray(heads.vectorizer.transform(docs) @ heads.weights) + heads.bias
    n_sig = len(CATEGORIES) + 1 + len(heads.kinds)
    p = 1.0 / (1.0 + np.exp(-z[:, :n_sig]))
    zi = z[:, n_sig:]
    if zi.shape[1]:
        e = np.exp(zi - zi.max(axis=1, keepdims=True))
        zi = e / e.sum(axis=1, keepdims=True)
    return np.concatenate([p, zi], axis=1)


def tune_thresholds(probs: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per category, the threshold with the best F1 on held-out scores."""
    out = np.full(len(CATEGORIES), 0.5, dtype=np.float32)
    for j in range(len(CATEGORIES)):
        best = (-1.0, 0.5)
        y = Y[:, j].astype(bool)
        for t in THRESHOLD_GRID:
            pred = probs[:, j] >= t
            tp = int((pred & y).sum())
            f1 = 2 * tp / max(1, int(pred.sum()) + int(y.sum()))
            if f1 > best[0] + 1e-9:
                best = (f1, float(t))
        out[j] = best[1]
    return out


def tune_crisis_threshold(signals: np.ndarray, crisis: np.ndarray, caught_by_rules: np.ndarray) -> float:
    """Low enough that every crisis in the held-out folds is flagged (the rules catch some on their own)."""
    needed = signals[crisis & ~caught_by_rules]
    if not len(needed):
        return 0.5
    return float(min(0.5, needed.min() * CRISIS_MARGIN))


def _library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("SudachiPy", "sudachidict-core", "scikit-learn", "numpy", "scipy"):
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def cross_validate(prepared: list[Prepared], examples: list[Example]) -> dict:
    """Out-of-fold head probabilities and, from them, honest held-out figures.

    Thresholds for fold k are tuned on the other folds' held-out scores (cross-fitting), so the reported
    figures never use a threshold fitted on the messages they are measured on.
    """
    n = len(examples)
    Y = np.array([[c in e.labels for c in CATEGORIES] for e in examples], dtype=np.int8)
    crisis = np.array([e.crisis for e in examples])
    caught = np.array([bool(p.hits) for p in prepared])
    terms = [doc_terms(p.doc) for p in prepared]
    folds = list(KFold(FOLDS, shuffle=True, random_state=SEED).split(np.arange(n)))
    probs: np.ndarray | None = None
    crisis_probs: np.ndarray | None = None
    fold_of = np.zeros(n, dtype=int)
    for k, (train, test) in enumerate(folds):
        heads = fit_heads(
            [prepared[i].doc for i in train], [examples[i] for i in train], terms=[terms[i] for i in train]
        )
        p = head_probs(heads, [prepared[i].doc for i in test])
        pc = head_probs(heads, [prepared[i].crisis_doc or prepared[i].doc for i in test])
        if probs is None:
            probs = np.zeros((n, p.shape[1]), dtype=np.float32)
            crisis_probs = np.zeros((n, p.shape[1]), dtype=np.float32)
        width = min(p.shape[1], probs.shape[1])  # kinds/intents may differ by fold only if data is tiny
        probs[test, :width] = p[:, :width]
        crisis_probs[test, :width] = pc[:, :width]
        fold_of[test] = k
    assert probs is not None and crisis_probs is not None
    n_cat = len(CATEGORIES)
    cat_probs = probs[:, :n_cat].copy()
    for c in ("suicide_risk", "abuse_violence"):
        j = CATEGORIES.index(c)
        cat_probs[:, j] = crisis_probs[:, j]
    signals = np.array([crisis_signal(crisis_probs[i]) for i in range(n)])

    # Held-out figures with cross-fitted thresholds.
    predictions = [None] * n
    for k in range(FOLDS):
        inside = fold_of == k
        th = tune_thresholds(cat_probs[~inside], Y[~inside])
        ct = tune_crisis_threshold(signals[~inside], crisis[~inside], caught[~inside])
        params = DecisionParams(th, ct, (), ())
        for i in np.flatnonzero(inside):
            predictions[i] = decide(probs[i, : n_cat + 1], crisis_probs[i, : n_cat + 1], prepared[i], params)
    held_out = evaluate(examples, predictions)  # type: ignore[arg-type]
    return {
        "thresholds": tune_thresholds(cat_probs, Y),
        "crisis_threshold": tune_crisis_threshold(signals, crisis, caught),
        "held_out": held_out,
    }


def train(
    *, data_dir: Path | None = None, out: Path, extra_examples: list[Example] | None = None
) -> dict[str, Any]:
    """Train on the corpus (plus any extra examples) and write the artifact to `out`; returns its metadata."""
    started = time.perf_counter()
    corpus = load_corpus(data_dir)
    examples = corpus.examples + list(extra_examples or [])
    rules = CrisisRules.from_file()
    keywords = load_keywords()
    prepared = [prepare(e.text, rules) for e in examples]
    cv = cross_validate(prepared, examples)
    intent_docs = [prepare(i.text, rules).doc for i in corpus.intents]
    heads = fit_heads([p.doc for p in prepared], examples, intent_docs, [i.intent for i in corpus.intents])
    columns = [*CATEGORIES, "crisis", *(f"kind:{k}" for k in heads.kinds), *(f"intent:{i}" for i in heads.intents)]
    trained_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    metadata = {
        "version": trained_at.strftime("%Y%m%d%H%M%S") + "-" + corpus.digest[:8],
        "trained_at": trained_at.isoformat(),
        "training_data_sha256": corpus.digest,
        "extra_examples": len(extra_examples or []),
        "n_examples": len(examples),
        "n_intent_examples": len(corpus.intents),
        "skipped_lines": corpus.skipped,
        "libraries": _library_versions(),
        "config": {
            "split_mode": SPLIT_MODE,
            "dropped_pos": sorted(DROPPED_POS),
            "char_ngrams": list(CHAR_NGRAMS),
            "word_bigrams": WORD_BIGRAMS,
            "C": C,
            "folds": FOLDS,
            "seed": SEED,
            "n_features": heads.vectorizer.n_features,
        },
        "thresholds": {c: float(t) for c, t in zip(CATEGORIES, cv["thresholds"], strict=True)},
        "crisis_threshold": cv["crisis_threshold"],
        "evaluation": {"held_out_folds": cv["held_out"]},
    }
    payload = {
        "vectorizer": heads.vectorizer.state(),
        "weights": heads.weights,
        "bias": heads.bias,
        "columns": columns,
        "thresholds": [float(t) for t in cv["thresholds"]],
        "crisis_threshold": cv["crisis_threshold"],
        "kinds": list(heads.kinds),
        "intents": list(heads.intents),
        "crisis_expressions": rules.spec,
        "keywords": keywords,
    }
    metadata["training_seconds"] = round(time.perf_counter() - started, 1)
    artifact.write(out, metadata, payload)
    return metadata
