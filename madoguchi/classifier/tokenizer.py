"""Sudachi tokenisation: one tokenizer per process, reused, behind a lock.

Why these settings (measured with 5-fold cross-validation on the corpus, macro-F1 of the full model,
see README "Choices measured"):
- Split mode C (longest units: 生活保護, 介護保険, 不登校 stay whole). Mode A splits them into parts the char
  n-gram channel already covers, and was not better.
- Features use Sudachi's normalized form, so 子供/子ども/こども, 引き篭もり/ひきこもり, しにたい/死にたい meet.
- Part-of-speech filter: drop only punctuation/symbols (補助記号), blanks and particles (助詞). Auxiliary verbs
  stay because negation and wishes carry meaning here (行けない, 消えたい, 死にたい): dropping them cost F1.
"""

from __future__ import annotations

import threading

from sudachipy import Dictionary, SplitMode

# The first POS level that is dropped from the word channel (see the module docstring).
DROPPED_POS = frozenset({"補助記号", "空白", "助詞", "助動詞"})
SPLIT_MODE = "C"


class SudachiTokenizer:
    """A Sudachi tokenizer with the POS filter resolved to ids once (a set lookup per morpheme)."""

    def __init__(self, mode: str = SPLIT_MODE, dropped_pos: frozenset[str] = DROPPED_POS) -> None:
        self._dictionary = Dictionary(dict="core")
        self._tokenizer = self._dictionary.tokenizer(mode=getattr(SplitMode, mode))
        self._dropped_pos = dropped_pos
        self._pos_cache: dict[int, bool] = {}
        # Sudachi raises on concurrent use of one tokenizer; the lock keeps one tokenizer per process safe.
        self._lock = threading.Lock()
        self._out = self._tokenizer.tokenize("")

    def _pos(self, pos_id: int) -> tuple[str, ...]:
        return tuple(self._dictionary.pos_of(pos_id))

    def _keep(self, pos_id: int) -> bool:
        keep = self._pos_cache.get(pos_id)
        if keep is None:
            keep = self._pos(pos_id)[0] not in self._dropped_pos
            self._pos_cache[pos_id] = keep
        return keep

    def forms(self, text: str) -> tuple[list[str], list[str]]:
        """(all normalized forms, those kept by the POS filter) of already-normalised text.

        All forms feed the crisis rules (しにたい -> 死ぬ+たい); the kept ones feed the model.
        """
        if not text:
            return [], []
        keep = self._keep
        with self._lock:
            morphemes = self._tokenizer.tokenize(text, out=self._out)
            pairs = [(m.normalized_form(), m.part_of_speech_id()) for m in morphemes]
        return [f for f, _ in pairs], [f for f, p in pairs if keep(p)]

    def raw(self, text: str) -> int:
        """Raw tokenisation (the benchmark floor): tokenize and read each morpheme's surface."""
        with self._lock:
            return len([m.surface() for m in self._tokenizer.tokenize(text, out=self._out)])


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
