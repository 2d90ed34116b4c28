"""Training is deterministic and tolerates broken corpus lines."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from madoguchi.classifier import artifact
from madoguchi.classifier.corpus import CORPUS_DIR, load_corpus
from madoguchi.classifier.service import ensure_model
from madoguchi.classifier.training import PARALLEL_PREPARE_MIN, train
from madoguchi.classifier.workers import can_fork


def _small_corpus(directory: Path, broken: bool = False, every: int = 20) -> Path:
    """Every `every`-th line of each corpus file (fast to train, still every category). Every 20th is about
    7,100 worries: above training.PARALLEL_PREPARE_MIN, so the corpus and the vocabulary are still read in two
    processes and the folds fitted in forked workers, as for the whole corpus. (Every 5th took 15-16 s a
    training on a slow machine, every 20th 5 s.)"""
    directory.mkdir(parents=True, exist_ok=True)
    for src in sorted(CORPUS_DIR.glob("*.jsonl")):
        lines = src.read_text(encoding="utf-8").splitlines()[::every]
        if broken and src.name != "intents.jsonl":
            lines.insert(1, "{not json")
            lines.insert(2, json.dumps({"text": "x", "labels": ["no_such_label"], "crisis": False}))
        (directory / src.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _payload(path: Path) -> dict:
    with open(path, "rb") as f:
        f.readline()
        f.readline()
        return pickle.load(f)


def test_same_data_same_model(tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "data")
    assert len(load_corpus(data).examples) >= PARALLEL_PREPARE_MIN  # read in two processes, as the whole is
    a, b = tmp_path / "a.model", tmp_path / "b.model"
    meta_a = train(data_dir=data, out=a)
    meta_b = train(data_dir=data, out=b)
    pa, pb = _payload(a), _payload(b)
    assert np.array_equal(pa["weights"], pb["weights"])
    assert np.array_equal(pa["bias"], pb["bias"])
    assert pa["thresholds"] == pb["thresholds"] and pa["crisis_threshold"] == pb["crisis_threshold"]
    assert pa["vectorizer"]["word_vocab"] == pb["vectorizer"]["word_vocab"]
    assert meta_a["training_data_sha256"] == meta_b["training_data_sha256"]
    assert meta_a["evaluation"] == meta_b["evaluation"]


def test_training_without_workers_gives_the_same_model(tmp_path: Path) -> None:
    """A server trains in its own process (forking beside its threads is not safe): the folds and heads then
    run one by one as their results are asked for, and must give the model the forked workers give."""
    import threading

    data = _small_corpus(tmp_path / "data")
    forked, alone = tmp_path / "forked.model", tmp_path / "alone.model"
    train(data_dir=data, out=forked)
    release = threading.Event()
    beside = threading.Thread(target=release.wait)
    beside.start()
    try:
        assert not can_fork(2)
        train(data_dir=data, out=alone)
    finally:
        release.set()
        beside.join()
    pf, pa = _payload(forked), _payload(alone)
    assert np.array_equal(pf["weights"], pa["weights"]) and np.array_equal(pf["bias"], pa["bias"])
    assert pf["thresholds"] == pa["thresholds"] and pf["crisis_threshold"] == pa["crisis_threshold"]


def test_broken_lines_are_skipped_with_a_note(tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "data", broken=True)
    corpus = load_corpus(data)
    assert corpus.skipped and all("jsonl:" in s for s in corpus.skipped)
    meta = train(data_dir=data, out=tmp_path / "m.model")
    assert meta["skipped_lines"] == corpus.skipped


def test_ensure_model_trains_only_when_missing(
    tmp_path: Path, classifier_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "models" / "x.model"
    target.parent.mkdir()
    target.write_bytes(classifier_model_path.read_bytes())
    before = target.stat().st_mtime_ns
    assert ensure_model(target) == target
    assert target.stat().st_mtime_ns == before  # a usable model is left alone
    assert "training" not in capsys.readouterr().err
    target.write_bytes(b"junk")
    artifact_meta = artifact.read_metadata(ensure_model(target, data_dir=_small_corpus(tmp_path / "d")))
    assert "training one" in capsys.readouterr().err
    assert artifact_meta["n_examples"] > 0


def test_corpus_read_in_two_workers_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training reads a large corpus in two processes: the messages, the part-of-speech census (which forms
    the word channel drops) and the crisis rules' key counts must come out as one process reads them."""
    from madoguchi.classifier import training
    from madoguchi.classifier.crisis import CrisisRules
    from madoguchi.classifier.model import prepare_many, rule_texts
    from madoguchi.classifier.tokenizer import PosCensus

    texts = [e.text for e in load_corpus().examples[::40]]
    rules = CrisisRules.from_file()
    one, two = PosCensus(training.CENSUS_EVERY), PosCensus()
    alone = prepare_many(texts, rules, one)
    monkeypatch.setattr(training, "PARALLEL_PREPARE_MIN", 10)
    split, key_counts = training.prepare_corpus(texts, rules, two)
    assert split == alone
    assert key_counts == rules.count_keys(rule_texts(alone[:: training.KEY_COUNT_EVERY]))
    assert sum(key_counts.values()) > 0
    assert (two.dropped, two.kept) == (one.dropped, one.kept)  # every CENSUS_EVERY-th message, in both
    assert two.function_forms() and two.function_forms() == one.function_forms()


def test_vocabulary_read_in_two_processes_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training reads the char channel in a forked worker beside the words: the same vocabulary, idf and
    occurrence rows as one process reading both."""
    from madoguchi.classifier import training
    from madoguchi.classifier.features import Vectorizer, analyze_many
    from madoguchi.classifier.normalize import normalize_many
    from madoguchi.classifier.tokenizer import PosCensus

    census = PosCensus()
    docs = analyze_many(normalize_many([e.text for e in load_corpus().examples[::40]]), census)
    stop_forms = census.function_forms()
    alone = Vectorizer()
    counts = alone.fit_occurrences(docs, stop_forms)
    monkeypatch.setattr(training, "PARALLEL_PREPARE_MIN", 10)
    assert training.can_fork(2)
    split = training.Vocabulary.read(docs, stop_forms)
    for key, value in alone.state().items():
        theirs = split.vectorizer.state()[key]
        assert np.array_equal(theirs, value) if isinstance(value, np.ndarray) else theirs == value, key
    assert split.counts.shape == counts.shape and (split.counts != counts).nnz == 0
    assert split.counts.has_canonical_format


def test_crisis_threshold_spends_the_false_alarm_budget_on_recall() -> None:
    from madoguchi.classifier.training import CRISIS_FALSE_ALARM_BUDGET, CRISIS_FLOOR, tune_crisis_threshold

    rng = np.random.default_rng(0)
    negatives = rng.uniform(0.0, 1.0, 1000)
    signals = np.concatenate([negatives, np.full(50, 0.9)])
    crisis = np.concatenate([np.zeros(1000, dtype=bool), np.ones(50, dtype=bool)])
    nothing_else = np.zeros(len(signals), dtype=bool)
    allowed = int(CRISIS_FALSE_ALARM_BUDGET * 1000)
    # Unsure means crisis: never above 0.5, even where the budget would ask for more.
    assert tune_crisis_threshold(signals, crisis, nothing_else) == 0.5
    low = np.concatenate([rng.uniform(0.0, 0.4, 1000), np.full(50, 0.9)])
    t = tune_crisis_threshold(low, crisis, nothing_else)
    assert CRISIS_FLOOR <= t < 0.4 and (low[:1000] >= t).sum() == allowed
    # Non-crises flagged another way (a rule, a crisis category) count against the same budget.
    others = np.zeros(len(signals), dtype=bool)
    others[:20] = True
    t_with_others = tune_crisis_threshold(low, crisis, others)
    assert t_with_others > t
    assert ((low[:1000] >= t_with_others) | others[:1000]).sum() <= allowed


def test_training_turns_the_garbage_collector_off_and_gives_it_back() -> None:
    import gc

    from madoguchi.classifier.training import _no_garbage_collection

    assert gc.isenabled()
    with _no_garbage_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _no_garbage_collection():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_a_folds_heads_in_the_whole_vocabulary_score_as_the_fold_did(monkeypatch: pytest.MonkeyPatch) -> None:
    """The final model's non-crisis category heads are the folds' averaged in the whole vocabulary's columns:
    mapped there, a fold's heads must give its held-out messages the scores the fold gave them through its
    own narrowed vectorizer. Compared on the features the fold kept (one the fold never saw would also change
    a message's norm), the two differ only by the idf of the norms: a thousandth. Weights 1.3 times too large
    differ by three hundredths, weights on the wrong columns by a tenth."""
    from madoguchi.classifier import training
    from madoguchi.classifier.crisis import CrisisRules
    from madoguchi.classifier.model import prepare_many
    from madoguchi.classifier.tokenizer import PosCensus

    examples = load_corpus().examples[::30]
    census = PosCensus()
    prepared = prepare_many([e.text for e in examples], CrisisRules.from_file(), census)
    vocabulary = training.Vocabulary.read([p.doc for p in prepared], census.function_forms())
    whole = vocabulary.vectorizer
    monkeypatch.setattr(training, "_FOLD_INPUT", (prepared, examples, vocabulary))
    _, test = training.grouped_folds(examples)[0]
    fold = training._fit_fold(test)
    kept = np.zeros(whole.n_features, dtype=bool)
    kept[fold.columns] = True
    assert not kept.all()  # the fold's vocabulary is narrower than the whole one
    counts = vocabulary.counts[test].multiply(kept[None, :]).tocsr()
    counts.sort_indices()
    mapped = training.averaged_heads([fold], whole.n_features)
    weights = np.stack([w for w, _ in mapped], axis=1)
    heads = training.Heads(whole, weights, np.array([b for _, b in mapped], dtype=np.float32), (), ())
    gap = np.abs(training.head_probs(heads, whole.weigh(counts)) - fold.probs[:, list(training.AVERAGED)])
    assert gap.mean() < 0.005 and np.quantile(gap, 0.9) < 0.01, (gap.mean(), np.quantile(gap, 0.9))


def test_heads_fitted_on_columns_renumbered_by_frequency_are_the_same_heads() -> None:
    """Binary heads are fitted with the most frequent features' columns first (a cache-friendly order for
    liblinear) and their weights put back in the vectorizer's order: the same weights as a fit as they were."""
    import scipy.sparse as sp

    from madoguchi.classifier import training

    rng = np.random.default_rng(3)
    dense = (rng.random((400, 60)) < np.linspace(0.02, 0.5, 60)[::-1]) * rng.random((400, 60))
    X = sp.csr_matrix(dense.astype(np.float32))
    y = (dense[:, 5] + dense[:, 40] > 0.4).astype(np.int8)
    renumbered, position = training.by_frequency(X)
    df = np.bincount(X.indices, minlength=60)
    assert position[np.argmax(df)] == 0 and sorted(position) == list(range(60))
    assert np.array_equal(renumbered.toarray()[:, position], X.toarray())
    plain, bias = training._logistic(X, y)
    weights, renumbered_bias = training._logistic(renumbered, y)
    assert np.allclose(weights[position], plain, atol=1e-6) and abs(renumbered_bias - bias) < 1e-6
    assert not np.allclose(weights, plain, atol=1e-3)  # renumbered, the weights do come out in another order


def test_thresholds_are_those_with_the_best_pulled_f1() -> None:
    """tune_thresholds counts each threshold's flags from one sort: the thresholds must be those a plain pass
    over the messages per threshold picks (ties on the grid included, the first best kept)."""
    from madoguchi.classifier import training
    from madoguchi.classifier.labels import CATEGORIES

    def by_passes(probs: np.ndarray, Y: np.ndarray) -> list[float]:
        out = []
        for j in range(len(CATEGORIES)):
            best = (-1.0, 0.5)
            for t in training.THRESHOLD_GRID:
                pred = probs[:, j] >= t
                f1 = 2 * int((pred & Y[:, j]).sum()) / max(1, int(pred.sum()) + int(Y[:, j].sum()))
                f1 -= training.THRESHOLD_PULL * abs(float(t) - 0.5)
                if f1 > best[0] + 1e-9:
                    best = (f1, float(t))
            out.append(best[1])
        return out

    rng = np.random.default_rng(7)
    moved = 0
    for trial in range(30):
        n = int(rng.integers(1, 2000))
        Y = rng.random((n, len(CATEGORIES))) < rng.random(len(CATEGORIES)) * 0.3
        probs = np.clip(Y * rng.random(Y.shape) * 0.8 + rng.random(Y.shape) * 0.5, 0, 1)
        if trial % 2:
            probs = np.round(probs * 40) / 40  # scores exactly on the grid's steps
        probs = probs.astype(np.float32)
        tuned = training.tune_thresholds(probs, Y)
        assert tuned.tolist() == np.float32(by_passes(probs, Y)).tolist()
        moved += int((tuned != 0.5).sum())
    assert moved  # the data moves thresholds away from 0.5, so the comparison means something


def test_every_binary_head_on_shared_rows_is_the_logistic_regression_head(tmp_path: Path) -> None:
    """Training fits its binary heads on liblinear rows shared between them (liblinear.SharedRows); each must
    be, to the bit, the head LogisticRegression fits on the same matrix: categories, crisis signals and
    crisis kinds, on the columns renumbered by frequency, as training prepares them."""
    from madoguchi.classifier import training
    from madoguchi.classifier.crisis import CrisisRules
    from madoguchi.classifier.liblinear import SharedRows
    from madoguchi.classifier.tokenizer import PosCensus

    assert SharedRows.available()
    corpus = load_corpus(_small_corpus(tmp_path / "data", every=40))
    census = PosCensus()
    prepared, _ = training.prepare_corpus([e.text for e in corpus.examples], CrisisRules.from_file(), census)
    vocabulary = training.Vocabulary.read([p.doc for p in prepared], census.function_forms())
    jobs = training.head_jobs(vocabulary.vectorizer, vocabulary.counts, corpus.examples)
    assert jobs.kinds and len({id(X) for X, _ in jobs.binary}) == 2  # every message, and the crises
    for j, (X, y) in enumerate(jobs.binary):
        passes = training.AVERAGED_PASSES if j in training.AVERAGED else training.MAX_PASSES
        weights, bias = jobs.fit_binary(j)
        expected, expected_bias = training._logistic(X.copy(), y, passes)
        assert np.array_equal(weights, expected[jobs.fit_position]) and bias == expected_bias, j
