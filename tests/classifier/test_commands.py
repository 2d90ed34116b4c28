"""The command-line contract (interfaces.md): classify is JSON Lines in and out, eval prints the figures."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.classifier import Classifier, artifact
from madoguchi.classifier.corpus import CORPUS_DIR, load_corpus
from madoguchi.classifier.evaluation import print_report, read_eval_file, run_eval
from madoguchi.classifier.labels import CATEGORIES


def _run(args: list[str], var_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MADOGUCHI_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "-m", "madoguchi.cli", *args], input=stdin, capture_output=True, text=True, env=env,
        timeout=300,
    )


def test_classify_json_lines_in_order_with_odd_input(classifier_var_dir: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "家賃が払えなくて困っています"}, ensure_ascii=False),
        "this is not json",
        json.dumps({"id": 7}),
        "",
        json.dumps({"id": "e", "text": ""}),
        json.dumps([1, 2, 3]),
        json.dumps({"id": "g", "text": 12345}),
        json.dumps({"id": "h", "text": "もう消えたい"}, ensure_ascii=False),
    ]
    result = _run(["classify"], classifier_var_dir, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [o["id"] for o in out] == ["a", None, 7, None, "e", None, "g", "h"]
    for o in out:
        assert set(o) >= {"id", "labels", "crisis", "scores"}
        assert set(o["scores"]) == set(CATEGORIES)
    assert "poverty" in out[0]["labels"] or "housing" in out[0]["labels"]
    for odd in out[1:7]:
        assert odd["labels"] == [] and odd["crisis"] is False
    assert out[7]["crisis"] is True


def test_classify_reads_broken_characters_as_odd_input_not_an_error(classifier_var_dir: Path) -> None:
    env = {**os.environ, "MADOGUCHI_VAR_DIR": str(classifier_var_dir)}
    stdin = b"\n".join([
        b'{"id": 1, "text": "' + b"\xff\xfe" + "もう死にたい".encode() + b'"}',  # not UTF-8
        json.dumps({"id": "\ud800", "text": "\ud83dもう死にたい"}).encode(),  # half an emoji, escaped
        b"\xff\xfe",
    ]) + b"\n"
    result = subprocess.run(
        [sys.executable, "-m", "madoguchi.cli", "classify"], input=stdin, capture_output=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.decode("utf-8").splitlines()]
    assert [o["id"] for o in out] == [1, "\ud800", None]
    assert out[0]["crisis"] is True and out[1]["crisis"] is True
    assert out[2]["labels"] == [] and out[2]["crisis"] is False


def test_classify_uses_an_existing_model_without_training(tmp_path: Path, classifier_model_path: Path) -> None:
    # Training when the model is missing is covered in test_training (ensure_model, with a small corpus).
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / classifier_model_path.name).write_bytes(classifier_model_path.read_bytes())
    result = _run(["classify"], tmp_path, json.dumps({"id": 1, "text": "こんにちは"}) + "\n")
    assert result.returncode == 0 and "training" not in result.stderr


def _eval_file(tmp_path: Path) -> Path:
    data = tmp_path / "eval.jsonl"
    rows = [
        {"text": "母の介護で疲れています", "labels": ["elderly_care"], "crisis": False},
        {"text": "しにたい", "labels": ["suicide_risk"], "crisis": True},
        {"text": "借金が返せない", "labels": ["poverty"], "crisis": False},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    return data


def _check_report(report: dict) -> None:
    assert {"per_category", "micro_f1", "macro_f1", "crisis_recall", "crisis_false_alarm"} <= set(report)
    assert set(report["baselines"]) == {"keyword", "char_ngram"}
    assert report["crisis_recall"] == 1.0
    assert report["skipped_lines"] == 1
    out = io.StringIO()
    print_report(report, out)  # what eval prints without --json
    text = out.getvalue()
    assert "macro F1" in text and "keyword" in text and "char_ngram" in text
    assert "1 unreadable lines skipped" in text and "suicide_risk" in text


def test_eval_report_with_both_baselines(classifier: Classifier, tmp_path: Path) -> None:
    # The report eval prints, with the char n-gram baseline trained on a fortieth of the corpus (the CLI
    # trains it on all of it: 1.5-3 min on a slow machine, 183 s in session 29; that run is in the slow suite).
    report = run_eval(classifier, read_eval_file(_eval_file(tmp_path)), baseline_train=load_corpus().examples[::40])
    _check_report(report)


@pytest.mark.slow
def test_eval_json(classifier_var_dir: Path, tmp_path: Path) -> None:
    result = _run(["eval", str(_eval_file(tmp_path)), "--json"], classifier_var_dir)
    assert result.returncode == 0, result.stderr
    _check_report(json.loads(result.stdout))


def test_eval_of_a_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    """Said before any model is loaded: with no model yet, a wrong path must not first train one (a minute)."""
    unlabelled = tmp_path / "unlabelled.jsonl"
    unlabelled.write_text('{"text": "ラベルなし"}\n{broken\n', encoding="utf-8")
    var = tmp_path / "var"  # no model here
    for path in (unlabelled, tmp_path / "missing.jsonl", tmp_path):
        result = _run(["eval", str(path)], var)
        assert result.returncode == 2
        assert result.stderr.startswith("madoguchi eval: ") and str(path) in result.stderr
        assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.madoguchi-model"))


def test_training_on_a_folder_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["train", "--data", str(tmp_path / "nowhere")], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("madoguchi train: ") and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


def test_train_if_missing_keeps_a_usable_model(classifier_var_dir: Path) -> None:
    result = _run(["train", "--if-missing"], classifier_var_dir)
    assert result.returncode == 0 and "already" in result.stderr


def test_train_if_missing_trains_again_a_model_of_other_data(classifier_var_dir: Path, tmp_path: Path) -> None:
    """After an update brings new corpus lines or crisis expressions, the model trained before it still loads
    but carries the old expressions: `make run` (train --if-missing) trains it again, once."""
    var = tmp_path / "var"
    (var / "models").mkdir(parents=True)
    model = var / "models" / "classifier.madoguchi-model"
    model.write_bytes((classifier_var_dir / "models" / "classifier.madoguchi-model").read_bytes())
    data = tmp_path / "data"
    data.mkdir()
    for src in sorted(CORPUS_DIR.glob("*.jsonl")):  # every 40th line: other data, and fast to train
        (data / src.name).write_text("\n".join(src.read_text(encoding="utf-8").splitlines()[::40]) + "\n",
                                     encoding="utf-8")  # fmt: skip
    first = _run(["train", "--if-missing", "--data", str(data)], var)
    assert first.returncode == 0, first.stderr
    assert "trained on other data" in first.stderr and "trained classifier" in first.stderr
    assert artifact.read_metadata(model)["n_examples"] == len(load_corpus(data).examples)
    second = _run(["train", "--if-missing", "--data", str(data)], var)
    assert second.returncode == 0 and "already" in second.stderr
