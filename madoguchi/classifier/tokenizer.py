"""Sudachi tokenisation: one tokenizer per process, reused, behind a lock.

Why these settings (measured: 5-fold cross-validation on the corpus, macro-F1 with tuned thresholds; the
table is in README.md, "Choices measured"):
- Split mode A (shortest units). 介護保険 -> 介護 + 保険 lets a message about 介護 meet one about 保険;
  mode C keeps compounds whole and was about 0.01 macro-F1 behind, mode B in between. The char n-gram
  channel still sees the whole compound.
- Features use Sudachi's normalized form, so 子供/子ども/こども, 引き篭もり/ひきこもり, しにたい/死にたい meet.
- Part-of-speech filter for the word channel: drop symbols (補助記号), blanks, particles (助詞) and
  auxiliary verbs (助動詞). Keeping them cost about 0.007; negation and wishes (行けない, 消えたい) are
  still seen by the char n-grams and by the crisis rules, which read every morpheme. The filter is applied
  by form (`function_forms`, decided at training time): asking Sudachi for each morpheme's POS made
  tokenisation 25 % slower.
- Text without kana or kanji (English, romanised Japanese, digits, also with an emoji or a word in another
  script) is split into words by a regular expression, not by Sudachi: Sudachi's dictionary is for Japanese,
  and on English it maps some words to katakana loanwords and not others (want to -> ウォントゥ, how to ->
  ハウツー, kill -> キル, but scared and nobody as they are), so one English phrase met another only by
  chance. Measured on writer-grouped folds (see the README). It also spares Sudachi 7 % of its work on the corpus.
- An all-ASCII message that reads as romaji comes with its kana reading on a second line (romaji.py): the
  words as typed are split into words, the reading is read by Sudachi (しにたい -> 死ぬ, たい).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

from sudachipy import Dictionary, Morpheme, SplitMode

from madoguchi.classifier.language import JAPANESE_SCRIPT
from madoguchi.classifier.romaji import READING_MARK

# The first POS level that is dropped from the word channel (see the module docstring).
DROPPED_POS = frozenset({"補助記号", "空白", "助詞", "助動詞"})
SPLIT_MODE = "A"


# Read with map() rather than a comprehension: one string per morpheme, with no Python frame per morpheme.
_NORMALIZED_FORM = Morpheme.normalized_form
_SURFACE = Morpheme.surface
_POS_ID = Morpheme.part_of_speech_id


# Words (with inner apostrophes: don't, i'm), numbers, runs of blanks, and any other character alone: the
# units Sudachi makes of ASCII text, without its loanword dictionary.
_WORD_UNIT = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|[0-9]+|\s+|\S")


def is_split_into_words(text: str) -> bool:
    """True for text with no kana or kanji (str.isascii() reads a flag the string carries, no scan): English
    and romaji, also with an emoji or a greeting in another script. Read by Sudachi, "Здравствуйте. my father
    fell in the bathroom and he is not moving" came out as katakana loanwords and scored 0.35 for crisis; as
    words, 0.99."""
    return text.isascii() or JAPANESE_SCRIPT.search(text) is None


def word_forms(text: str) -> list[str]:
    """The forms of a text split into words: its words, numbers, blanks and symbols, in order."""
    return _WORD_UNIT.findall(text)


class PosCensus:
    """How often each normalized form was a function word (a dropped part of speech) and how often not.

    Reading each morpheme's POS costs as much again as tokenising; the word channel drops function words by
    form instead, with the POS decided once, at training time, by majority over the corpus (training takes
    the census in the pass that reads the corpus anyway)."""

    def __init__(self, every: int = 1, first: int = 0) -> None:
        self.dropped: Counter[str] = Counter()
        self.kept: Counter[str] = Counter()
        # Only every `every`-th message is tallied, counted from the first message of the whole corpus; the
        # next message this census reads is that corpus's message number `position`.
        self.every = every
        self.position = first

    def tallied(self, n: int) -> list[bool]:
        """Which of the next n messages are tallied (and they are then read)."""
        out = [(self.position + i) % self.every == 0 for i in range(n)]
        self.position += n
        return out

    def function_forms(self) -> frozenset[str]:
        return frozenset(f for f, n in self.dropped.items() if n > self.kept[f])


class SudachiTokenizer:
    """Sudachi, read for each morpheme's normalized form (one string per morpheme: what reading raw surfaces
    costs). Measured per message, in rotating order: a tokenizer with projection="normalized" read for its
    surfaces took 3-4 % longer than the plain one read for surfaces; normalized_form() through map() costs
    the same as surface() (within 1 %)."""

    def __init__(self, mode: str = SPLIT_MODE, dropped_pos: frozenset[str] = DROPPED_POS) -> None:
        self._dictionary = Dictionary(dict="core")
        self._plain = self._dictionary.tokenizer(mode=getattr(SplitMode, mode))
        self._dropped_by_pos: list[bool] = []
        while (pos := self._dictionary.pos_of(len(self._dropped_by_pos))) is not None:
            self._dropped_by_pos.append(pos[0] in dropped_pos)
        # Sudachi raises on concurrent use of one tokenizer; the lock keeps one tokenizer per process safe.
        self._lock = threading.Lock()
        self._plain_out = self._plain.tokenize("")

    def forms(self, text: str) -> list[str]:
        """Normalized forms of every morpheme of already-normalised text (しにたい -> 死ぬ, たい); the words of
        a text without kana or kanji (word_forms)."""
        return self.forms_many([text])[0]

    def forms_many(
        self, texts: Sequence[str], census: PosCensus | None = None, *, split_words: bool = True
    ) -> list[list[str]]:
        """forms() of every text, under one acquisition of the lock. With a census, each morpheme's part of
        speech is also tallied (training: the same pass decides the function words). Without split_words,
        Sudachi reads text without kana or kanji too (pieces of a Japanese message, which Sudachi read whole)."""
        out: list[list[str]] = []
        with self._lock:
            tokenize, buffer = self._plain.tokenize, self._plain_out
            if census is None:
                for text in texts:
                    # No morphemes for empty text or (when split_words) text without kana or kanji.
                    if not text or (split_words and is_split_into_words(text)):
                        out.append(word_forms(text))
                    elif split_words and READING_MARK in text:
                        typed, reading = text.split(READING_MARK, 1)
                        out.append([*word_forms(typed), " ", *map(_NORMALIZED_FORM, tokenize(reading, out=buffer))])
                    else:
                        out.append(list(map(_NORMALIZED_FORM, tokenize(text, out=buffer))))
                return out
            # (form, part of speech) pairs are counted by Counter's C loop and sorted into dropped and kept
            # once at the end: a Python statement per morpheme had been a fifth of reading the corpus.
            pairs: Counter[tuple[str, int]] = Counter()
            for text, tally in zip(texts, census.tallied(len(texts)), strict=True):
                if not text or (split_words and is_split_into_words(text)):  # as above: nothing to tally
                    out.append(word_forms(text))
                    continue
                typed = ""
                if split_words and READING_MARK in text:
                    typed, text = text.split(READING_MARK, 1)
                morphemes = tokenize(text, out=buffer)
                forms = list(map(_NORMALIZED_FORM, morphemes))
                if tally:
                    pairs.update(zip(forms, map(_POS_ID, morphemes), strict=True))
                out.append([*word_forms(typed), " ", *forms] if typed else forms)
        dropped_by_pos = self._dropped_by_pos
        for (form, pos), n in pairs.items():
            (census.dropped if dropped_by_pos[pos] else census.kept)[form] += n
        return out

    def function_forms(self, texts: Iterable[str]) -> frozenset[str]:
        """Normalized forms that are mostly symbols, blanks, particles or auxiliary verbs in these texts."""
        census = PosCensus()
        self.forms_many(list(texts), census)
        return census.function_forms()

    def raw(self, text: str) -> int:
        """Raw tokenisation (the benchmark floor): the same tokenizer, reading each morpheme's surface the
        same way."""
        with self._lock:
            return len(list(map(_SURFACE, self._plain.tokenize(text, out=self._plain_out))))


_instance: SudachiTokenizer | None = None
_instance_lock = threading.Lock()


def get_tokenizer() -> SudachiTokenizer:
    """The process-wide tokenizer (the dictionary takes ~0.1 s and ~70 MB to load: do it once)."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = SudachiTokenizer()
    return _instance
