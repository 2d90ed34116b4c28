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
from pathlib import Path

import numpy as np

from madoguchi.classifier.corpus import CORPUS_DIR, NOT_JSON, json_lines, load_corpus
from madoguchi.classifier.labels import CATEGORIES, CRISIS_CATEGORIES, CRISIS_KINDS
from madoguchi.classifier.ngrams import CHAR_BITS, CHAR_MASK, distinct, lookup

NEAR_DUPLICATE = 0.7  # what tests/classifier/test_corpus.py holds the whole corpus to
_KEYS = {"text", "labels", "crisis", "crisis_kinds", "hard_negative"}


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams the corpus test compares (NFKC, lower case, without blanks)."""
    t = _cleaned(text)
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


# A bigram as an integer, as ngrams.py codes them: the first character's code point above the second's. A
# text of one character is its code point alone and an empty text _EMPTY_CODE, neither of which a pair can
# be, as bigrams() makes each of them its own one-element set.
_EMPTY_CODE = CHAR_MASK  # above every code point (0x10FFFF)


def _cleaned(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


def bigram_codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """bigrams() of every text as integer codes: the distinct (text number, code) pairs, sorted by text and
    then code, as two arrays. One numpy pass over the texts joined, instead of a set of strings per text."""
    cleaned = [_cleaned(t) for t in texts]
    lengths = np.fromiter(map(len, cleaned), dtype=np.int64, count=len(cleaned))
    chars = np.frombuffer("".join(cleaned).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(len(cleaned), dtype=np.int64), lengths)
    # Pairs of neighbouring characters of the same text: a pair ends where the next text starts.
    inside = owner[:-1] == owner[1:]
    pair_owner = owner[:-1][inside]
    pair_code = (chars[:-1][inside] << CHAR_BITS) | chars[1:][inside]
    short = np.flatnonzero(lengths <= 1)
    short_code = np.full(len(short), _EMPTY_CODE, dtype=np.int64)
    single = lengths[short] == 1
    short_code[single] = chars[np.cumsum(lengths)[short[single]] - 1]
    keys = np.concatenate([pair_owner, short]) << (2 * CHAR_BITS) | np.concatenate([pair_code, short_code])
    keys = distinct(keys)
    return keys >> (2 * CHAR_BITS), keys & ((1 << (2 * CHAR_BITS)) - 1)


class NearCopies:
    """The corpus's lines indexed by bigram, for finding the near-copies of a few new lines.

    A line above the threshold shares at least one of a new line's |x| - ceil(t|x|) + 1 rarest bigrams
    (the prefix filter of the corpus test's search, on one side only), so only the lines listed under those
    are compared in full. Bigrams are integer codes in numpy arrays (bigram_codes): a set of strings per line
    and a Python list per bigram took 12 s to index the 141,607 lines on a slow machine, and 25 ms a line
    to search."""

    def __init__(self, named_texts: list[tuple[str, str]]) -> None:
        self.named = named_texts
        owner, codes = bigram_codes([t for _, t in named_texts])
        # Each line's codes (sorted, by line), and the lines of each code (by code, then line).
        self.line_codes = codes
        self.line_start = np.searchsorted(owner, np.arange(len(named_texts) + 1))
        by_code = np.lexsort((owner, codes))
        self.posting_lines = owner[by_code]
        sorted_codes = codes[by_code]
        self.posting_start = np.flatnonzero(np.diff(sorted_codes, prepend=-1))  # codes are not negative
        self.vocabulary = sorted_codes[self.posting_start]
        self.df = np.diff(np.append(self.posting_start, len(codes)))

    def of(self, text: str) -> list[tuple[str, str]]:
        """(name, text) of every indexed line whose similarity to `text` is above NEAR_DUPLICATE."""
        codes = bigram_codes([text])[1]
        found_at, known = lookup(self.vocabulary, codes)
        at, df = np.zeros(len(codes), dtype=np.int64), np.zeros(len(codes), dtype=np.int64)
        at[known], df[known] = found_at, self.df[found_at]
        rarest = np.lexsort((codes, df))[: len(codes) - math.ceil(NEAR_DUPLICATE * len(codes)) + 1]
        rarest = rarest[known[rarest]]
        if not len(rarest):
            return []
        candidates = distinct(self.posting_lines[_ranges(self.posting_start[at[rarest]], self.df[at[rarest]])])
        # Only lines of a size the similarity allows are compared (|y| / |x| between t and 1 / t).
        sizes = self.line_start[candidates + 1] - self.line_start[candidates]
        fits = (sizes >= NEAR_DUPLICATE * len(codes)) & (sizes * NEAR_DUPLICATE <= len(codes))
        candidates, sizes = candidates[fits], sizes[fits]
        # Jaccard similarity from the shared codes (this text's codes are sorted: a binary search each).
        theirs = self.line_codes[_ranges(self.line_start[candidates], sizes)]
        shared = np.bincount(np.repeat(np.arange(len(candidates)), sizes), weights=lookup(codes, theirs)[1],
                             minlength=len(candidates))  # fmt: skip
        similar = shared / (len(codes) + sizes - shared) > NEAR_DUPLICATE
        return [self.named[i] for i in candidates[similar].tolist()]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of every (start, length), one after another."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(int(ends[-1]) if len(ends) else 0)


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
        sets = [bigrams(text) for _, text in mine]
        for k, (n, text) in enumerate(mine):
            for name, copy in index.of(text) + others.of(text):
                problems.append(f"{p.name}:{n}: near-copy of {name}: {copy}")
            problems += [
                f"{p.name}:{n}: near-copy of line {m}: {t}"
                for (m, t), s in zip(mine[:k], sets[:k], strict=True)
                if _similar(sets[k], s)
            ]
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
