"""Evaluation figures: per-category P/R/F1, micro/macro F1, crisis recall and false-alarm rate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from madoguchi.classifier.corpus import Example
from madoguchi.classifier.labels import CATEGORIES


class HasLabels(Protocol):
    labels: list[str]
    crisis: bool


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def label_matrix(items: Sequence[HasLabels]) -> np.ndarray:
    """Which categories each item has, as a boolean matrix (rows: items, columns: CATEGORIES)."""
    column = {c: j for j, c in enumerate(CATEGORIES)}
    out = np.zeros((len(items), len(CATEGORIES)), dtype=bool)
    for i, item in enumerate(items):
        for c in item.labels:
            if c in column:
                out[i, column[c]] = True
    return out


def evaluate(examples: Sequence[Example], predictions: Sequence[HasLabels]) -> dict[str, Any]:
    if len(examples) != len(predictions):
        raise ValueError(f"{len(examples)} examples but {len(predictions)} predictions")
    # Counted over label matrices: a loop per category and message was a third of training's figures.
    gold, pred = label_matrix(examples), label_matrix(predictions)
    tps = (gold & pred).sum(axis=0).tolist()
    fps = (pred & ~gold).sum(axis=0).tolist()
    fns = (gold & ~pred).sum(axis=0).tolist()
    per: dict[str, dict[str, float]] = {}
    for c, tp, fp, fn in zip(CATEGORIES, tps, fps, fns, strict=True):
        prec, rec, f1 = _prf(tp, fp, fn)
        per[c] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": tp + fn}
    total_tp, total_fp, total_fn = sum(tps), sum(fps), sum(fns)
    confused: Counter[tuple[str, str]] = Counter()
    for i in np.flatnonzero((gold & ~pred).any(axis=1) & (pred & ~gold).any(axis=1)).tolist():
        e, p = examples[i], predictions[i]
        missed = [g for g in e.labels if g not in p.labels]
        extra = [x for x in p.labels if x not in e.labels]
        for g in missed:
            for x in extra:
                confused[(g, x)] += 1
    crisis_pos = [p.crisis for e, p in zip(examples, predictions, strict=True) if e.crisis]
    crisis_neg = [p.crisis for e, p in zip(examples, predictions, strict=True) if not e.crisis]
    present = [c for c in CATEGORIES if per[c]["support"]]
    return {
        "n": len(examples),
        "per_category": per,
        "micro_f1": round(_prf(total_tp, total_fp, total_fn)[2], 4),
        "macro_f1": round(sum(per[c]["f1"] for c in present) / max(1, len(present)), 4),
        "crisis_recall": round(sum(crisis_pos) / len(crisis_pos), 4) if crisis_pos else None,
        "crisis_false_alarm": round(sum(crisis_neg) / len(crisis_neg), 4) if crisis_neg else None,
        "crisis_missed": len(crisis_pos) - sum(crisis_pos),
        "confused_pairs": [
            {"expected": g, "predicted": x, "count": n} for (g, x), n in confused.most_common(5)
        ],
    }
