"""Curated crisis expressions and hard negatives (data/crisis_expressions.yml).

The model's crisis signal misses what the corpus never said; these families catch the ways people say
it directly and indirectly (消えたい, 薬を集めている, 足音がすると震える), in kanji, hiragana and katakana,
and the common English ones. A match is a crisis whatever the model says. Hard negatives
(死ぬほど忙しい, 殺虫剤) are cut out of the message before the rules and the crisis signal read it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml

from madoguchi.classifier.ngrams import lookup, ngram_codes, text_to_code
from madoguchi.classifier.normalize import fold_kana

EXPRESSIONS_FILE = Path(__file__).parent / "data" / "crisis_expressions.yml"


def rule_view(normalized: str) -> str:
    """What patterns are matched against: katakana folded to hiragana, long-vowel marks removed."""
    return fold_kana(normalized).replace("ー", "")


def _compile_pattern(pattern: str) -> str:
    # Patterns are written in hiragana; fold anything else the same way the text is folded.
    return rule_view(pattern)


class PatternSet:
    """Many regexes, each run only when the message contains a two-character prefix it can start with.

    One big alternation makes the regex engine try every pattern at every position (~0.5 ms a message);
    indexing patterns by their possible prefixes keeps the rules at a few tens of microseconds.
    """

    def __init__(self, patterns: list[str]) -> None:
        # Multi-line: the views of a message are searched as one string, one view per line (see CrisisRules).
        self.regexes = [re.compile(p, re.MULTILINE) for p in patterns]
        self.always: list[int] = []
        self.by_prefix: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            prefixes = _prefixes(sre_parse.parse(p))
            if prefixes is None:
                first, nullable = _first_chars(sre_parse.parse(p))
                prefixes = None if first is None or nullable else first
            if prefixes is None:
                self.always.append(i)
                continue
            for prefix in prefixes:
                self.by_prefix.setdefault(prefix, []).append(i)
        self.has_single = any(len(p) == 1 for p in self.by_prefix)

        self._codes = np.asarray(sorted(text_to_code(p) for p in self.by_prefix), dtype=np.int64)
        self._ids = {text_to_code(p): ids for p, ids in self.by_prefix.items()}
        self._sizes = (1, 2) if self.has_single else (2,)
        self._always_sorted = sorted(self.always)
        rows, cols = [], []
        for k, code in enumerate(self._codes.tolist()):
            for i in self._ids[code]:
                rows.append(k)
                cols.append(i)
        self._incidence = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(self._codes), len(patterns))
        )

    def candidates(self, *views: str) -> list[int]:
        found = set(self.always)
        for v in views:
            pos, _ = lookup(self._codes, ngram_codes(v, self._sizes))
            for code in set(self._codes[pos].tolist()):
                found.update(self._ids[code])
        return sorted(found)

    def candidates_many(self, views: Sequence[Sequence[str]]) -> list[list[int]]:
        """candidates() for many messages at once (each a tuple of views), numpy calls per batch."""
        n = len(views)
        if n <= _SMALL_BATCH:
            # Building two sparse matrices costs more than it saves for a message or two (the webhook).
            return [self.candidates(*vs) for vs in views]
        flat = [v.replace("\0", "") for vs in views for v in vs]
        owner = np.repeat(np.arange(n, dtype=np.int64), [len(vs) for vs in views])
        a = np.frombuffer("\0".join(flat).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        view_of = np.cumsum(a == 0)
        codes, where = [], []
        if 1 in self._sizes:
            ok = a != 0
            codes.append(a[ok])
            where.append(view_of[ok])
        if len(a) > 1:
            ok2 = (a[:-1] != 0) & (a[1:] != 0)
            codes.append(((a[:-1] << 21) | a[1:])[ok2])
            where.append(view_of[:-1][ok2])
        if not codes or not len(self._codes):
            return [list(self._always_sorted) for _ in range(n)]
        all_codes = np.concatenate(codes)
        pos, found = lookup(self._codes, all_codes)
        docs = owner[np.concatenate(where)[found]] if len(owner) else np.zeros(0, np.int64)
        # Which prefixes each message has (a 0/1 matrix) times which patterns each prefix can start
        # (another): the non-zeros are the candidate patterns, with no Python loop over prefixes.
        present = sp.csr_matrix(
            (np.ones(len(docs), dtype=np.int32), (docs, pos)), shape=(n, len(self._codes))
        )
        present.sum_duplicates()
        hits = (present @ self._incidence).tocsr()
        hits.sort_indices()
        indices, indptr = hits.indices.tolist(), hits.indptr.tolist()
        if self.always:
            return [sorted(set(indices[indptr[i] : indptr[i + 1]]).union(self.always)) for i in range(n)]
        return [indices[indptr[i] : indptr[i + 1]] for i in range(n)]


_PREFIX_LEN = 2
_SMALL_BATCH = 4
_MAX_PREFIXES = 400


def _expansions(items: Any) -> set[str] | None:
    """Every string a purely literal sequence can match (alternatives, optional groups), else None."""
    out = {""}
    for op, av in items:
        if op is sre_constants.LITERAL:
            alts = {chr(av)}
        elif op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in av):
            alts = {chr(a) for _, a in av}
        elif op is sre_constants.SUBPATTERN:
            alts = _expansions(av[-1])
        elif op is sre_constants.BRANCH:
            alts = set()
            for branch in av[1]:
                b = _expansions(branch)
                if b is None:
                    return None
                alts |= b
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            alts = {""}  # zero-width: (?<![a-z])dv still starts with "dv"
        elif op is sre_constants.MAX_REPEAT and av[0] == 0 and av[1] == 1:
            sub = _expansions(av[2])
            alts = None if sub is None else sub | {""}
        else:
            return None
        if alts is None:
            return None
        out = {(a + b)[: _PREFIX_LEN * 8] for a in out for b in alts}
        if len(out) > _MAX_PREFIXES:
            return None
    return out


def _prefixes(items: Any) -> set[str] | None:
    """Two-character (or, for one-character patterns, one-character) prefixes every match starts with."""
    if len(items) == 1 and items[0][0] is sre_constants.BRANCH:
        # A top-level alternation: the union of its branches' prefixes (None if any branch has none).
        union: set[str] = set()
        for branch in items[0][1][1]:
            sub = _prefixes(branch)
            if sub is None:
                first, nullable = _first_chars(branch)
                sub = None if first is None or nullable else first
            if sub is None:
                return None
            union |= sub
        return union
    partial = {""}
    done: set[str] = set()
    for op, av in items:
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        alts = _expansions([(op, av)])
        if alts is None:
            break
        grown = set()
        for a in partial:
            for b in alts:
                t = (a + b)[:_PREFIX_LEN]
                (done if len(t) == _PREFIX_LEN else grown).add(t)
        partial = grown
        if not partial or len(done) + len(partial) > _MAX_PREFIXES:
            break
    if len(done) + len(partial) > _MAX_PREFIXES or "" in partial:
        return None
    return done | partial


def _first_chars(items: Any) -> tuple[set[str] | None, bool]:
    """(characters a match can start with or None for "any", whether the sequence can match empty)."""
    out: set[str] = set()
    for op, av in items:
        if op is sre_constants.LITERAL:
            out.add(chr(av))
            return out, False
        if op is sre_constants.IN:
            for sub_op, sub_av in av:
                if sub_op is not sre_constants.LITERAL:
                    return None, False
                out.add(chr(sub_av))
            return out, False
        if op is sre_constants.SUBPATTERN:
            first, nullable = _first_chars(av[-1])
        elif op is sre_constants.BRANCH:
            first, nullable = set(), False
            for branch in av[1]:
                f, n = _first_chars(branch)
                if f is None:
                    return None, False
                first |= f
                nullable = nullable or n
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            f, n = _first_chars(av[2])
            first, nullable = f, n or av[0] == 0
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        else:
            return None, False
        if first is None:
            return None, False
        out |= first
        if not nullable:
            return out, False
    return out, True


@dataclass(frozen=True)
class Family:
    id: str
    kind: str | None  # None: the family says "crisis" but not which kind; the model names it
    label: str | None
    lang: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    family: str
    kind: str | None
    label: str | None
    matched: str


class CrisisRules:
    """Compiled expression families: one combined regex per language, one for hard negatives."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.families: list[Family] = []
        patterns: list[str] = []
        self._family_of: list[int] = []
        for i, fam in enumerate(spec["families"]):
            label = fam.get("label")
            self.families.append(
                Family(
                    id=fam["id"],
                    kind=fam.get("kind"),
                    label=None if label in (None, "none") else label,
                    lang=fam.get("lang", "ja"),
                    examples=tuple(fam.get("examples", [])),
                )
            )
            for p in fam["patterns"]:
                patterns.append(_compile_pattern(p))
                self._family_of.append(i)
        self._patterns = PatternSet(patterns)
        negatives = spec.get("hard_negatives", {})
        self.hard_negative_examples = tuple(negatives.get("examples", []))
        self._negatives = PatternSet([_compile_pattern(p) for p in negatives.get("patterns", [])])

    @classmethod
    def from_file(cls, path: Path = EXPRESSIONS_FILE) -> CrisisRules:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def match(self, *views: str) -> list[Hit]:
        """Every family that matches one of the views (rule_view text, joined normalized forms).

        Japanese and English families alike: Japanese text carries English phrases, and romanised
        Japanese ("owari ni shitai") is often detected as English.
        """
        return self._match(("\n".join(views),), self._patterns.candidates(*views))

    def match_many(self, views: Sequence[Sequence[str]]) -> list[list[Hit]]:
        # The views of one message are joined line by line and searched once per candidate pattern, not
        # once per view: patterns do not cross "。" or (with ^ and $) a line end, so matches stay in one view.
        candidates = self._patterns.candidates_many(views)
        return [self._match(("\n".join(v),), c) for v, c in zip(views, candidates, strict=True)]

    def _match(self, views: Sequence[str], candidates: list[int]) -> list[Hit]:
        hits: dict[str, Hit] = {}
        regexes = self._patterns.regexes
        for i in candidates:
            family = self.families[self._family_of[i]]
            if family.id in hits:
                continue
            for view in views:
                m = regexes[i].search(view)
                if m:
                    hits[family.id] = Hit(family.id, family.kind, family.label, m.group(0))
                    break
        return [hits[f.id] for f in self.families if f.id in hits]

    def defuse_many(self, texts: Sequence[str], views: Sequence[str]) -> list[str | None]:
        candidates = self._negatives.candidates_many([(v,) for v in views])
        return [self.defuse(t, v, c) if c else None for t, v, c in zip(texts, views, candidates, strict=True)]

    def defuse(self, normalized: str, view: str | None = None, candidates: list[int] | None = None) -> str | None:
        """The message with hard-negative spans cut out, or None when it has none."""
        view = rule_view(normalized) if view is None else view
        spans = []
        for i in self._negatives.candidates(view) if candidates is None else candidates:
            spans += [m.span() for m in self._negatives.regexes[i].finditer(view) if m.end() > m.start()]
        if not spans:
            return None
        # Map positions in the view (no "ー") back to the normalised text.
        folded = fold_kana(normalized)
        positions = [i for i, ch in enumerate(folded) if ch != "ー"]
        keep = [True] * len(normalized)
        for start, end in spans:
            for i in range(positions[start], positions[end - 1] + 1):
                keep[i] = False
        return "".join(ch if k else " " for ch, k in zip(normalized, keep, strict=True)).strip()
