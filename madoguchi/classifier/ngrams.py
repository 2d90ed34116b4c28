"""Character n-grams as 64-bit integers, computed with numpy.

Building ~150 small strings per message and looking each up in a 40,000-key dictionary cost more than
Sudachi itself. Here a message becomes an array of code points and its 1-3-grams integer codes
(21 bits per character: c1, c1<<21|c2, c1<<42|c2<<21|c3), and vocabulary lookups are one `searchsorted`
on a sorted code array. Normalised text has no NUL, so every code point is >= 1 and the three n-gram
orders cannot collide (unigrams < 2**21 <= bigrams < 2**42 <= trigrams < 2**63).
"""

from __future__ import annotations

import numpy as np

_BITS = 21
_MASK = (1 << _BITS) - 1


def ngram_codes(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> np.ndarray:
    """Integer codes of every 1-, 2- and 3-gram of `text` listed in sizes (duplicates kept)."""
    a = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    parts = [a] if 1 in sizes else []
    if len(a) > 1 and (2 in sizes or 3 in sizes):
        bi = (a[:-1] << _BITS) | a[1:]
        if 2 in sizes:
            parts.append(bi)
        if 3 in sizes and len(a) > 2:
            parts.append((bi[:-1] << _BITS) | a[2:])
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def code_to_text(code: int) -> str:
    chars = []
    while code:
        chars.append(chr(code & _MASK))
        code >>= _BITS
    return "".join(reversed(chars))


def text_to_code(text: str) -> int:
    code = 0
    for ch in text:
        code = (code << _BITS) | ord(ch)
    return code


def lookup(sorted_codes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in sorted_codes of the codes found, mask of which codes were found)."""
    if not len(sorted_codes) or not len(codes):
        return np.zeros(0, dtype=np.int64), np.zeros(len(codes), dtype=bool)
    pos = np.searchsorted(sorted_codes, codes)
    np.minimum(pos, len(sorted_codes) - 1, out=pos)
    found = sorted_codes[pos] == codes
    return pos[found], found
