"""Features: Sudachi normalized forms (word channel) plus character n-grams (char channel).

The word channel makes spelling variants meet (子供/子ども/こども); the char channel survives what Sudachi
cuts badly: typos, hiragana-only lines, dialect endings, half-words ("ひきこ", "しにた"). Both are TF-IDF
weighted (sublinear tf), each channel L2-normalised and scaled, so one long message does not drown out
a short one and neither channel dominates.

The vectorizer is plain Python and numpy (no scikit-learn object at prediction time): a dictionary lookup
per feature string, so that one message costs a few microseconds beyond tokenisation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp

from madoguchi.classifier.normalize import emojis, fold_kana, normalize
from madoguchi.classifier.tokenizer import get_tokenizer

CHAR_NGRAMS = (1, 2, 3)
WORD_BIGRAMS = True


@dataclass(frozen=True)
class Analyzed:
    """One message after normalisation, as the model and the crisis rules read it."""

    text: str  # normalised
    folded: str  # normalised, katakana folded to hiragana (char channel)
    words: tuple[str, ...]  # Sudachi normalized forms, POS-filtered (word channel)
    lemmas: str  # all normalized forms joined, folded, without "ー" (crisis rules)


def analyze(raw: str) -> Analyzed:
    return analyze_normalized(normalize(raw))


def analyze_normalized(text: str) -> Analyzed:
    all_forms, kept = get_tokenizer().forms(text)
    return Analyzed(
        text=text,
        folded=fold_kana(text),
        words=tuple(kept),
        lemmas=fold_kana("".join(all_forms)).replace("ー", ""),
    )


def word_features(a: Analyzed) -> list[str]:
    feats = list(a.words)
    if WORD_BIGRAMS and len(feats) > 1:
        feats.extend(map(_join_pair, feats[:-1], feats[1:]))
    feats.extend("emoji:" + e for e in emojis(a.text))
    return feats


def _join_pair(x: str, y: str) -> str:
    return x + " " + y


def _join3(a: str, b: str, c: str) -> str:
    return a + b + c


def char_features(a: Analyzed) -> list[str]:
    s = a.folded.replace(" ", "")
    out: list[str] = []
    for k in CHAR_NGRAMS:
        if k == 1:
            out.extend(s)
        elif k == 2:
            out.extend(map(str.__add__, s[:-1], s[1:]))
        elif k == 3:
            out.extend(map(_join3, s[:-2], s[1:-1], s[2:]))
        else:
            out.extend(s[i : i + k] for i in range(len(s) - k + 1))
    return out


Terms = tuple[list[str], list[str]]


def doc_terms(a: Analyzed) -> Terms:
    """(word channel terms, char channel terms) of one message."""
    return word_features(a), char_features(a)


class Vectorizer:
    """Two-channel TF-IDF with a vocabulary fitted on training texts (min_df filters one-off noise)."""

    def __init__(self, *, word_weight: float = 1.0, char_weight: float = 1.0, min_df: int = 2) -> None:
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.min_df = min_df
        self.word_vocab: dict[str, int] = {}
        self.char_vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_vocab)

    def fit(self, docs: Sequence[Analyzed], terms: Sequence[Terms] | None = None) -> Vectorizer:
        terms = terms if terms is not None else [doc_terms(d) for d in docs]
        n_docs = len(terms)
        dfs: list[Counter[str]] = [Counter(), Counter()]
        for pair in terms:
            for df, channel in zip(dfs, pair, strict=True):
                df.update(set(channel))
        wdf, cdf = dfs
        words = sorted(t for t, count in wdf.items() if count >= self.min_df)
        chars = sorted(t for t, count in cdf.items() if count >= self.min_df)
        self.word_vocab = {t: i for i, t in enumerate(words)}
        offset = len(words)
        self.char_vocab = {t: offset + i for i, t in enumerate(chars)}
        idf = [math.log((1 + n_docs) / (1 + wdf[t])) + 1 for t in words]
        idf += [math.log((1 + n_docs) / (1 + cdf[t])) + 1 for t in chars]
        self.idf = np.asarray(idf, dtype=np.float32)
        return self

    def feature_names(self) -> list[str]:
        names = [""] * self.n_features
        for t, i in self.word_vocab.items():
            names[i] = t
        for t, i in self.char_vocab.items():
            names[i] = f"「{t}」"
        return names

    def _row(self, terms: Terms) -> tuple[np.ndarray, np.ndarray]:
        # C-level lookups and numpy counting: a few tens of microseconds for a LINE-sized message.
        words, chars = terms
        n = len(words) + len(chars)
        found = np.fromiter(
            chain(map(self.word_vocab.get, words, repeat(-1)), map(self.char_vocab.get, chars, repeat(-1))),
            dtype=np.int64,
            count=n,
        )
        idx, counts = np.unique(found, return_counts=True)
        if len(idx) and idx[0] < 0:
            idx, counts = idx[1:], counts[1:]
        if not len(idx):
            return idx, np.zeros(0, np.float32)
        vals = (1.0 + np.log(counts.astype(np.float32))) * self.idf[idx]
        nw = int(np.searchsorted(idx, len(self.word_vocab)))
        for part, weight in ((vals[:nw], self.word_weight), (vals[nw:], self.char_weight)):
            if len(part):
                part *= weight / math.sqrt(float(part @ part))
        return idx, vals

    def transform_one(self, a: Analyzed) -> tuple[np.ndarray, np.ndarray]:
        """Sparse row as (indices, values): what the stacked weight matrix multiplies."""
        return self.transform_terms(doc_terms(a))

    def transform_terms(self, terms: Terms) -> tuple[np.ndarray, np.ndarray]:
        return self._row(terms)

    def transform(self, docs: Iterable[Analyzed], terms: Iterable[Terms] | None = None) -> sp.csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for t in terms if terms is not None else (doc_terms(d) for d in docs):
            i, v = self.transform_terms(t)
            indices.append(i)
            data.append(v)
            indptr.append(indptr[-1] + len(i))
        n = len(indptr) - 1
        return sp.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0, np.float32),
                np.concatenate(indices) if indices else np.zeros(0, np.int64),
                np.asarray(indptr),
            ),
            shape=(n, self.n_features),
            dtype=np.float32,
        )

    def state(self) -> dict:
        return {
            "word_weight": self.word_weight,
            "char_weight": self.char_weight,
            "min_df": self.min_df,
            "word_vocab": self.word_vocab,
            "char_vocab": self.char_vocab,
            "idf": self.idf,
        }

    @classmethod
    def from_state(cls, state: dict) -> Vectorizer:
        v = cls(word_weight=state["word_weight"], char_weight=state["char_weight"], min_df=state["min_df"])
        v.word_vocab = state["word_vocab"]
        v.char_vocab = state["char_vocab"]
        v.idf = state["idf"]
        return v
