"""`madoguchi eval`: the model next to two baselines computed in the same run.

- keyword: what most municipal FAQ bots do; a category when one of its keywords (data/keywords.yml) occurs.
- char_ngram: character 1-3-grams TF-IDF and one-vs-rest logistic regression trained on the same corpus,
  without Sudachi, without tuned thresholds or crisis rules.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from madoguchi.classifier.corpus import Example, load_corpus, parse_example
from madoguchi.classifier.keywords import KeywordMatcher, load_keywords
from madoguchi.classifier.labels import CATEGORIES, CRISIS_CATEGORIES
from madoguchi.classifier.metrics import evaluate
from madoguchi.classifier.model import Classifier
from madoguchi.classifier.normalize import normalize
from madoguchi.classifier.workers import fork_map


@dataclass(frozen=True)
class SimplePrediction:
    labels: list[str]
    crisis: bool


def read_labelled(path: Path) -> tuple[list[Example], int]:
    examples, skipped = [], 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            example = parse_example(json.loads(line))
        except json.JSONDecodeError:
            example = None
        if example is None:
            skipped += 1
        else:
            examples.append(example)
    return examples, skipped


def keyword_baseline(texts: list[str]) -> list[SimplePrediction]:
    matcher = KeywordMatcher(load_keywords(), "ja")
    out = []
    for t in texts:
        labels = matcher.match(normalize(t))
        out.append(SimplePrediction(labels, bool(CRISIS_CATEGORIES.intersection(labels))))
    return out


# What the baseline's workers read: set before they fork (workers.fork_map).
_BASELINE: tuple[Any, list[np.ndarray]] | None = None


def char_ngram_baseline(
    texts: list[str], data_dir: Path | None = None, *, train: list[Example] | None = None
) -> list[SimplePrediction]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    global _BASELINE
    train = train if train is not None else load_corpus(data_dir).examples
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    X = vec.fit_transform([e.text for e in train])
    Xt = vec.transform(texts)
    targets = [np.asarray([c in e.labels for e in train], dtype=np.int8) for c in CATEGORIES]
    targets.append(np.asarray([e.crisis for e in train], dtype=np.int8))
    # Its fourteen fits in the two workers, as the model's are (one eval ran 65 s on a slow machine, 56 s
    # of them fitting).
    _BASELINE = (X, targets)
    try:
        heads = fork_map(_fit_baseline_head, list(range(len(targets))))
    finally:
        _BASELINE = None
    weights = np.stack([w for w, _ in heads], axis=1)
    P = 1.0 / (1.0 + np.exp(-(np.asarray(Xt @ weights) + np.asarray([b for _, b in heads]))))
    return [
        SimplePrediction([c for j, c in enumerate(CATEGORIES) if row[j] >= 0.5], bool(row[-1] >= 0.5)) for row in P
    ]


def _fit_baseline_head(j: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    assert _BASELINE is not None
    X, targets = _BASELINE
    # The dual solver reaches the primal's optimum in about half the time here (more features than
    # messages): at 44,103 training lines its probabilities were within 8e-5 of the primal's and not one of
    # 22,560 decisions on 1,504 held-out lines changed. Stopping at tolerance 1e-2 instead of 1e-4 halved it
    # again (40.0 -> 20.2 s at 48,603 lines), probabilities within 3e-4, no decision changed. The baseline
    # is fitted to its tolerance; the model's own heads stop after training.MAX_PASSES.
    m = LogisticRegression(C=10.0, solver="liblinear", dual=True, tol=1e-2, class_weight="balanced", random_state=0)
    m.fit(X, targets[j])
    return m.coef_[0], float(m.intercept_[0])


def baselines_on_folds(examples: list[Example], folds: list[tuple[str, Any]]) -> dict[str, dict[str, Any]]:
    """Both baselines on the same held-out folds as the model (the README's comparison): the char n-gram
    baseline is trained on the other folds each time; keyword matching needs no training."""
    predictions: list[Any] = [None] * len(examples)
    for _, test in folds:
        held = set(int(i) for i in test)
        train = [e for i, e in enumerate(examples) if i not in held]
        for i, p in zip(test, char_ngram_baseline([examples[i].text for i in test], train=train), strict=True):
            predictions[i] = p
    return {
        "keyword": _brief(evaluate(examples, keyword_baseline([e.text for e in examples]))),
        "char_ngram": _brief(evaluate(examples, predictions)),
    }


def read_eval_file(path: Path) -> tuple[list[Example], int]:
    """The labelled lines of an evaluation file and how many lines were skipped; ValueError when it has none
    (the command reads the file before it loads, or trains, a model: a wrong path is said at once)."""
    examples, skipped = read_labelled(path)
    if not examples:
        raise ValueError(f"{path}: no labelled lines")
    return examples, skipped


def run_eval(
    classifier: Classifier,
    labelled: tuple[list[Example], int],
    *,
    baselines: bool = True,
    baseline_train: list[Example] | None = None,
) -> dict[str, Any]:
    """The model's figures on a labelled file's lines (read_eval_file) and, with `baselines`, both
    baselines' on them (the char n-gram baseline trained on `baseline_train`, by default the whole corpus as
    the model was)."""
    examples, skipped = labelled
    texts = [e.text for e in examples]
    result = evaluate(examples, classifier.classify_many(texts))
    result["model_version"] = classifier.version
    result["skipped_lines"] = skipped
    if baselines:
        result["baselines"] = {
            "keyword": _brief(evaluate(examples, keyword_baseline(texts))),
            "char_ngram": _brief(evaluate(examples, char_ngram_baseline(texts, train=baseline_train))),
        }
    return result


def _brief(figures: dict[str, Any]) -> dict[str, Any]:
    keys = ("micro_f1", "macro_f1", "crisis_recall", "crisis_false_alarm", "per_category")
    return {k: figures[k] for k in keys}


def print_report(result: dict[str, Any], out: Any = sys.stdout) -> None:
    base = result.get("baselines", {})
    w = out.write
    w(f"model {result['model_version']}  ({result['n']} messages")
    w(f", {result['skipped_lines']} unreadable lines skipped)\n\n" if result["skipped_lines"] else ")\n\n")
    header = f"{'category':<16}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}"
    if base:
        header += "   " + "  ".join(f"{name + ' F1':>14}" for name in base)
    w(header + "\n")
    for c in CATEGORIES:
        f = result["per_category"][c]
        line = f"{c:<16}{f['precision']:>7.3f}{f['recall']:>7.3f}{f['f1']:>7.3f}{f['support']:>6}"
        if base:
            line += "   " + "  ".join(f"{b['per_category'][c]['f1']:>14.3f}" for b in base.values())
        w(line + "\n")
    w("\n")
    rows = [("micro F1", "micro_f1"), ("macro F1", "macro_f1"), ("crisis recall", "crisis_recall"),
            ("crisis false alarm", "crisis_false_alarm")]
    w(f"{'':<20}{'model':>10}" + "".join(f"{name:>14}" for name in base) + "\n")
    for title, key in rows:
        values = [result[key], *(b[key] for b in base.values())]
        w(f"{title:<20}" + "".join(f"{_fmt(v):>{10 if i == 0 else 14}}" for i, v in enumerate(values)) + "\n")
    if result["confused_pairs"]:
        w("\nmost confused (expected -> predicted instead):\n")
        for pair in result["confused_pairs"]:
            w(f"  {pair['expected']} -> {pair['predicted']}: {pair['count']}\n")


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"
