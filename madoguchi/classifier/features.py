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
from itertools import pairwise, repeat

import numpy as np
import scipy.sparse as sp

from madoguchi.classifier.ngrams import code_to_text, lookup, ngram_codes
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
        feats.extend([x + " " + y for x, y in pairwise(feats)])
    feats.extend("emoji:" + e for e in emojis(a.text))
    return feats


def char_features(a: Analyzed) -> np.ndarray:
    """Integer codes of the character n-grams of the folded text (see ngrams.py)."""
    return ngram_codes(a.folded.replace(" ", ""), CHAR_NGRAMS)


Terms = tuple[list[str], np.ndarray]


def doc_terms(a: Analyzed) -> Terms:
    """(word channel terms, char channel terms) of one message."""
    return word_features(a), char_features(a)


class Vectorizer:
    """Two-channel TF-IDF with a vocabulary fitted on training texts (min_df filters one-off noise).

    Feature indices: word terms first (0..len(word_vocab)-1, sorted), then char n-gram codes (sorted).
    """

    def __init__(self, *, word_weight: float = 1.0, char_weight: float = 1.0, min_df: int = 2) -> None:
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.min_df = min_df
        self.word_vocab: dict[str, int] = {}
        self.char_codes = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0, dtype=np.float32)

    @property
    def n_features(self) -> int:
        return len(self.word_vocab) + len(self.char_codes)

    def fit(self, docs: Sequence[Analyzed], terms: Sequence[Terms] | None = None) -> Vectorizer:
        terms = terms if terms is not None else [doc_terms(d) for d in docs]
        n_docs = len(terms)
        wdf: Counter[str] = Counter()
        for words, _ in terms:
            wdf.update(set(words))
        words = sorted(t for t, count in wdf.items() if count >= self.min_df)
        per_doc = [np.unique(codes) for _, codes in terms]
        all_codes = np.concatenate(per_doc) if per_doc else np.zeros(0, dtype=np.int64)
        codes, cdf = np.unique(all_codes, return_counts=True)
        keep = cdf >= self.min_df
        self.word_vocab = {t: i for i, t in enumerate(words)}
        self.char_codes = codes[keep].astype(np.int64)
        widf = np.asarray([math.log((1 + n_docs) / (1 + wdf[t])) + 1 for t in words], dtype=np.float32)
        cidf = (np.log((1 + n_docs) / (1 + cdf[keep])) + 1).astype(np.float32)
        self.idf = np.concatenate([widf, cidf])
        return self

    def feature_names(self) -> list[str]:
        names = [""] * len(self.word_vocab)
        for t, i in self.word_vocab.items():
            names[i] = t
        return names + [f"「{code_to_text(int(c))}」" for c in self.char_codes]

    def _row(self, terms: Terms) -> tuple[np.ndarray, np.ndarray]:
        # C-level lookups and numpy counting: a few tens of microseconds for a LINE-sized message.
        words, codes = terms
        word_idx = np.fromiter(map(self.word_vocab.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        pos, _ = lookup(self.char_codes, codes)
        found = np.concatenate([word_idx[word_idx >= 0], pos + len(self.word_vocab)])
        if not len(found):
            return found, np.zeros(0, np.float32)
        idx, counts = np.unique(found, return_counts=True)
        vals = (1.0 + np.log(counts.astype(np.float32))) * self.idf[idx]
        nw = int(np.searchsorted(idx, len(self.word_vocab)))
        for part, weight in ((vals[:nw], self.word_weight), (vals[nw:], self.char_weight)):
            if len(part):
                part *= weight / math.sqrt(float(part @ part))
        return idx, vals

    def transform_one(self, a: Analyzed) -> tuple[np.ndarray, np.ndarray]:
        """Sparse row as (indices, values): what the stacked weight matrix multiplies."""
        return self._row(doc_terms(a))

    def transform_terms(self, terms: Terms) -> tuple[np.ndarray, np.ndarray]:
        return self._row(terms)

    def transform(self, docs: Iterable[Analyzed], terms: Iterable[Terms] | None = None) -> sp.csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for t in terms if terms is not None else (doc_terms(d) for d in docs):
            i, v = self._row(t)
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

    def transform_batch(self, docs: Sequence[Analyzed]) -> sp.csr_matrix:
        """The same rows as transform(), computed for the whole batch at once (numpy calls per batch,
        not per message): what makes classify_many fast."""
        n_docs = len(docs)
        n_words = len(self.word_vocab)
        # Word channel: one lookup pass over every message's terms.
        word_lists = [word_features(d) for d in docs]
        lengths = np.fromiter(map(len, word_lists), dtype=np.int64, count=n_docs)
        total = int(lengths.sum())
        word_idx = np.fromiter(
            map(self.word_vocab.get, (t for ws in word_lists for t in ws), repeat(-1)), dtype=np.int64, count=total
        )
        word_doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        keep = word_idx >= 0
        # Char channel: all messages joined by NUL (normalised text has none); n-grams spanning one dropped.
        joined = "\0".join(d.folded.replace(" ", "") for d in docs)
        a = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        doc_of = np.cumsum(a == 0)
        codes, where = [], []
        if 1 in CHAR_NGRAMS:
            ok = a != 0
            codes.append(a[ok])
            where.append(doc_of[ok])
        if len(a) > 1:
            bi = (a[:-1] << 21) | a[1:]
            ok2 = (a[:-1] != 0) & (a[1:] != 0)
            if 2 in CHAR_NGRAMS:
                codes.append(bi[ok2])
                where.append(doc_of[:-1][ok2])
            if 3 in CHAR_NGRAMS and len(a) > 2:
                ok3 = ok2[:-1] & (a[2:] != 0)
                codes.append(((bi[:-1] << 21) | a[2:])[ok3])
                where.append(doc_of[:-2][ok3])
        all_codes = np.concatenate(codes) if codes else np.zeros(0, np.int64)
        all_where = np.concatenate(where) if where else np.zeros(0, np.int64)
        pos, found = lookup(self.char_codes, all_codes)
        feat = np.concatenate([word_idx[keep], pos + n_words])
        doc = np.concatenate([word_doc[keep], all_where[found]])
        n_feat = self.n_features
        # Counting (message, feature) pairs through scipy's CSR construction (duplicates summed per row)
        # is cheaper than one global sort of all pairs.
        counts_m = sp.csr_matrix(
            (np.ones(len(feat), dtype=np.float32), (doc, feat)), shape=(n_docs, n_feat), dtype=np.float32
        )
        counts_m.sum_duplicates()
        col = counts_m.indices.astype(np.int64, copy=False)
        indptr = counts_m.indptr
        row = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(indptr))
        vals = (1.0 + np.log(counts_m.data)) * self.idf[col]
        channel = (col >= n_words).astype(np.int64)
        group = row * 2 + channel
        norms = np.sqrt(np.bincount(group, weights=vals.astype(np.float64) ** 2, minlength=2 * n_docs))
        weights = np.where(channel == 1, self.char_weight, self.word_weight)
        vals = (vals * weights / np.maximum(norms[group], 1e-12)).astype(np.float32)
        return sp.csr_matrix((vals, col, indptr), shape=(n_docs, n_feat), dtype=np.float32)

    def state(self) -> dict:
        return {
            "word_weight": self.word_weight,
            "char_weight": self.char_weight,
            "min_df": self.min_df,
            "word_vocab": self.word_vocab,
            "char_codes": self.char_codes,
            "idf": self.idf,
        }

    @classmethod
    def from_state(cls, state: dict) -> Vectorizer:
        v = cls(word_weight=state["word_weight"], char_weight=state["char_weight"], min_df=state["min_df"])
        v.word_vocab = state["word_vocab"]
        v.char_codes = state["char_codes"]
        v.idf = state["idf"]
        return v
