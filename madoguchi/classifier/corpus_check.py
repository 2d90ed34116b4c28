"""Check a new corpus file before it lands: the format and labelling rules the corpus test holds, and no line a
near-copy (character-bigram Jaccard similarity above 0.7) of a line in the corpus, in the other new files
beside it, or in the file itself.

    python -m madoguchi.classifier.corpus_check NEW.jsonl [...] [--beside DIR]

--beside DIR: the other new files of the same round (every *.jsonl there but the ones checked), compared
with but not checked themselves.

The corpus test (tests/classifier/test_corpus.py) searches every pair of the whole corpus, which takes
minutes; a writer adding 300 lines needs only their lines against the rest, in seconds, and every time they
revise. Exit code 0 when every file is clean. See data/WRITING-BRIEF.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from madoguchi.classifier.corpus import CORPUS_DIR, NOT_JSON, json_lines, load_corpus
from madoguchi.classifier.labels import CATEGORIES, CRISIS_CATEGORIES, CRISIS_KINDS

NEAR_DUPLICATE = 0.7  # what tests/classifier/test_corpus.py holds the whole corpus to
_KEYS = {"text", "labels", "crisis", "crisis_kinds", "hard_negative"}


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams the corpus test compares (NFKC, lower case, without blanks)."""
    t = unicodedata.normalize("NFKC", text).lower().replace(" ", "")
    return frozenset(t[i : i + 2] for i in range(len(t) - 1)) or frozenset([t])


def line_problems(row: object) -> list[str]:
    """What is wrong with one parsed line, by the corpus's rules (empty when nothing is)."""
    if not isinstance(row, dict):
        return ["not a JSON object"]
    out = []
    text, labels, crisis, kinds = row.get("text"), row.get("labels"), row.get("crisis"), row.get("crisis_kinds")
    if not isinstance(text, str) or not text.strip():
        out.append("text missing or empty")
    if set(row) - _KEYS:
        out.append(f"unknown keys {sorted(set(row) - _KEYS)}")
    if not isinstance(labels, list) or not 1 <= len(labels) <= 3 or len(set(labels)) != len(labels):
        out.append("labels must be one to three distinct category ids")
    elif not set(labels) <= set(CATEGORIES):
        out.append(f"unknown labels {sorted(set(labels) - set(CATEGORIES))}")
    if not isinstance(crisis, bool):
        return [*out, "crisis must be true or false"]
    if isinstance(labels, list) and set(labels) & CRISIS_CATEGORIES and not crisis:
        out.append("a suicide_risk or abuse_violence label needs crisis true")
    if crisis and (not isinstance(kinds, list) or not kinds or not set(kinds) <= set(CRISIS_KINDS)):
        out.append(f"a crisis needs crisis_kinds from {sorted(CRISIS_KINDS)}")
    if not crisis and kinds:
        out.append("crisis_kinds on a line that is not a crisis")
    if "hard_negative" in row and not isinstance(row["hard_negative"], bool):
        out.append("hard_negative must be true or false")
    elif row.get("hard_negative") and crisis:
        out.append("a crisis cannot be a hard negative")
    return out


class NearCopies:
    """The corpus's lines indexed by bigram, for finding the near-copies of a few new lines.

    A line above the threshold shares at least one of a new line's |x| - ceil(t|x|) + 1 rarest bigrams
    (the prefix filter of the corpus test's search, on one side only), so only the lines listed under those
    are compared in full."""

    def __init__(self, named_texts: list[tuple[str, str]]) -> None:
        self.named = named_texts
        self.sets = [bigrams(t) for _, t in named_texts]
        self.df = Counter(g for s in self.sets for g in s)
        self.lines: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(self.sets):
            for g in s:
                self.lines[g].append(i)

    def of(self, text: str) -> list[tuple[str, str]]:
        """(name, text) of every indexed line whose similarity to `text` is above NEAR_DUPLICATE."""
        s = bigrams(text)
        rarest = sorted(s, key=lambda g: (self.df.get(g, 0), g))[: len(s) - math.ceil(NEAR_DUPLICATE * len(s)) + 1]
        candidates = {i for g in rarest for i in self.lines.get(g, ())}
        return [self.named[i] for i in sorted(candidates) if _similar(s, self.sets[i])]


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a & b) / len(a | b) > NEAR_DUPLICATE


def _read(path: Path) -> list[tuple[int, object]]:
    return json_lines(path.read_text(encoding="utf-8"))


def _texts(rows: list[tuple[int, object]]) -> list[tuple[int, str]]:
    return [(n, r["text"]) for n, r in rows if isinstance(r, dict) and isinstance(r.get("text"), str)]


def check(paths: list[Path], corpus_dir: Path = CORPUS_DIR, beside: list[Path] | None = None) -> list[str]:
    """Every problem of the new files `paths`, each as "file:line: what" (empty when all are clean); the
    files `beside` are compared with them too. Lines of the corpus with the same file name as a new file
    are left out (a file being revised in place)."""
    beside = [q for q in beside or [] if q.name not in {p.name for p in paths}]
    new = {p.name: _read(p) for p in [*paths, *beside]}
    corpus = [(f"{e.source}.jsonl", e.text) for e in load_corpus(corpus_dir).examples if f"{e.source}.jsonl" not in new]
    index = NearCopies(corpus)
    problems = []
    for p in paths:
        rows = new[p.name]
        for n, row in rows:
            found = line_problems(row) if row is not NOT_JSON else ["not JSON"]
            problems += [f"{p.name}:{n}: {what}" for what in found]
        others = NearCopies(
            [(f"{q.name}:{m}", t) for q in [*paths, *beside] if q.name != p.name for m, t in _texts(new[q.name])]
        )
        mine = _texts(rows)
        for k, (n, text) in enumerate(mine):
            for name, copy in index.of(text) + others.of(text):
                problems.append(f"{p.name}:{n}: near-copy of {name}: {copy}")
            s = bigrams(text)
            problems += [f"{p.name}:{n}: near-copy of line {m}: {t}" for m, t in mine[:k] if _similar(s, bigrams(t))]
    return problems


def summary(path: Path) -> str:
    rows = [r for _, r in _read(path) if isinstance(r, dict)]
    n = max(1, len(rows))
    crises = sum(r.get("crisis") is True for r in rows)
    multi = sum(isinstance(r.get("labels"), list) and len(r["labels"]) > 1 for r in rows)
    hard = sum(r.get("hard_negative") is True for r in rows)
    return (f"{path.name}: {len(rows)} lines, {crises} crises ({crises / n:.0%}), {multi} with two or three "
            f"labels ({multi / n:.0%}), {hard} hard negatives ({hard / n:.0%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m madoguchi.classifier.corpus_check", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--beside", type=Path, help="folder of this round's other new files")
    args = parser.parse_args(argv)
    for p in args.files:
        print(summary(p))
    beside = sorted(args.beside.glob("*.jsonl")) if args.beside else []
    problems = check(args.files, beside=beside)
    for line in problems:
        print(line)
    print("OK" if not problems else f"{len(problems)} problems")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
