"""Training: cross-validated thresholds, then one model (its crisis heads fitted on the whole corpus, the other
categories' heads the folds' averaged), written as one artifact.

Deterministic: fixed fold split and seeds, liblinear/lbfgs solvers, sorted vocabularies; the same corpus
gives the same weights (tests/classifier/test_training.py checks it).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import platform
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from madoguchi.classifier import artifact
from madoguchi.classifier.corpus import Example, load_corpus
from madoguchi.classifier.crisis import EXPRESSIONS_FILE, CrisisRules
from madoguchi.classifier.features import (
    CHAR_MAX_DF_SHARE,
    CHAR_NGRAMS,
    WORD_BIGRAMS,
    Analyzed,
    CharChannel,
    Vectorizer,
    char_channel,
    kept_columns,
)
from madoguchi.classifier.intents import INTENT_EXPRESSIONS_FILE, IntentRules
from madoguchi.classifier.keywords import KEYWORDS_FILE, KeywordMatcher, load_keywords
from madoguchi.classifier.labels import CATEGORIES, CRISIS_CATEGORIES, CRISIS_KINDS, INTENTS
from madoguchi.classifier.liblinear import SharedRows, liblinear_seed
from madoguchi.classifier.metrics import evaluate, label_matrix
from madoguchi.classifier.model import (
    _CRISIS_COLUMNS,
    INTENT_MAX_CHARS,
    KIND_START,
    SIGNAL_HEADS,
    DecisionParams,
    Prepared,
    counted_hits,
    crisis_signals,
    decide_many,
    prepare_many,
    rule_texts,
)
from madoguchi.classifier.tokenizer import DROPPED_POS, SPLIT_MODE, PosCensus, get_tokenizer
from madoguchi.classifier.workers import can_fork, fork_imap, fork_one

log = logging.getLogger(__name__)

SEED = 20261126
FOLDS = 5
# Cross-validation holds out whole writers: the corpus files are dealt into this many groups, and each
# group is held out once. One file per fold (leave-one-writer-out) cost one fit per file, which grew past
# the one-minute training budget as writers were added; groups of writers cost one fit each and still
# measure worries phrased by writers the model has not read. Four, not five, since 33,595 worries: five
# took 52.8-58.4 s on a slow hour on this machine, four 46.2 s back to back with the 52.8 s. Each fold then
# trains on three quarters of the writers instead of four fifths, so the held-out figures are a little
# lower (0.797 -> 0.794 macro-F1, 0.926 -> 0.924 crisis recall at 33,595 worries); the final model reads
# every writer either way.
GROUPS = 4
# The final model's heads of the twelve categories that are not crises are the folds' heads averaged
# (averaged_heads), not fitted again on every message: each fold's model has read three quarters of the
# writers, and their mean has read them all. Measured with a quarter of the writers (34,211 and 34,185
# worries) held out from training altogether, every head averaged against every head fitted on all: macro-F1
# 0.8068 / 0.8067 and 0.8131 / 0.8133, but crises missed 196 / 223 and 230 / 260 at a lower false alarm, and
# still more at the same false alarm (201 / 219 at 9.5 %): the mean is less sure of a crisis than a fit on
# every message. So the crisis heads (the crisis categories, the signal heads, the crisis kinds) are fitted
# on every message, and only the categories that decide which resources a message gets are averaged. With
# the third quarter held out that way: macro-F1 0.8131 -> 0.8138, the same crises caught and false alarms
# (230 missed, 8.41 %). It spares 12 of training's 91 fits, the biggest ones (a sixth of the fitting).
AVERAGED = tuple(j for j, c in enumerate(CATEGORIES) if c not in CRISIS_CATEGORIES)
# A file is a crisis writer's when this share of it is crisis: those are dealt first, one per group, so that
# every fold trains on crises written by someone else.
CRISIS_WRITER_SHARE = 0.3
# Inverse regularisation of the logistic heads; class weights balance the rare categories.
C = 10.0
# The seed LogisticRegression(random_state=SEED) hands liblinear, for the fits on shared rows.
_LIBLINEAR_SEED = liblinear_seed(SEED)
# liblinear solves the dual problem (coordinate descent): with far more features than messages it reaches
# the same optimum about ten times faster than the primal Newton solver, which is what lets training run
# its fits (four grouped folds and the final model) within the minute.
DUAL = True
# liblinear's stopping tolerance. Measured at 33,595 worries, 1e-3 -> 1e-2: training 61.8 s -> 46.5 s (one
# head 1.15 s -> 0.75 s), held-out figures the same to the fourth decimal (macro-F1 0.7937, crisis recall
# 0.9238, false alarm 0.0972). At 36,595, 1e-2 -> 5e-2: one head 0.78 s -> 0.60 s, training 41.7 s -> 39.7 s
# on a noisy machine, the same figures (false alarm 0.0910 -> 0.0909). At 39,595, 5e-2 -> 1e-1: training
# 40.4-40.6 s -> 37.7-37.9 s alternately, the same figures to the fourth decimal (0.7964 / 0.9200 /
# 0.0918); a head's probabilities differ from a fit at 1e-4 by at most 0.006 (mean 6e-5), a quarter of
# the threshold grid's step. At 42,601 worries (a slower machine), 1e-1 -> 3e-1: training 54.4 / 51.7 s ->
# 48.0 / 46.7 s alternately, held-out figures the same to the fourth decimal (macro-F1 0.7997 -> 0.7997,
# crisis recall 0.9247 -> 0.9246, false alarm 0.0912 -> 0.0911); a head's probabilities differ from a fit
# at 1e-4 by at most 0.023 (mean 3e-4), under the threshold grid's step; 12-14 passes instead of 14-19.
TOL = 0.3
# Passes of liblinear's dual solver per head. Past 0.3 a looser tolerance no longer stops it sooner (9-16
# passes at 1.0, 3.0 and 10.0 alike), and the passes are most of training. Measured at 54,607 worries on a
# machine half as fast as the one TOL was measured on (training 79-86 s): grouped held-out figures with
# at most 5 / 6 / 8 passes / until TOL (13-17): crisis missed 694 / 684 / 688 / 686, macro-F1 0.8022 /
# 0.8029 / 0.8025 / 0.8024, false alarm 0.0949-0.0951 throughout; out-of-fold time 30 / 35 / 40 / 46 s.
# Stopping early acts as regularisation here: held out, six passes do as well as a fit to TOL. On its
# training rows the crisis head's probabilities at 6 passes are within 0.03 of a fit at 1e-4 for 99 % of
# messages (0.34 at most; 0.015 and 0.2 at 8 passes). At 93,007 worries, on a machine where training took
# 64-66 s, 6 -> 5: missed 634 -> 637, macro-F1 0.8100 -> 0.8098, false alarm 9.53 % both; one head's fit in
# a training worker 0.91-1.13 -> 0.79-0.81 s, alternately (a pass costs 0.12 s, the fit's copy of its rows
# and setup 0.2 s). Five keeps training within its minute on such a machine. At 113,707 worries, on a
# machine where training took 61-65 s (a fit 0.87 s in a worker, of which 0.3 s is its fixed setup and a
# pass 0.14 s), 5 -> 4: missed 757 -> 753, macro-F1 0.8075 -> 0.8078, false alarm 9.60 -> 9.56 %; three
# passes lost (781 missed, 0.8057). Four.
MAX_PASSES = 4
# Passes for the heads of AVERAGED (fitted only in the folds, then averaged): each fold's mean with three
# others smooths what a fourth pass would refine. Measured at 141,607 worries on a machine where training
# took 79-84 s (a plain Python loop 1.2-1.8 s), grouped folds: 4 / 3 / 2 passes for these twelve heads (the
# crisis heads at 4): macro-F1 0.8092 / 0.8090 / 0.8051, crises missed 801 and false alarm 9.59 % for all
# three (those heads do not decide a crisis); cross-validation 53.4 s -> 45.7 s. The crisis heads at 5 or 6
# passes beside three here: 799 / 805 missed at 9.55 / 9.53 %, macro-F1 0.8093: no better, and slower.
AVERAGED_PASSES = 3
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
# F1 a threshold must gain per unit it moves away from 0.5 (see tune_thresholds).
THRESHOLD_PULL = 0.1
# Share of non-crisis messages the crisis detector may flag on held-out folds, counting every way a message
# is flagged (curated rules, the crisis categories' labels, the signal). The target is <= 10 %. Until
# 50,107 worries the budget was 8 % counting only the rules, and the threshold sat at its 0.5 cap with
# 8.85 % flagged in all: look-alike writers had brought false alarms down, and the cap left the room
# unspent. At 9.5 % the threshold goes below 0.5 as far as that room allows (measured there, fixed
# thresholds: 0.5 -> 0.9244 recall at 8.85 %, 0.475 -> 0.9297 at 9.26 %, 0.45 -> 0.9339 at 9.68 %,
# 0.425 -> 0.9386 at 10.12 %): a false alarm is cheap, a miss is not. Never below the floor.
CRISIS_FALSE_ALARM_BUDGET = 0.095
CRISIS_FLOOR = 0.05
# Weight of each intent line against a worry in the intent softmax. Twenty thousand worries against a few
# hundred intent lines made the softmax answer "none" to half of the intent phrasings held out from it.
# Measured at 521 intent lines (5-fold over intent lines; two writer groups of short worries held out):
# weight 1, 41 % of held-out intents recognised; 4, 51 %; 10, 56 % (and a farewell read as thanks). With 779
# lines, weight 4 at model.INTENT_MIN_PROBABILITY 0.65 recognises as many as weight 1 at 0.4 and is surer.
INTENT_WEIGHT = 4.0
# A worry's feature takes part in the intent softmax when this many short worries have it (see fit_intents).
INTENT_FEATURE_MIN_DF = 10


# What each of model.SIGNAL_HEADS learns: every crisis, the crises of other danger alone, and those of
# sexual violence alone. Keyed by the head, so that the fits follow the model's column order whatever it is.
SIGNAL_TARGETS: dict[str, Callable[[Example], bool]] = {
    "crisis": lambda e: e.crisis,
    "danger": lambda e: "other_danger" in e.crisis_kinds,
    "sexual": lambda e: "sexual_violence" in e.crisis_kinds,
}


@dataclass
class Heads:
    vectorizer: Vectorizer
    weights: np.ndarray  # (n_features, n_columns)
    bias: np.ndarray
    kinds: tuple[str, ...]
    intents: tuple[str, ...]


def _logistic(
    X: Any, y: np.ndarray, passes: int = MAX_PASSES, rows: SharedRows | None = None
) -> tuple[np.ndarray, float]:
    """One binary head: LogisticRegression's liblinear fit, on `rows` (X as liblinear reads it, shared by the
    heads fitted on X) when given."""
    if y.min() == y.max():  # a label absent from this fold: a constant head
        return np.zeros(X.shape[1], dtype=np.float32), (10.0 if y[0] else -10.0)
    if rows is not None:
        weights, bias = rows.fit(y, C=C, tol=TOL, max_iter=passes, seed=_LIBLINEAR_SEED)
        return weights.astype(np.float32), bias
    m = LogisticRegression(
        C=C, solver="liblinear", dual=DUAL, class_weight="balanced", random_state=SEED, max_iter=passes, tol=TOL
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopping after `passes` is the plan
        m.fit(X, y)
    return m.coef_[0].astype(np.float32), float(m.intercept_[0])


@dataclass
class HeadJobs:
    """Everything one model's fits need, prepared before they run (so that they can run in forked workers)."""

    vectorizer: Vectorizer
    binary: list[tuple[Any, np.ndarray]]  # (X, y) per binary head (categories, crisis, crisis kinds), X's
    # columns renumbered by_frequency
    kinds: tuple[str, ...]
    intents: tuple[str, ...]  # "none" first; empty when there is no intent softmax
    intent_data: tuple[Any, np.ndarray] | None
    fit_position: np.ndarray  # each vectorizer column's number in the binary heads' X
    # liblinear's rows of each X of `binary`, built by the first head fitted on it in this process (a fold's
    # 17 heads share one X; the final model's, two).
    _rows: dict[int, SharedRows] = field(default_factory=dict, repr=False)

    def fit_binary(self, j: int) -> tuple[np.ndarray, float]:
        X, y = self.binary[j]
        rows = None
        if SharedRows.available():
            if id(X) not in self._rows:
                self._rows[id(X)] = SharedRows(X)
            rows = self._rows[id(X)]
        weights, bias = _logistic(X, y, AVERAGED_PASSES if j in AVERAGED else MAX_PASSES, rows)
        return weights[self.fit_position], bias

    def fit_intents(self) -> list[tuple[np.ndarray, float]]:
        if self.intent_data is None:
            return []
        X, y = self.intent_data
        # Fitted on the features of the intent lines and those common among the short worries: L-BFGS's own
        # work grows with the number of weights, and a feature none of these rows has would stay at zero
        # anyway. Measured at 54,607 worries (5-fold over the 1,062 intent lines and 22,733 short worries):
        # every feature of a short message (175,590), 8.8 s a fit, 629 intents recognised, 11 worries read
        # as intents; intent-line features and those in >= 10 short worries (23,846), 1.4 s, 627 and 8.
        # In >= 2 short worries, without the intent lines' own: 5.1 s, 654 recognised but 14 worries.
        df = np.bincount(X.indices, minlength=X.shape[1])
        used = np.union1d(np.flatnonzero(df >= INTENT_FEATURE_MIN_DF), np.unique(X[y > 0].indices))
        weights = {0: 1.0, **{k: INTENT_WEIGHT for k in range(1, len(self.intents))}}
        m = LogisticRegression(C=C, max_iter=300, random_state=SEED, class_weight=weights)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(X[:, used], y)
        coef = np.zeros((m.coef_.shape[0], X.shape[1]), dtype=np.float32)
        coef[:, used] = m.coef_
        return [(row, float(b)) for row, b in zip(coef, m.intercept_, strict=True)]

    def fit(self) -> Heads:
        """Every head, one after another in this process (a cross-validation fold)."""
        return self.assemble([self.fit_binary(j) for j in range(len(self.binary))], self.fit_intents())

    def assemble(self, binary: list[tuple[np.ndarray, float]], intents: list[tuple[np.ndarray, float]]) -> Heads:
        columns = binary + intents
        return Heads(
            vectorizer=self.vectorizer,
            weights=np.ascontiguousarray(np.stack([w for w, _ in columns], axis=1), dtype=np.float32),
            bias=np.asarray([b for _, b in columns], dtype=np.float32),
            kinds=self.kinds,
            intents=self.intents,
        )


@dataclass
class Vocabulary:
    """The vocabulary of the worries and the intent lines, and their occurrence rows in it (worries first):
    the final model's, and every fold's by narrowing it to the fold's rows (Vectorizer.narrowed)."""

    vectorizer: Vectorizer
    counts: sp.csr_matrix
    short: np.ndarray  # which rows are at most INTENT_MAX_CHARS long (what the intent softmax learns from)

    @classmethod
    def read(cls, docs: list[Analyzed], stop_forms: frozenset[str] = frozenset()) -> Vocabulary:
        global _VOCABULARY_DOCS
        vectorizer = Vectorizer()
        if len(docs) < PARALLEL_PREPARE_MIN or not can_fork(2):
            counts = vectorizer.fit_occurrences(docs, stop_forms)
        else:
            # The char channel in a forked worker while this process reads the words (2.0 and 2.3 s of
            # one process's 5 s at 113,707 worries); what the worker sends back is three arrays.
            _VOCABULARY_DOCS = docs
            try:
                with fork_one() as pool:
                    theirs = pool.apply_async(_char_channel, (vectorizer.min_df,))
                    words = vectorizer.fit_words(docs, stop_forms)
                    counts = vectorizer.joined(words, theirs.get())
            finally:
                _VOCABULARY_DOCS = None
        short = np.array([len(d.text) <= INTENT_MAX_CHARS for d in docs], dtype=bool)
        return cls(vectorizer, counts, short)


def _char_channel(min_df: int) -> CharChannel:
    assert _VOCABULARY_DOCS is not None
    return char_channel(_VOCABULARY_DOCS, min_df)


def head_jobs(
    vectorizer: Vectorizer,
    counts: sp.csr_matrix,
    examples: list[Example],
    intent_ids: list[str] | None = None,
    *,
    short: np.ndarray | None = None,
    kind_heads: bool = True,
) -> HeadJobs:
    """All heads on one vocabulary, from the occurrence rows of the worries (`examples`, in order) followed by
    the intent lines; the intent softmax only with `intent_ids` and `short`, and it and the crisis kinds are
    left out in cross-validation (not evaluated)."""
    X_all = vectorizer.weigh(counts)
    n_docs = len(examples)
    # Binary heads: categories and crisis learn from the worries and, as negatives, from the intent lines
    # (ありがとう alone is not a goodbye note); crisis kinds learn from crisis messages only (they say
    # which lines to offer, not whether). Never two fits in threads of one process: liblinear's dual
    # solver draws from the C library's global random state (forked workers each have their own).
    # The targets from one label matrix (the worries' rows, then the intent lines', all False): one pass over
    # the examples instead of one per head (a fifth of a fold's work outside its fits).
    targets = np.zeros((X_all.shape[0], len(CATEGORIES) + len(SIGNAL_HEADS)), dtype=np.int8)
    targets[:n_docs, : len(CATEGORIES)] = label_matrix(examples)
    for j, head in enumerate(SIGNAL_HEADS, len(CATEGORIES)):  # in the model's column order
        targets[:n_docs, j] = [SIGNAL_TARGETS[head](e) for e in examples]
    X_fit, fit_position = by_frequency(X_all)
    binary: list[tuple[Any, np.ndarray]] = [(X_fit, np.ascontiguousarray(y)) for y in targets.T]
    kinds: tuple[str, ...] = ()
    if kind_heads:
        crisis_rows = [i for i, e in enumerate(examples) if e.crisis]
        kinds = tuple(k for k in CRISIS_KINDS if sum(k in examples[i].crisis_kinds for i in crisis_rows) >= 3)
        Xc = X_fit[crisis_rows]  # crisis rows are worries' rows, all before the intent lines'
        for k in kinds:
            binary.append((Xc, np.array([k in examples[i].crisis_kinds for i in crisis_rows], dtype=np.int8)))
    # Intents: a softmax over "none" and the intents with examples. It decides only messages of at most
    # INTENT_MAX_CHARS (a longer one is a worry even when it also asks for something), so "none" is learnt
    # from the worries that short: half the rows, and its fit took 7.3 s instead of 8.8 s. Measured with
    # intent lines and writers held out (32,695 worries, 1,062 intent lines): 665 intents recognised instead
    # of 649, and 18 of 15,209 short worries read as intents instead of 15.
    intents: tuple[str, ...] = ()
    intent_data = None
    if intent_ids and short is not None:
        intents = ("none", *[i for i in INTENTS if i in intent_ids])
        rows = short.copy()
        rows[n_docs:] = True
        labels = np.array([0] * n_docs + [intents.index(i) for i in intent_ids])
        intent_data = (X_all[rows], labels[rows])
    return HeadJobs(vectorizer, binary, kinds, intents, intent_data, fit_position)


def by_frequency(X: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """X with its columns renumbered from the feature in most rows to the feature in fewest, and each column's
    new number. liblinear's passes read and update the weight of each entry of a row, one row after another:
    with the frequent features' weights side by side, most of those reads hit the cache. Measured on one
    head at 136,807 worries, five fits each, alternately: 0.95-1.11 s -> 0.78-0.87 s. The entries keep their
    order within each row, so each product adds the same terms in the same order (the weights agree with a
    fit on the columns as they were to 2e-14)."""
    df = np.bincount(X.indices, minlength=X.shape[1])
    position = np.empty(X.shape[1], dtype=X.indices.dtype)
    position[np.argsort(-df, kind="stable")] = np.arange(X.shape[1], dtype=X.indices.dtype)
    return sp.csr_matrix((X.data, position[X.indices], X.indptr), shape=X.shape), position


def head_probs(heads: Heads, X: Any) -> np.ndarray:
    """Every head's probability for the rows of X (in the heads' vectorizer's columns)."""
    z = np.asarray(X @ heads.weights) + heads.bias
    n_sig = KIND_START + len(heads.kinds)
    p = 1.0 / (1.0 + np.exp(-z[:, :n_sig]))
    zi = z[:, n_sig:]
    if zi.shape[1]:
        e = np.exp(zi - zi.max(axis=1, keepdims=True))
        zi = e / e.sum(axis=1, keepdims=True)
    return np.concatenate([p, zi], axis=1)


def tune_thresholds(probs: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per category, the threshold with the best held-out F1, less THRESHOLD_PULL per unit away from 0.5.

    The heads are trained with balanced class weights, so 0.5 is already near each one's best; the F1 curve
    is flat around it, and its exact peak on four groups of writers did not carry over to the fifth: with
    plain argmax thresholds, cross-fitted macro-F1 on grouped folds was 0.789, with 0.5 everywhere 0.791.
    A threshold now moves from 0.5 only as far as held-out F1 pays for it."""
    out = np.full(len(CATEGORIES), 0.5, dtype=np.float32)
    for j in range(len(CATEGORIES)):
        best = (-1.0, 0.5)
        y = Y[:, j].astype(bool)
        # How many messages, and how many of the category's, score at least each threshold: one sort instead
        # of a pass over the messages per threshold (a third of the held-out figures' time).
        flagged = _at_least(probs[:, j], THRESHOLD_GRID).tolist()
        true_flagged = _at_least(probs[y, j], THRESHOLD_GRID).tolist()
        n_true = int(y.sum())
        for t, n_pred, tp in zip(THRESHOLD_GRID.tolist(), flagged, true_flagged, strict=True):
            f1 = 2 * tp / max(1, n_pred + n_true) - THRESHOLD_PULL * abs(t - 0.5)
            if f1 > best[0] + 1e-9:
                best = (f1, t)
        out[j] = best[1]
    return out


def _at_least(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many of the scores are >= each threshold (compared as float64, as numpy compares them)."""
    ordered = np.sort(scores.astype(np.float64))
    return len(ordered) - np.searchsorted(ordered, thresholds, side="left")


def flagged_without_signal(category_probs: np.ndarray, thresholds: np.ndarray, caught: np.ndarray) -> np.ndarray:
    """Messages flagged whatever the crisis threshold: a curated expression counted (`caught`), or a crisis
    category passed its own threshold (decide_many's other two ways to a crisis)."""
    return caught | (category_probs[:, _CRISIS_COLUMNS] >= thresholds[_CRISIS_COLUMNS]).any(axis=1)


def tune_crisis_threshold(signals: np.ndarray, crisis: np.ndarray, flagged_otherwise: np.ndarray) -> float:
    """The lowest threshold whose false-alarm rate on held-out non-crises stays within the budget.

    A false alarm is cheap and a miss is not, so the whole false-alarm budget is spent on recall: the
    threshold goes as low as the budget allows (the false alarms of the rules and crisis categories count
    against it), and never above 0.5 (unsure means crisis). Tuned on grouped held-out scores, so it
    reflects worries phrased by a writer the model has not seen.
    """
    negatives = ~crisis
    if not negatives.any():
        return CRISIS_FLOOR
    allowed = int(np.floor(CRISIS_FALSE_ALARM_BUDGET * negatives.sum())) - int((negatives & flagged_otherwise).sum())
    free = np.sort(signals[negatives & ~flagged_otherwise])[::-1]  # the non-crises only the signal flags
    if allowed <= 0:
        return 0.5
    if allowed >= len(free):
        return CRISIS_FLOOR
    # Just above the (allowed+1)-th highest non-crisis signal: at most `allowed` of them reach it.
    return float(min(0.5, max(CRISIS_FLOOR, np.nextafter(free[allowed], np.float32(1)))))


def _library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("SudachiPy", "sudachidict-core", "scikit-learn", "numpy", "scipy"):
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def random_folds(n: int) -> list[tuple[str, np.ndarray]]:
    """Shuffled k-fold test sets (fixed seed)."""
    splits = KFold(FOLDS, shuffle=True, random_state=SEED).split(np.arange(n))
    return [(f"fold{k + 1}", test) for k, (_, test) in enumerate(splits)]


def grouped_folds(examples: list[Example]) -> list[tuple[str, np.ndarray]]:
    """Writer-grouped test sets: each corpus file was written by a different writer with different habits, so
    a group of files held out stands for worries phrased in ways the model has not seen. Random folds put one
    writer's near-paraphrases on both sides and flatter the model; these are the figures tuning follows.

    Files are dealt into GROUPS groups, deterministically: crisis writers first (the group with the fewest
    crises takes the next), then the others by size (the smallest group takes the next)."""
    sizes = Counter(e.source for e in examples)
    if len(sizes) < 2:
        return random_folds(len(examples))
    crises = Counter(e.source for e in examples if e.crisis)
    k = min(GROUPS, len(sizes))
    groups: list[list[str]] = [[] for _ in range(k)]
    size_load, crisis_load = [0] * k, [0] * k
    crisis_writers = sorted((s for s in sizes if crises[s] >= CRISIS_WRITER_SHARE * sizes[s]),
                            key=lambda s: (-crises[s], s))
    others = sorted((s for s in sizes if s not in crisis_writers), key=lambda s: (-sizes[s], s))
    for source in crisis_writers:
        g = min(range(k), key=lambda j: (crisis_load[j], size_load[j], j))
        groups[g].append(source)
        size_load[g] += sizes[source]
        crisis_load[g] += crises[source]
    for source in others:
        g = min(range(k), key=lambda j: (size_load[j], j))
        groups[g].append(source)
        size_load[g] += sizes[source]
    # Each message's group by its file's number (comparing 141,607 file names with np.isin took 0.4 s).
    group_of = {source: k for k, g in enumerate(groups) for source in g}
    group = np.fromiter((group_of[e.source] for e in examples), dtype=np.int64, count=len(examples))
    return [("+".join(sorted(g)), np.flatnonzero(group == k)) for k, g in enumerate(groups) if g]


@dataclass
class OutOfFold:
    """Held-out head probabilities of every message (its fold's model never saw it)."""

    folds: list[tuple[str, np.ndarray]]
    probs: np.ndarray  # the message as written
    crisis_probs: np.ndarray  # the message with hard negatives cut out

    @property
    def signals(self) -> np.ndarray:
        return crisis_signals(self.crisis_probs)

    def category_probs(self) -> np.ndarray:
        out = self.probs[:, : len(CATEGORIES)].copy()
        out[:, _CRISIS_COLUMNS] = self.crisis_probs[:, _CRISIS_COLUMNS]
        return out


# What the workers read: set before the pool forks, so the children inherit it instead of unpickling it.
_FOLD_INPUT: tuple | None = None
_FINAL: HeadJobs | None = None
_RULES: CrisisRules | None = None
_VOCABULARY_DOCS: list[Analyzed] | None = None
# Below this many messages the corpus is read in this process (forking costs more than it saves).
PARALLEL_PREPARE_MIN = 4000
# The share of the corpus's characters the forked worker reads (this process reads the rest, and then
# unpickles the worker's part: about a second for half the corpus). Reading the 132,007 worries, alternately:
# 0.46 took 9.0-9.8 s (mean of five 9.4), 0.52 8.2-9.4 s (mean of three 8.7); 0.50 and 0.55 about 9.1.
WORKER_PREPARE_SHARE = 0.52
# The crisis rules' index strings are counted on every this-many-th message: the counts only rank strings
# by how common they are (which one indexes a pattern; the matches are the same whichever does), and a
# quarter of the corpus ranks them as the whole does. Counting on all 90,007 took 1.6-2.2 s of each of
# the two processes reading the corpus, on a quarter 0.5 s.
KEY_COUNT_EVERY = 4
# The parts of speech are tallied on every this-many-th message of the corpus (tokenizer.PosCensus): the
# function words are the commonest forms, and a quarter of the corpus decides them as the whole does.
# Tallying every morpheme's (form, part of speech) pair had been a tenth of reading the corpus: at 141,607
# worries, alternately, 23.6-26.7 s -> 21.4-23.2 s. 294 function forms instead of 542: those only the whole
# corpus named are rare ones (Thai and Burmese phrases, which Sudachi reads as symbols, kaomoji, a few
# endings), now kept as words. Grouped folds the same but for one crisis (missed 801 -> 800 with
# AVERAGED_PASSES, macro-F1 0.8092 -> 0.8090).
CENSUS_EVERY = 4


@dataclass
class FoldResult:
    """A fold's held-out scores, and its heads of AVERAGED in the whole vocabulary's columns."""

    probs: np.ndarray  # the held-out messages as written
    crisis_probs: np.ndarray  # the held-out messages with hard negatives cut out
    columns: np.ndarray  # the whole vocabulary's columns the fold kept
    weights: np.ndarray  # (len(columns), len(AVERAGED)): the averaged heads' weights on them, as the whole
    # vectorizer weighs
    bias: np.ndarray


def _fit_fold(test: np.ndarray) -> FoldResult:
    assert _FOLD_INPUT is not None
    prepared, examples, vocabulary = _FOLD_INPUT
    width = KIND_START
    n = len(examples)
    train_rows = np.setdiff1d(np.arange(n), test)
    # The fold's vocabulary is the whole one narrowed to its rows (the same vocabulary, idf and rows as
    # reading them again, to the bit, in a sixth of the time: 0.8 s against 4.9 s at 54,607 worries).
    counts = vocabulary.counts[np.concatenate([train_rows, np.arange(n, vocabulary.counts.shape[0])])]
    narrowed, keep = vocabulary.vectorizer.narrowed(counts)
    heads = head_jobs(narrowed, kept_columns(counts, keep), [examples[i] for i in train_rows], kind_heads=False).fit()
    probs = head_probs(heads, narrowed.weigh(kept_columns(vocabulary.counts[test], keep)))[:, :width]
    # The crisis side differs only where hard negatives were cut out (a message scores the same in any batch).
    crisis_probs = probs.copy()
    cut = [k for k, i in enumerate(test) if prepared[i].crisis_doc is not None]
    if cut:
        cut_docs = [prepared[test[k]].crisis_doc for k in cut]
        crisis_probs[cut] = head_probs(heads, narrowed.transform(cut_docs))[:, :width]
    columns = np.flatnonzero(keep)
    # The fold weighs a feature by its idf among the fold's messages, the whole vectorizer by its idf among
    # all: the weight that gives the same product on the whole vectorizer's entry (each channel's norm is the
    # same but for the few features the fold does not keep).
    ratio = narrowed.idf / vocabulary.vectorizer.idf[columns]
    weights = (heads.weights[:, list(AVERAGED)] * ratio[:, None]).astype(np.float32)
    return FoldResult(probs, crisis_probs, columns, weights, heads.bias[list(AVERAGED)])


def averaged_heads(folds: list[FoldResult], n_features: int) -> list[tuple[np.ndarray, float]]:
    """The final model's heads of AVERAGED, in its order: the mean of the folds' heads, a feature a fold did
    not keep counting as zero in it."""
    weights = np.zeros((n_features, len(AVERAGED)), dtype=np.float64)
    for f in folds:
        weights[f.columns] += f.weights
    weights /= len(folds)
    bias = np.mean([f.bias for f in folds], axis=0)
    return [(weights[:, j].astype(np.float32), float(bias[j])) for j in range(len(AVERAGED))]


def _prepare_part(texts: list[str], first: int) -> tuple[list[Prepared], PosCensus, dict[str, int]]:
    """prepare_many of a part of the corpus that starts at message `first`, its census and key counts (of
    the corpus's every KEY_COUNT_EVERY-th message, counted from the corpus's first)."""
    assert _RULES is not None
    census = PosCensus(CENSUS_EVERY, first)
    prepared = prepare_many(texts, _RULES, census)
    counted = rule_texts(prepared[-first % KEY_COUNT_EVERY :: KEY_COUNT_EVERY])
    return prepared, census, _RULES.count_keys(counted)


def _prepare_packed_part(texts: list[str], first: int) -> tuple[tuple, PosCensus, dict[str, int]]:
    """_prepare_part in a worker, its messages packed for the way back (_packed)."""
    prepared, census, keys = _prepare_part(texts, first)
    return _packed(prepared), census, keys


def _packed(prepared: list[Prepared]) -> tuple:
    """Prepared messages as a few long strings and lists: pickling half the corpus's objects one by one took
    1.1-1.3 s and reading them back 1.1-1.4 s, these 0.3 s and 0.7 s (the few messages with a crisis view
    or rule hits travel as they are)."""
    docs = [p.doc for p in prepared]
    return (
        [p.language for p in prepared],
        "\0".join([d.text for d in docs]),  # normalised text holds no NUL
        "\0".join([d.folded for d in docs]),
        "\0".join([d.lemmas for d in docs]),
        "\0".join([f for d in docs for f in d.forms]),
        [len(d.forms) for d in docs],
        [(i, p.crisis_doc, p.hits) for i, p in enumerate(prepared) if p.crisis_doc is not None or p.hits],
    )


def _unpacked(packed: tuple) -> list[Prepared]:
    languages, texts, folded, lemmas, forms, n_forms, others = packed
    texts, folded, lemmas = texts.split("\0"), folded.split("\0"), lemmas.split("\0")
    all_forms = forms.split("\0") if forms else []
    out = []
    end = 0
    for i, n in enumerate(n_forms):
        start, end = end, end + n
        doc = Analyzed(texts[i], folded[i], tuple(all_forms[start:end]), lemmas[i])
        out.append(Prepared(languages[i], doc, None, []))
    for i, crisis_doc, hits in others:
        out[i].crisis_doc, out[i].hits = crisis_doc, hits
    return out


def prepare_corpus(texts: list[str], rules: CrisisRules, census: PosCensus) -> tuple[list[Prepared], dict[str, int]]:
    """prepare_many of a training corpus, and in how many of every KEY_COUNT_EVERY-th message each crisis
    rule index key occurs (CrisisRules.count_keys). Reading it is a fifth of training: when it is large, a
    forked worker reads the first part while this process reads the rest, so that only the worker's part is
    pickled across. A message is read the same alone or in any batch, and the parts' censuses and key counts
    add up to the whole one's."""
    global _RULES
    _RULES = rules
    try:
        if len(texts) < PARALLEL_PREPARE_MIN or not can_fork(2):
            parts = [_prepare_part(texts, 0)]
        else:
            get_tokenizer()  # loaded before forking: both processes read the same dictionary pages
            # The worker's part is a little smaller: it also pickles it, and this process unpickles it.
            chars = np.cumsum([len(t) for t in texts])
            cut = int(np.searchsorted(chars, WORKER_PREPARE_SHARE * chars[-1]))
            with fork_one() as pool:
                theirs = pool.apply_async(_prepare_packed_part, (texts[:cut], 0))
                mine = _prepare_part(texts[cut:], cut)
                packed, part_census, keys = theirs.get()
                parts = [(_unpacked(packed), part_census, keys), mine]
    finally:
        _RULES = None
    out: list[Prepared] = []
    key_counts: Counter[str] = Counter()
    for prepared, part, keys in parts:
        out += prepared
        census.dropped.update(part.dropped)
        census.kept.update(part.kept)
        key_counts.update(keys)
    return out, {k: key_counts[k] for k in parts[0][2]}


def _run_task(task: tuple[str, Any]) -> Any:
    kind, arg = task
    if kind == "fold":
        return _fit_fold(arg)
    assert _FINAL is not None
    return _FINAL.fit_intents() if kind == "intents" else _FINAL.fit_binary(arg)


def _run_tasks(tasks: list[tuple[str, Any]], fold_input: tuple, final: HeadJobs | None) -> Iterator[Any]:
    """The tasks' results in order, from two forked workers (biggest tasks first; each fit is single-threaded
    and deterministic, so the results do not depend on which worker ran it). What they read is set until the
    last result is in: without workers, each task runs in this process when its result is asked for."""
    global _FOLD_INPUT, _FINAL
    _FOLD_INPUT, _FINAL = fold_input, final
    try:
        yield from fork_imap(_run_task, tasks)
    finally:
        _FOLD_INPUT = _FINAL = None


def out_of_fold(
    prepared: list[Prepared],
    examples: list[Example],
    vocabulary: Vocabulary,
    folds: list[tuple[str, np.ndarray]],
    final: HeadJobs | None = None,
) -> tuple[OutOfFold, Callable[[], Heads | None]]:
    """Each fold's model scores the messages it did not see. With `final`, the final model is made too: the
    heads of AVERAGED are the folds' averaged (averaged_heads), and its own fits (the crisis heads, the intent
    softmax and the crisis kinds) run in the same two workers after the folds. The held-out scores come back as
    soon as the folds are done, with a function that waits for the final model's fits (so that this process works
    on the scores meanwhile). Call it once, or the workers are left running."""
    n = len(examples)
    width = KIND_START
    probs = np.zeros((n, width), dtype=np.float32)
    crisis_probs = np.zeros((n, width), dtype=np.float32)
    tasks: list[tuple[str, Any]] = [("fold", test) for _, test in folds]
    if final is not None:
        if final.intent_data is not None:
            tasks.append(("intents", None))
        tasks += [("binary", j) for j in range(len(final.binary)) if j not in AVERAGED]
    results = _run_tasks(tasks, (prepared, examples, vocabulary), final)
    fitted: list[FoldResult] = [next(results) for _ in folds]
    for (_, test), f in zip(folds, fitted, strict=True):
        probs[test] = f.probs
        crisis_probs[test] = f.crisis_probs

    def final_heads() -> Heads | None:
        rest = list(results)
        if final is None:
            return None
        intents = rest.pop(0) if final.intent_data is not None else []
        averaged = dict(zip(AVERAGED, averaged_heads(fitted, vocabulary.vectorizer.n_features), strict=True))
        binary = [averaged[j] if j in averaged else rest.pop(0) for j in range(len(final.binary))]
        return final.assemble(binary, intents)

    return OutOfFold(folds, probs, crisis_probs), final_heads


@dataclass(frozen=True)
class Truth:
    """What held-out scores are tuned and measured against, read once per training run."""

    labels: np.ndarray  # (messages, CATEGORIES), bool
    crisis: np.ndarray

    @classmethod
    def of(cls, examples: list[Example]) -> Truth:
        return cls(label_matrix(examples), np.array([e.crisis for e in examples], dtype=bool))


def caught_by_expressions(prepared: list[Prepared], signals: np.ndarray) -> np.ndarray:
    """Which messages a curated crisis expression makes a crisis, given their held-out crisis signals
    (model.counted_hits: in all but short messages, most expressions count only from a floor of the
    signal)."""
    return np.array(
        [bool(counted_hits(p.hits, float(s), len(p.doc.text))) for p, s in zip(prepared, signals, strict=True)]
    )


def held_out_figures(oof: OutOfFold, prepared: list[Prepared], examples: list[Example], truth: Truth) -> dict:
    """Figures on the held-out scores with cross-fitted thresholds: fold k is decided with thresholds tuned
    on the other folds' held-out scores, never on the messages it is measured on. English messages get their
    keywords' labels, as the shipped model gives them (a fixed list: nothing learnt from the folds)."""
    cat_probs, signals = oof.category_probs(), oof.signals
    caught = caught_by_expressions(prepared, signals)
    english = KeywordMatcher(load_keywords(), "en")
    predictions: list[Any] = [None] * len(examples)
    per_fold = {}
    for name, test in oof.folds:
        inside = np.zeros(len(examples), dtype=bool)
        inside[test] = True
        th = tune_thresholds(cat_probs[~inside], truth.labels[~inside])
        flagged = flagged_without_signal(cat_probs[~inside], th, caught[~inside])
        ct = tune_crisis_threshold(signals[~inside], truth.crisis[~inside], flagged)
        params = DecisionParams(th, ct, (), ())
        decided = decide_many(oof.probs[test], oof.crisis_probs[test], [prepared[i] for i in test], params, english)
        for i, p in zip(test, decided, strict=True):
            predictions[i] = p
        f = evaluate([examples[i] for i in test], [predictions[i] for i in test])
        per_fold[name] = {k: f[k] for k in ("n", "macro_f1", "crisis_recall", "crisis_false_alarm", "crisis_missed")}
    figures = evaluate(examples, predictions)
    figures["per_fold"] = per_fold
    return figures


def cross_validate(
    prepared: list[Prepared],
    examples: list[Example],
    vocabulary: Vocabulary,
    *,
    with_random_folds: bool = False,
    final: HeadJobs | None = None,
    folds: list[tuple[str, np.ndarray]] | None = None,
) -> dict:
    """Writer-grouped held-out figures (on `folds`, grouped_folds(examples) by default) and the thresholds tuned
    on them; random folds only when asked for (they cost five more fits and only flatter). `vocabulary` holds
    the worries' rows and then the intent lines'."""
    folds = grouped_folds(examples) if folds is None else folds
    grouped, final_heads = out_of_fold(prepared, examples, vocabulary, folds, final)
    truth = Truth.of(examples)
    cat_probs = grouped.category_probs()
    thresholds = tune_thresholds(cat_probs, truth.labels)
    flagged = flagged_without_signal(cat_probs, thresholds, caught_by_expressions(prepared, grouped.signals))
    out = {
        "thresholds": thresholds,
        "crisis_threshold": tune_crisis_threshold(grouped.signals, truth.crisis, flagged),
        "grouped": held_out_figures(grouped, prepared, examples, truth),
        "heads": final_heads(),
    }
    if with_random_folds:
        shuffled, done = out_of_fold(prepared, examples, vocabulary, random_folds(len(examples)))
        done()
        out["random"] = held_out_figures(shuffled, prepared, examples, truth)
    return out


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    """The cyclic garbage collector off while training (the forked workers inherit it off). Training builds
    a million small objects (the prepared corpus) that live until it ends, and each full collection walked
    them all: 12 full collections and 2,361 in all took 3.1-3.6 s of the main process alone at 113,707
    worries. Measured back to back: 61.2 s with it, 51.9 s without (user time 102 -> 90 s, the workers
    gain too), the same peak memory (1.87 GB: training makes no garbage cycles worth collecting). The
    caller's setting comes back afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def data_digest(corpus_digest: str, extra_examples: list[Example] | None = None) -> str:
    """The training data's hash a model records: the corpus files, and the curated expressions and keywords,
    which are training inputs too (the model carries them), and any extra examples."""
    digest = hashlib.sha256(corpus_digest.encode())
    for path in (EXPRESSIONS_FILE, INTENT_EXPRESSIONS_FILE, KEYWORDS_FILE):
        digest.update(path.read_bytes())
    if extra_examples:
        digest.update(repr([(e.text, e.labels, e.crisis, e.crisis_kinds) for e in extra_examples]).encode())
    return digest.hexdigest()


def train(
    *,
    data_dir: Path | None = None,
    out: Path,
    extra_examples: list[Example] | None = None,
    with_random_folds: bool = False,
) -> dict[str, Any]:
    """Train on the corpus (plus any extra examples) and write the artifact to `out`; returns its metadata."""
    with _no_garbage_collection():
        return _train(data_dir=data_dir, out=out, extra_examples=extra_examples, with_random_folds=with_random_folds)


def _train(
    *, data_dir: Path | None, out: Path, extra_examples: list[Example] | None, with_random_folds: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    corpus = load_corpus(data_dir)
    examples = corpus.examples + list(extra_examples or [])
    rules = CrisisRules.from_file()
    keywords = load_keywords()
    # The forms the word channel drops (see tokenizer.PosCensus): decided once per training run, from the
    # parts of speech of the worries and intent lines, tallied as they are read.
    census = PosCensus()
    prepared, rule_key_counts = prepare_corpus([e.text for e in examples], rules, census)
    intent_docs = [p.doc for p in prepare_many([i.text for i in corpus.intents], rules, census)]
    stop_forms = census.function_forms()
    vocabulary = Vocabulary.read([p.doc for p in prepared] + intent_docs, stop_forms)
    # The final model's fits share the cross-validation's two workers.
    final = head_jobs(
        vocabulary.vectorizer,
        vocabulary.counts,
        examples,
        [i.intent for i in corpus.intents],
        short=vocabulary.short,
    )
    folds = grouped_folds(examples)
    cv = cross_validate(prepared, examples, vocabulary, with_random_folds=with_random_folds, final=final, folds=folds)
    heads = cv["heads"]
    columns = [*CATEGORIES, *SIGNAL_HEADS, *(f"kind:{k}" for k in heads.kinds), *(f"intent:{i}" for i in heads.intents)]
    trained_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data_hash = data_digest(corpus.digest, extra_examples)
    metadata = {
        "version": trained_at.strftime("%Y%m%d%H%M%S") + "-" + data_hash[:8],
        "trained_at": trained_at.isoformat(),
        "training_data_sha256": data_hash,
        "extra_examples": len(extra_examples or []),
        "n_examples": len(examples),
        "n_intent_examples": len(corpus.intents),
        "skipped_lines": corpus.skipped,
        "libraries": _library_versions(),
        "config": {
            "split_mode": SPLIT_MODE,
            "dropped_pos": sorted(DROPPED_POS),
            "char_ngrams": list(CHAR_NGRAMS),
            "char_max_df_share": CHAR_MAX_DF_SHARE,
            "word_bigrams": WORD_BIGRAMS,
            "C": C,
            "groups": GROUPS,
            "grouped_folds": [name for name, _ in folds],
            "seed": SEED,
            "n_features": heads.vectorizer.n_features,
        },
        "thresholds": {c: float(t) for c, t in zip(CATEGORIES, cv["thresholds"], strict=True)},
        "crisis_threshold": cv["crisis_threshold"],
        # Grouped: writers held out (worries phrased by someone the model has not read); random: shuffled
        # 5-fold, only with `madoguchi train --random-folds`.
        "evaluation": {"grouped_folds": cv["grouped"], **({"random_folds": cv["random"]} if "random" in cv else {})},
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
        "intent_expressions": IntentRules.from_file().spec,
        "rule_key_counts": rule_key_counts,
        "keywords": keywords,
    }
    metadata["training_seconds"] = round(time.perf_counter() - started, 1)
    artifact.write(out, metadata, payload)
    return metadata
