"""Character n-grams as 64-bit integers, computed with numpy.

Building ~150 small strings per message and looking each up in a 40,000-key dictionary cost more than
Sudachi itself. Here a message becomes an array of code points and its 1-3-grams integer codes
(21 bits per character: c1, c1<<21|c2, c1<<42|c2<<21|c3), and vocabulary lookups are one `searchsorted`
on a sorted code array. Normalised text has no NUL, so every code point is >= 1 and the three n-gram
orders cannot collide (unigrams < 2**21 <= bigrams < 2**42 <= trigrams < 2**63).
"""

from __future__ import annotations

import numpy as np

CHAR_BITS = 21
CHAR_MASK = (1 << CHAR_BITS) - 1


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted. np.unique (numpy 2.4) hashes int64 first: it took 1.8 s for the corpus's
    1.5 million (message, word bigram) keys, where a sort and a comparison take 0.13 s, and 10.8 s for its 7
    million (line, char bigram) keys (corpus_check), where they take 1.5 s."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def ngram_codes(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> np.ndarray:
    """Integer codes of every 1-, 2- and 3-gram of `text` listed in sizes (duplicates kept)."""
    a = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    parts = [a] if 1 in sizes else []
    if len(a) > 1 and (2 in sizes or 3 in sizes):
        bi = (a[:-1] << CHAR_BITS) | a[1:]
        if 2 in sizes:
            parts.append(bi)
        if 3 in sizes and len(a) > 2:
            parts.append((bi[:-1] << CHAR_BITS) | a[2:])
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def joined_ngram_codes(joined: str, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """For texts joined by NUL (which none of them holds), per size in `sizes` (ascending): the codes of every
    n-gram that does not span a NUL, and which text each is in, in text order (a whole batch in numpy calls:
    the features' char channel and the crisis rules' index counts)."""
    a = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    text_of = np.cumsum(a == 0)
    out = []
    code = np.zeros(len(a), dtype=np.int64)
    inside = np.ones(len(a), dtype=bool)
    for n in range(1, max(sizes, default=0) + 1):
        if n > len(a):
            break
        # The n-gram starting at each position (the last n - 1 positions cannot start one).
        code = (code[: len(a) - n + 1] << CHAR_BITS) | a[n - 1 :]
        inside = inside[: len(a) - n + 1] & (a[n - 1 :] != 0)
        if n in sizes:
            out.append((code[inside], text_of[: len(a) - n + 1][inside]))
    return out


def code_to_text(code: int) -> str:
    chars = []
    while code:
        chars.append(chr(code & CHAR_MASK))
        code >>= CHAR_BITS
    return "".join(reversed(chars))


def text_to_code(text: str) -> int:
    code = 0
    for ch in text:
        code = (code << CHAR_BITS) | ord(ch)
    return code


def lookup(sorted_codes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in sorted_codes of the codes found, mask of which codes were found)."""
    if not len(sorted_codes) or not len(codes):
        return np.zeros(0, dtype=np.int64), np.zeros(len(codes), dtype=bool)
    pos = np.searchsorted(sorted_codes, codes)
    np.minimum(pos, len(sorted_codes) - 1, out=pos)
    found = sorted_codes[pos] == codes
    return pos[found], found


_SMALL = 4096
_GOLDEN_SIGNED = np.int64(0x9E3779B97F4A7C15 - (1 << 64))


class CodeIndex:
    """An open-addressing hash table from int64 codes to their positions, looked up for a whole array at once.

    `searchsorted` over a 150,000-code vocabulary costs a cache miss per level per code; hashing costs about
    one probe per code at the load kept here (a quarter), all in numpy calls per batch.
    """

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        self._sorted = codes if len(codes) < 2 or bool(np.all(codes[1:] > codes[:-1])) else None
        bits = max(4, int(np.ceil(np.log2(max(1, len(codes)) * 4))))
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._keys = np.full(1 << bits, -1, dtype=np.int64)  # codes are >= 0: -1 marks an empty slot
        self._values = np.full(1 << bits, -1, dtype=np.int32)
        home = self._home(codes)
        pending = np.arange(len(codes))
        probe = 0
        # Insert round by round: in round p every code still pending tries slot home + p; where several want
        # the same empty slot, the first wins. A lookup walks the same sequence and stops at an empty slot.
        while len(pending):
            slots = (home[pending] + probe) & self._mask
            empty = self._keys[slots] == -1
            slots, waiting = slots[empty], pending[empty]
            slots, first = np.unique(slots, return_index=True)
            winners = waiting[first]
            self._keys[slots] = codes[winners]
            self._values[slots] = winners
            placed = np.zeros(len(codes), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            probe += 1
        self._probes = probe

    def _home(self, codes: np.ndarray) -> np.ndarray:
        # Multiplicative hashing: int64 multiplication wraps like uint64; the top bits, read unsigned.
        product = codes * _GOLDEN_SIGNED
        return (product.view(np.uint64) >> self._shift).view(np.int64)

    def get(self, codes: np.ndarray) -> np.ndarray:
        """Position of each code in the array the index was built from, -1 where absent."""
        codes = np.asarray(codes, dtype=np.int64)
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        if len(codes) < _SMALL and self._sorted is not None:
            # A message or two (the webhook): one binary search costs less than the probing rounds.
            pos, found = lookup(self._sorted, codes)
            out = np.full(len(codes), -1, dtype=np.int64)
            out[found] = pos
            return out
        home = self._home(codes)
        keys = self._keys[home]
        out = self._values[home]
        out[keys != codes] = -1
        # Codes not in their home slot but not proven absent (the slot is taken by another): walk on.
        pending = np.flatnonzero((keys != codes) & (keys != -1))
        probe = 1
        while len(pending) and probe < self._probes:
            slots = (home[pending] + probe) & self._mask
            keys = self._keys[slots]
            hit = keys == codes[pending]
            out[pending[hit]] = self._values[slots[hit]]
            pending = pending[~hit & (keys != -1)]
            probe += 1
        return out
