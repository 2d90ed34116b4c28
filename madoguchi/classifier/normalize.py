"""Text normalisation applied before anything reads a message (model, crisis rules, intents).

Residents type on phones: full-width and half-width letters, ｶﾀｶﾅ, "つらーーーい", "しんどいいいい", "!!!!",
emoji. Everything downstream sees one canonical form so that the training corpus and live messages meet.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

# Variation selectors, zero-width joiners and skin-tone modifiers change how an emoji looks, not what it says.
# Control characters are dropped too (the n-gram codes in ngrams.py rely on there being no NUL); "\n" is kept
# here because normalize_many joins messages with it, and becomes a space at the end. A lone surrogate (half
# an emoji, from JSON escapes) says nothing and cannot be encoded: Sudachi and the n-gram codes would fail on it.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2060\ufeff\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\ud800-\udfff]"
)
# Wave dashes and dash-like marks typed as a long vowel ("なぁ〜", "すご～い" becomes "~" after NFKC).
_WAVE_CHARS = "〜~∼―‐‑–—ｰ"
_WAVE = re.compile(f"[{_WAVE_CHARS}]+")
# A long-vowel mark right after hiragana is never standard spelling ("つらーい", "やだー"): drop it (in numpy,
# with the squeezing of runs: see squeeze_runs).
_LONG_VOWEL = ord("ー")
# Long vowels, small tsu and punctuation keep one copy of a run, other characters two (see squeeze_runs).
_ONE_COPY = np.zeros(0x110000, dtype=bool)
_ONE_COPY[[ord(c) for c in "ーっッ!?。、.,・"]] = True

_KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def normalize(text: str) -> str:
    """Canonical form of a message: NFKC, lower case, squeezed repeats and long vowels, emoji kept."""
    return normalize_many([text])[0] if text else ""


def normalize_many(texts: list[str]) -> list[str]:
    """normalize() of every message, the regular expressions run once over the batch joined line by line
    (the same answers: no pattern crosses a line end), not once per message."""
    if not texts:
        return []
    # NFKC per message: most are already normal, and the quick check only pays off on short strings.
    joined = "\n".join(unicodedata.normalize("NFKC", t).replace("\n", " ") for t in texts)
    joined = _INVISIBLE.sub("", joined).lower()
    # Phone keyboards type the typographic apostrophe (I’m, don’t), which NFKC keeps: the English expressions,
    # keywords and corpus spell it "'". A substring test first: most batches have none.
    if "’" in joined or "‘" in joined:
        joined = joined.replace("’", "'").replace("‘", "'")
    if any(ch in joined for ch in _WAVE_CHARS):  # a substring test is cheaper than a regex scan
        joined = _WAVE.sub(_wave_replacement, joined)
    joined = squeeze_runs(joined)
    # Each message's blanks, runs of them and any kind, become one space, none at either end: split and
    # joined per message in C (a regular expression over the batch, which stops at every space, took twice
    # as long).
    return [" ".join(t.split()) for t in joined.split("\n")]


def squeeze_runs(text: str) -> str:
    """Runs of one character squeezed: long vowels, small tsu and punctuation keep one copy ("えっっっ" ->
    "えっ", "!!!!" -> "!"); any other character repeated three times or more keeps two ("しんどいいいい" ->
    "しんどいい", "wwww" -> "ww"), so words like "ああ" and "はは" stay intact. Line ends are never squeezed
    (they separate messages). In numpy over the batch: a regular expression with a back-reference and a
    Python call per run took twice as long. A run of long-vowel marks right after hiragana is dropped
    first (つらーーい -> つらい; the regular expression and a Python call per run it
    replaced cost as much as this whole function)."""
    a = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    dropped = False
    if len(a):
        mark = a == _LONG_VOWEL
        # A run's first mark, when the character before it is hiragana: the whole run goes.
        first = mark.copy()
        first[1:] &= ~mark[:-1]
        first[0] = False
        first[1:] &= (a[:-1] >= 0x3041) & (a[:-1] <= 0x309F)
        if first.any():
            run = np.cumsum(mark & ~np.concatenate([[False], mark[:-1]]))  # each mark's run, counted from 1
            gone = np.zeros(int(run[-1]) + 1, dtype=bool)
            gone[run[first]] = True
            a = a[~(mark & gone[run])]
            dropped = True
    repeat = np.zeros(len(a), dtype=bool)
    np.equal(a[1:], a[:-1], out=repeat[1:])
    repeat &= a != ord("\n")
    if not repeat.any():
        return a.tobytes().decode("utf-32-le") if dropped else text
    # Each character's place in its run: its index less the index where the run began.
    place = np.arange(len(a))
    start = np.where(repeat, 0, place)
    np.maximum.accumulate(start, out=start)
    place -= start
    drop = repeat & ((place >= 2) | _ONE_COPY[a])
    return a[~drop].tobytes().decode("utf-32-le")


def _wave_replacement(match: re.Match[str]) -> str:
    # After kana a wave dash is a long vowel; elsewhere ("10~12時") it is a range and becomes "~".
    start = match.start()
    prev = match.string[start - 1] if start else ""
    return "ー" if _is_kana(prev) else "~"


def _is_kana(ch: str) -> bool:
    return bool(ch) and ("\u3041" <= ch <= "\u30ff")


def fold_kana(text: str) -> str:
    """Katakana to hiragana, so that ツライ, つらい and ｼﾇ (after NFKC) are matched alike."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


def fold_kana_many(texts: list[str]) -> list[str]:
    """fold_kana() of every text in one numpy pass (str.translate looks each character up in a dict).
    The texts must not contain NUL (normalised text has none)."""
    if not texts:
        return []
    a = np.frombuffer("\0".join(texts).encode("utf-32-le"), dtype=np.uint32).copy()
    a[(a >= 0x30A1) & (a <= 0x30F6)] -= 0x60
    return a.tobytes().decode("utf-32-le").split("\0")


# Pictographs and emoticon symbols, as a character-class body (the intent expressions use it too).
EMOJI_RANGES = "\U0001f300-\U0001faff\u2600-\u27bf\U0001f000-\U0001f2ff\u2b00-\u2bff"
_EMOJI = re.compile(f"[{EMOJI_RANGES}]")


def is_emoji(ch: str) -> bool:
    """True for pictographs and emoticon symbols (kept as signals: 😢, 💢, 🔪)."""
    return bool(_EMOJI.match(ch))


def emojis(text: str) -> list[str]:
    return _EMOJI.findall(text)
