"""Curated crisis expressions and hard negatives (data/crisis_expressions.yml).

The model's crisis signal misses what the corpus never said; these families catch the ways people say
it directly and indirectly (消えたい, 薬を集めている, 足音がすると震える), in kanji, hiragana and katakana,
and the common English ones. A match is a crisis whatever the model says. Hard negatives
(死ぬほど忙しい, 殺虫剤) are cut out of the message before the rules and the crisis signal read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml

from madoguchi.classifier.ngrams import CodeIndex, joined_ngram_codes, lookup, ngram_codes, text_to_code
from madoguchi.classifier.normalize import fold_kana

EXPRESSIONS_FILE = Path(__file__).parent / "data" / "crisis_expressions.yml"


def rule_view(normalized: str) -> str:
    """What patterns are matched against: katakana folded to hiragana, long-vowel marks removed."""
    return fold_kana(normalized).replace("ー", "")


def _compile_pattern(pattern: str) -> str:
    # Patterns are written in hiragana; fold anything else the same way the text is folded.
    return rule_view(pattern)


class PatternSet:
    """Many regexes, each run only when the message contains one of the two-character strings every match of
    it must contain.

    One big alternation makes the regex engine try every pattern at every position (~0.5 ms a message);
    indexing patterns by strings they need keeps the rules at a few tens of microseconds. The strings are
    taken where the pattern is most specific (a kanji pair rather than the common kana its match may
    start with: 死にたい is indexed by 死に, never by the prefix of an optional "もう").
    """

    def __init__(self, patterns: list[str], key_counts: Mapping[str, int] | None = None) -> None:
        # Multi-line: the views of a message are searched as one string, one view per line (see CrisisRules).
        self.regexes = [re.compile(p, re.MULTILINE) for p in patterns]
        self.always: list[int] = []
        self.by_prefix: dict[str, list[int]] = {}
        if key_counts is None:
            cost = _key_cost
        else:
            # Measured: in how many training messages each string occurs (CrisisRules.count_keys).
            def cost(keys: set[str]) -> float:
                return float(sum(key_counts.get(k, 0) + 1 for k in keys))

        # Each pattern parsed once: the index strings, the first characters and the literal filter all read it.
        parsed = [sre_parse.parse(p) for p in patterns]
        for i, items in enumerate(parsed):
            prefixes = _required_keys(items, cost)
            if prefixes is None:
                first, nullable = _first_chars(items)
                prefixes = None if first is None or nullable else first
            if prefixes is None:
                self.always.append(i)
                continue
            for prefix in prefixes:
                self.by_prefix.setdefault(prefix, []).append(i)

        self._codes = np.asarray(sorted(text_to_code(p) for p in self.by_prefix), dtype=np.int64)
        self._code_index = CodeIndex(self._codes)
        self._ids = {text_to_code(p): ids for p, ids in self.by_prefix.items()}
        self._sizes = tuple(sorted({len(p) for p in self.by_prefix})) or (_PREFIX_LEN,)
        self._always_sorted = sorted(self.always)
        # Which characters an index string can start with, which are whole one-character strings, and (hashed)
        # which pairs two-or-three-character ones start with: only positions that pass are looked up.
        self._starts = np.zeros(0x110000, dtype=bool)
        self._starts[[ord(p[0]) for p in self.by_prefix]] = True
        self._single = np.zeros(0x110000, dtype=bool)
        self._single[[ord(p) for p in self.by_prefix if len(p) == 1]] = True
        self._pairs = np.zeros(1 << 20, dtype=bool)
        self._pairs[[_pair_slot(ord(p[0]), ord(p[1])) for p in self.by_prefix if len(p) > 1]] = True
        rows, cols = [], []
        for k, code in enumerate(self._codes.tolist()):
            for i in self._ids[code]:
                rows.append(k)
                cols.append(i)
        self._incidence = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(self._codes), len(patterns))
        )
        # Per pattern, strings one of which every match contains, longer than the index strings (None: none
        # such). A candidate is searched only when its text holds one.
        self.filters = [_literal_filter(items) for items in parsed]

    def candidates(self, *views: str) -> list[int]:
        found = set(self.always)
        for v in views:
            pos, _ = lookup(self._codes, ngram_codes(v, self._sizes))
            for code in set(self._codes[pos].tolist()):
                found.update(self._ids[code])
        return sorted(found)

    def _hits(self, texts: Sequence[str]) -> sp.csr_matrix:
        """A (message x pattern) matrix whose non-zeros are the candidate patterns (sorted indices). Each
        text is one message's views joined by "\n" (no index string holds one, so none spans two views)."""
        n = len(texts)
        # Normalised text and Sudachi forms hold no NUL: it separates the messages.
        a = np.frombuffer(("\0".join(texts) + "\0" * _PREFIX_LEN).encode("utf-32-le"), dtype=np.uint32)
        message_of = np.cumsum(a == 0)
        # Only where an index string can start (a small share of positions), the codes of the strings of
        # each length starting there (zero when the string would run over the end of a view).
        at = np.flatnonzero(self._starts[a])
        first, second = a[at], a[at + 1]
        at = at[self._single[first] | self._pairs[_pair_slot(first, second)]]
        codes, where = [], []
        code = np.zeros(len(at), dtype=np.int64)
        inside = np.ones(len(at), dtype=bool)
        for size in range(1, max(self._sizes) + 1):
            ch = a[at + size - 1].astype(np.int64)
            inside &= ch != 0
            code = (code << 21) | ch
            if size in self._sizes:
                codes.append(code[inside])
                where.append(message_of[at[inside]])
        if not codes or not len(self._codes):
            return sp.csr_matrix((n, len(self.regexes)), dtype=np.int32)
        pos = self._code_index.get(np.concatenate(codes))
        found = pos >= 0
        pos = pos[found]
        docs = np.concatenate(where)[found]
        # Which index strings each message has (a 0/1 matrix) times which patterns each string indexes
        # (another): the non-zeros are the candidate patterns, with no Python loop over strings.
        present = sp.csr_matrix(
            (np.ones(len(docs), dtype=np.int32), (docs, pos)), shape=(n, len(self._codes))
        )
        present.sum_duplicates()
        hits = (present @ self._incidence).tocsr()
        hits.sort_indices()
        return hits

    def candidate_pairs(self, texts: Sequence[str]) -> tuple[list[int], list[int]]:
        """(message, pattern) pairs to try, in message order, for messages given as their views joined by
        "\n" (most messages have none, so no list per message)."""
        if len(texts) <= _SMALL_BATCH or self.always:
            rows, cols = [], []
            for r, t in enumerate(texts):
                c = self.candidates(t)
                rows += [r] * len(c)
                cols += c
            return rows, cols
        hits = self._hits(texts)
        rows = np.repeat(np.arange(len(texts)), np.diff(hits.indptr))
        return rows.tolist(), hits.indices.tolist()


def may_match(text: str, needed: tuple[tuple[str, ...], ...] | None) -> bool:
    """Whether a text holds a string of each of a pattern's filter groups (always, when it has none)."""
    if needed is None:
        return True
    holds = text.__contains__
    # A loop, not all() over a generator: the generator cost more than the tests (1.83 against 2.37 us a
    # message over the corpus's candidate pairs).
    for group in needed:  # noqa: SIM110
        if not any(map(holds, group)):
            return False
    return True


def _pair_slot(first: Any, second: Any) -> Any:
    return ((first & 0x3FF) << 10) | (second & 0x3FF)


# Index strings are up to three characters long: two-character ones (ない, もう, ころ) are too common.
_PREFIX_LEN = 3
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


# A pattern's literal filter (PatternSet.filters): groups of strings, each group at least this long (the index
# strings are three characters, and English ones are common: "hit" opens "white" and "this"), at most this
# many strings (each a substring test in C). Measured on the corpus: the English patterns were searched in
# three to a hundred times as many messages as they matched, at about 6 µs a search.
_FILTER_MIN_LEN = 3
_FILTER_MAX_STRINGS = 32


def _literal_filter(parsed: Any) -> tuple[tuple[str, ...], ...] | None:
    """Groups of strings such that every match of the pattern contains one string of each group: for each run
    of its items that can only match literal text, the expansions of the part of the run that gives the
    longest shortest string (then the fewest strings). None when no run gives a group. `parsed` is the
    pattern as sre_parse.parse gives it."""
    items = list(parsed)
    literal = [_expansions([item]) is not None for item in items]
    groups: list[tuple[str, ...]] = []
    i = 0
    while i < len(items):
        end = i  # items[i:end] is a run of literal items
        while end < len(items) and literal[end]:
            end += 1
        best: tuple[int, int, set[str]] | None = None
        for start in range(i, end):
            for stop in range(start + 1, end + 1):
                found = _expansions(items[start:stop])
                if found is None or len(found) > _FILTER_MAX_STRINGS:
                    break  # a longer window only has more strings
                shortest = min(len(f) for f in found)
                if shortest >= _FILTER_MIN_LEN and (best is None or (shortest, -len(found)) > best[:2]):
                    best = (shortest, -len(found), found)
        if best is not None:
            groups.append(tuple(sorted(best[2])))
        i = end + 1
    return tuple(groups) or None


def _key_cost(keys: set[str]) -> float:
    # How often such strings occur in ordinary messages, roughly, when no counts are at hand: the longer,
    # the rarer; a kanji or a Latin letter rarer than kana; a single character very common.
    cost = 0.0
    for k in keys:
        kana = all("\u3041" <= ch <= "\u309f" or ch in " 、。!?" for ch in k)
        cost += {1: 30.0, 2: 3.0 if kana else 1.0}.get(len(k), 1.0 if kana else 0.3)
    return cost


def _key_options(items: Any) -> list[set[str]]:
    """Sets of strings one of which every match contains: for each position of the pattern, the prefixes
    of its remainder from there."""
    options = []
    for i in range(len(items)):
        if items[i][0] in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        keys = _prefixes(list(items[i:]))
        if keys:
            options.append(keys)
    return options


def _required_keys(items: Any, cost: Callable[[set[str]], float] = _key_cost) -> set[str] | None:
    """The cheapest of _key_options (the rarest strings), branch by branch at the top."""
    if len(items) == 1 and items[0][0] is sre_constants.BRANCH:
        union: set[str] = set()
        for branch in items[0][1][1]:
            sub = _required_keys(branch, cost)
            if sub is None:
                return _prefixes(items)
            union |= sub
        return union
    return min(_key_options(items), key=cost, default=None)


def _all_keys(items: Any) -> set[str]:
    if len(items) == 1 and items[0][0] is sre_constants.BRANCH:
        return set().union(*(_all_keys(b) for b in items[0][1][1]))
    return set().union(*_key_options(items))


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
    # A match makes a crisis whatever the model says (words of suicide, self-harm or sexual violence); the
    # other families' matches, in all but short messages, count where the model's crisis signal reaches a
    # floor (model.counted_hits).
    on_its_own: bool = False


@dataclass(slots=True)
class Hit:
    family: str
    kind: str | None
    label: str | None
    matched: str
    on_its_own: bool = False


class CrisisRules:
    """Compiled expression families: one combined regex per language, one for hard negatives."""

    def __init__(self, spec: dict, key_counts: Mapping[str, int] | None = None) -> None:
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
                    on_its_own=bool(fam.get("on_its_own", False)),
                )
            )
            for p in fam["patterns"]:
                patterns.append(_compile_pattern(p))
                self._family_of.append(i)
        self._patterns = PatternSet(patterns, key_counts)
        # The families read in messages of a language the classifier does not read (lang: other).
        self.other_language_families = frozenset(f.id for f in self.families if f.lang == "other")
        negatives = spec.get("hard_negatives", {})
        self.hard_negative_examples = tuple(negatives.get("examples", []))
        self._negatives = PatternSet([_compile_pattern(p) for p in negatives.get("patterns", [])], key_counts)

    @classmethod
    def from_file(cls, path: Path = EXPRESSIONS_FILE) -> CrisisRules:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def count_keys(self, views: Sequence[str]) -> dict[str, int]:
        """In how many of these texts each string the patterns could be indexed by occurs (training counts
        them on the corpus, so that each pattern is indexed by the strings ordinary messages rarely hold)."""
        keys: set[str] = set()
        for regex in self._patterns.regexes + self._negatives.regexes:
            keys |= _all_keys(sre_parse.parse(regex.pattern))
        ordered = sorted(keys)
        # Every 1- to _PREFIX_LEN-character string of every view as an integer code (ngrams.py), with the view
        # it is in; a key's count is the number of distinct views holding its code. (A set of substrings per
        # view in Python took two seconds of every training run.)
        by_size = joined_ngram_codes("\0".join(views), tuple(range(1, _PREFIX_LEN + 1)))
        codes = [c for c, _ in by_size]
        where = [w for _, w in by_size]
        key_codes = np.asarray([text_to_code(k) for k in ordered], dtype=np.int64)
        found = np.zeros(len(ordered), dtype=np.int64)
        if codes and len(ordered):
            pos = CodeIndex(key_codes).get(np.concatenate(codes))
            hit = pos >= 0
            # (view, key) pairs made distinct by a sparse matrix (its duplicates summed): sorting the pairs
            # took five times as long.
            present = sp.csr_matrix(
                (np.ones(int(hit.sum()), dtype=np.int32), (np.concatenate(where)[hit], pos[hit])),
                shape=(len(views), len(ordered)),
            )
            present.sum_duplicates()
            found = np.bincount(present.indices, minlength=len(ordered))
        return dict(zip(ordered, found.tolist(), strict=True))

    def match(self, *views: str) -> list[Hit]:
        """Every family that matches one of the views (rule_view text, joined normalized forms).

        Japanese and English families alike: Japanese text carries English phrases, and romanised
        Japanese ("owari ni shitai") is often detected as English.
        """
        return self.match_joined(["\n".join(views)])[0]

    def match_joined(self, joined: Sequence[str]) -> list[list[Hit]]:
        """match() for many messages, each given as its views joined line by line: searched once per
        candidate pattern, not once per view (patterns do not cross "。" or, with ^ and $, a line end, so
        matches stay in one view)."""
        found: dict[int, dict[int, Hit]] = {}
        regexes, family_of, families = self._patterns.regexes, self._family_of, self.families
        filters = self._patterns.filters
        for row, i in zip(*self._patterns.candidate_pairs(joined), strict=True):
            f = family_of[i]
            seen = found.get(row)
            if seen is not None and f in seen:
                continue
            text = joined[row]
            if not may_match(text, filters[i]):
                continue
            m = regexes[i].search(text)
            if m:
                family = families[f]
                hit = Hit(family.id, family.kind, family.label, m.group(0), family.on_its_own)
                found.setdefault(row, {})[f] = hit
        # Hits in the order of the families in the file.
        return [[seen[f] for f in sorted(seen)] if (seen := found.get(r)) else [] for r in range(len(joined))]

    def defuse_many(self, texts: Sequence[str], views: Sequence[str]) -> list[tuple[str, list[str]] | None]:
        """For each message with hard negatives: (the message with them blanked out, the pieces cut)."""
        candidates: dict[int, list[int]] = {}
        for row, i in zip(*self._negatives.candidate_pairs(views), strict=True):
            candidates.setdefault(row, []).append(i)
        out: list[tuple[str, list[str]] | None] = [None] * len(texts)
        for row, c in candidates.items():
            out[row] = self._cut(texts[row], views[row], c)
        return out

    def defuse(self, normalized: str, view: str | None = None, candidates: list[int] | None = None) -> str | None:
        """The message with hard-negative spans cut out, or None when it has none."""
        cut = self._cut(normalized, rule_view(normalized) if view is None else view, candidates)
        return None if cut is None else cut[0]

    def _cut(self, normalized: str, view: str, candidates: list[int] | None) -> tuple[str, list[str]] | None:
        spans = []
        for i in self._negatives.candidates(view) if candidates is None else candidates:
            if may_match(view, self._negatives.filters[i]):
                spans += [m.span() for m in self._negatives.regexes[i].finditer(view) if m.end() > m.start()]
        if not spans:
            return None
        # Map positions in the view (no "ー") back to the normalised text.
        folded = fold_kana(normalized)
        if "ー" in folded:
            positions = [i for i, ch in enumerate(folded) if ch != "ー"]
            spans = [(positions[start], positions[end - 1] + 1) for start, end in spans]
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out = list(normalized)
        for start, end in merged:
            out[start:end] = " " * (end - start)
        return "".join(out).strip(), [normalized[start:end] for start, end in merged]
