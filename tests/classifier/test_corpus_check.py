"""The check a writer runs on a new corpus file: the corpus test's rules, against the real corpus, in seconds."""

import json
from pathlib import Path

from madoguchi.classifier.corpus import load_corpus
from madoguchi.classifier.corpus_check import NearCopies, _similar, bigrams, check, main


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_near_copy_of_a_corpus_line_and_a_broken_label_are_named(tmp_path: Path) -> None:
    existing = next(e for e in load_corpus().examples if len(e.text) > 30)
    new = _write(tmp_path / "w9999-new.jsonl", [
        {"text": existing.text + "ね", "labels": list(existing.labels), "crisis": existing.crisis,
         **({"crisis_kinds": list(existing.crisis_kinds)} if existing.crisis else {})},
        {"text": "夫に殴られてあざができた。実家に帰りたい", "labels": ["abuse_violence"], "crisis": False},
        {"text": "ごみ当番の順番で町内会の人ともめて、回覧板が回ってこなくなりました",
         "labels": ["other"], "crisis": False},
    ])
    problems = check([new])
    assert any(p.startswith("w9999-new.jsonl:1: near-copy of " + existing.source) for p in problems), problems
    assert any(p.startswith("w9999-new.jsonl:2:") and "crisis true" in p for p in problems), problems
    assert not any(p.startswith("w9999-new.jsonl:3:") for p in problems), problems


def test_files_of_one_round_are_compared_with_each_other(tmp_path: Path) -> None:
    line = {"text": "回覧板が三週間うちだけ飛ばされてる気がする。町内会に聞くのも気まずい",
            "labels": ["other"], "crisis": False}
    mine = _write(tmp_path / "mine.jsonl", [line])
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    _write(round_dir / "theirs.jsonl", [{**line, "text": line["text"] + "です"}])
    small = tmp_path / "small-corpus"  # a corpus of one unrelated line
    small.mkdir()
    _write(small / "w1.jsonl", [{"text": "家賃が払えない", "labels": ["housing"], "crisis": False}])
    assert check([mine], corpus_dir=small) == []
    found = check([mine], corpus_dir=small, beside=[round_dir / "theirs.jsonl"])
    assert [p.split(": near-copy of ")[1][:14] for p in found] == ["theirs.jsonl:1"]
    assert main([str(mine), "--beside", str(round_dir)]) == 1  # against the real corpus too


def test_the_index_finds_what_comparing_every_line_finds() -> None:
    """NearCopies (integer bigram codes, prefix filter) against comparing a text with every line's bigram set,
    on corpus lines, near-copies of them and texts of none, one or two characters."""
    lines = [e.text for e in load_corpus().examples[::193]]
    lines += ["", "あ", "A", "ab", "ＡＢ", "a b", "しんどい", "しんどいね", "死にたい"]
    named = [(f"line {i}", t) for i, t in enumerate(lines)]
    index = NearCopies(named)
    queries = lines[:300] + [t + "ね" for t in lines[:300:3]] + [t[:-2] for t in lines[1:300:5]]
    queries += ["", "a", "ab", "AB", "a  b", "しんどいな", "x" * 3, "死にたい。"]
    sets = [bigrams(t) for t in lines]
    copies_found = 0
    for k, q in enumerate(queries):
        mine = bigrams(q)
        expected = [named[i] for i, s in enumerate(sets) if _similar(mine, s)]
        assert index.of(q) == expected, q
        copies_found += k >= 300 and bool(expected)
    assert copies_found >= 100  # the near-copies were found
