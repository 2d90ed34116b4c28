"""The training corpus: valid, large and varied enough (issue 3), and no line a near-copy of another."""

import json
import math
import unicodedata
from collections import Counter

from madoguchi.classifier.corpus import CORPUS_DIR, INTENTS_FILE, load_corpus
from madoguchi.classifier.labels import CATEGORIES, CRISIS_CATEGORIES, CRISIS_KINDS, INTENTS

NEAR_DUPLICATE = 0.7  # character-bigram Jaccard similarity


def _rows() -> list[dict]:
    rows = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        if path.name == INTENTS_FILE:
            continue
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def test_every_line_is_valid() -> None:
    corpus = load_corpus()
    assert corpus.skipped == []
    for row in _rows():
        labels = row["labels"]
        assert 1 <= len(labels) <= 3 and len(set(labels)) == len(labels)
        assert set(labels) <= set(CATEGORIES)
        assert isinstance(row["crisis"], bool)
        if set(labels) & CRISIS_CATEGORIES:
            assert row["crisis"], row["text"]
        if row["crisis"]:
            assert row["crisis_kinds"] and set(row["crisis_kinds"]) <= set(CRISIS_KINDS)
    assert {i.intent for i in corpus.intents} == set(INTENTS)


def test_size_and_balance() -> None:
    rows = _rows()
    assert len(rows) >= 2500
    counts = Counter(label for r in rows for label in r["labels"])
    assert all(counts[c] >= 100 for c in CATEGORIES), counts
    multi = sum(len(r["labels"]) > 1 for r in rows) / len(rows)
    assert 0.25 <= multi <= 0.5, multi  # about a third
    crisis = sum(r["crisis"] for r in rows) / len(rows)
    assert 0.10 <= crisis <= 0.22, crisis  # about 15 %
    assert sum(bool(r.get("hard_negative")) for r in rows) >= 50


def _bigrams(text: str) -> set[str]:
    t = unicodedata.normalize("NFKC", text).lower().replace(" ", "")
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def test_no_near_duplicates() -> None:
    """Prefix filtering: two sets with Jaccard > t share one of their rarest |A| - ceil(t|A|) + 1 bigrams."""
    texts = [r["text"] for r in _rows()]
    sets = [_bigrams(t) for t in texts]
    df = Counter(g for s in sets for g in s)
    index: dict[str, list[int]] = {}
    found = []
    for i, s in enumerate(sets):
        ordered = sorted(s, key=lambda g: (df[g], g))
        prefix = ordered[: len(s) - math.ceil(NEAR_DUPLICATE * len(s)) + 1]
        candidates = {j for g in prefix for j in index.get(g, ())}
        for j in candidates:
            other = sets[j]
            if min(len(s), len(other)) / max(len(s), len(other)) <= NEAR_DUPLICATE:
                continue
            if len(s & other) / len(s | other) > NEAR_DUPLICATE:
                found.append((texts[j], texts[i]))
        for g in prefix:
            index.setdefault(g, []).append(i)
    assert found == [], found[:10]
