"""Sudachi-normalised words, for matching a resident's message against resource keywords.

One tokenizer per process, created on first use (loading the dictionary takes ~0.2 s) and
guarded by a lock (a Sudachi tokenizer is not safe to share between threads at once).
The classifier has its own; the knowledge base must not import it.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

_lock = threading.Lock()
_tokenizer = None

# Parts of speech that carry no meaning for matching.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}


def _get_tokenizer():  # type: ignore[no-untyped-def]
    global _tokenizer
    if _tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        _tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    return _tokenizer


def normalise_text(text: str) -> str:
    """NFKC and lower case: full-width letters and digits compare equal to half-width."""
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> frozenset[str]:
    """The normalised forms (and surfaces) of the content words of `text`."""
    text = normalise_text(text)
    if not text.strip():
        return frozenset()
    with _lock:
        tokens = [(m.surface(), m.normalized_form(), m.part_of_speech()[0]) for m in _get_tokenizer().tokenize(text)]
    out: set[str] = set()
    for surface, normalized, pos in tokens:
        if pos in _SKIP_POS:
            continue
        out.add(surface)
        out.add(normalized)
    return frozenset(out)


@lru_cache(maxsize=4096)
def keyword_forms(keyword: str) -> tuple[str, ...]:
    """A keyword as the content words it is made of (all must be in a message for it to match)."""
    # Normalised forms, so ひきこもり in a keyword and 引きこもり in a message meet.
    with _lock:
        forms = [
            m.normalized_form()
            for m in _get_tokenizer().tokenize(normalise_text(keyword))
            if m.part_of_speech()[0] not in _SKIP_POS
        ]
    return tuple(dict.fromkeys(forms))


def warm_up() -> None:
    """Load the dictionary now (app start-up, benchmarks) rather than on the first message."""
    words("準備")
