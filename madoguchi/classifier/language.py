"""Which language a message is in: "ja" (read by the model), "en" (read by keywords and the English crisis
expressions), or "other" (not read: no labels, and the bot answers in simple Japanese and English)."""

from __future__ import annotations

import re

import numpy as np

# Kana and kanji (the tokenizer splits text without any into words).
JAPANESE_SCRIPT = re.compile("[\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3041-\u30ff]")
_LATIN = re.compile("[a-z]")
# Letters of scripts we cannot read (Hangul, Cyrillic, Thai, Arabic, Devanagari, Vietnamese marks, ...).
_OTHER = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0eff"
                    "\u1000-\u109f\u1100-\u11ff\uac00-\ud7af\u1ea0-\u1eff\u00c0-\u024f]")
# Romanised Japanese from foreign residents ("kaigo ga taihen desu") is Japanese, not English.
_ROMAJI = re.compile(r"\b(desu|masu|mashita|kudasai|arimasen|dekimasen|onegai|shimasu|nai desu|wakaranai)\b")
_EN_WORDS = re.compile(r"\b(i|i'm|im|my|me|the|and|to|is|am|are|you|want|can|not|no|help|please|have|in|of|a)\b")
_WORD = re.compile(r"[^\W\d_]+")  # words of letters in any script
# Latin letters with marks, which _OTHER counts among the scripts we cannot read.
_LATIN_MARKS = re.compile("[\u00c0-\u024f\u1ea0-\u1eff]")
# Common words that are English only (not "no", "me", "a" or "en", which Spanish and Portuguese share).
_ENGLISH_ONLY = re.compile(
    r"\b(i|i'm|my|the|and|is|am|are|you|he|she|we|they|it|was|with|for|this|that|what|want|can|not|don't|help|"
    r"please|have|of|at)\b"
)
# A message in another script that is mostly English: a greeting in the writer's language, then English
# ("สวัสดีค่ะ help please. my friend is bleeding a lot..."). Read as English when its Latin letters outnumber
# the others this many times; when some of them carry marks (é, ã, ệ), also only when at least this share of
# its words are common English-only words (a quarter of the words of the corpus's English lines, at the
# median; none in Spanish or Portuguese, which the bot answers with its foreign-language lines). Of the
# corpus's 13 lines read as "other" at 215 writers, 7 were English of this kind, two of them crises (a friend
# bleeding after pills bought online); of the next writer's 300 lines with such greetings, 10 more, three of
# them crises in a few words ("Привет. no point anymore. goodbye").
MIXED_LATIN_RATIO = 3
MIXED_ENGLISH_SHARE = 0.15


def detect_language(normalized: str) -> str:
    if _KANA.search(normalized):  # nearly every message: any kana means Japanese
        return "ja"
    kanji = len(JAPANESE_SCRIPT.findall(normalized))  # no kana here: the Japanese script found is kanji
    return _by_counts(normalized, kanji, len(_OTHER.findall(normalized)), len(_LATIN.findall(normalized)))


def _by_counts(normalized: str, ja: int, other: int, latin: int) -> str:
    """The language of a message without kana, from its counts of kanji, other scripts' letters and a-z."""
    if ja and ja >= other:
        return "ja"
    if other > latin or other >= 2:
        mostly_latin = other * MIXED_LATIN_RATIO <= latin
        # Letters with marks (é, ã, ệ) are the Latin-script languages we do not read: only when they are there
        # must the words also be English. A greeting in another script before short English ("Привет. no
        # point anymore. goodbye") has no English-only word to count.
        english = not _LATIN_MARKS.search(normalized) or _mostly_english(normalized)
        return "en" if mostly_latin and english else "other"
    if latin:
        if _ROMAJI.search(normalized) and not _EN_WORDS.search(normalized):
            return "ja"
        return "en"
    # Only digits, punctuation or emoji: read as Japanese (emoji alone still say something).
    return "ja"


def has_english_words(normalized: str) -> bool:
    """Whether the message has any of the common words that are English only."""
    return bool(_ENGLISH_ONLY.search(normalized))


def _mostly_english(normalized: str) -> bool:
    english = len(_ENGLISH_ONLY.findall(normalized))
    return english >= 3 and english >= MIXED_ENGLISH_SHARE * len(_WORD.findall(normalized))


# Each code point's class for detect_languages: the character classes of _KANA, JAPANESE_SCRIPT (less kana),
# _OTHER and _LATIN, built from the expressions themselves.
_KANA_CLASS, _KANJI_CLASS, _OTHER_CLASS, _LATIN_CLASS = 1, 2, 3, 4
_CLASS_OF = np.zeros(0x110000, dtype=np.uint8)
_CLASSES = ((_KANJI_CLASS, JAPANESE_SCRIPT), (_KANA_CLASS, _KANA), (_OTHER_CLASS, _OTHER), (_LATIN_CLASS, _LATIN))
for _class, _expression in _CLASSES:
    for _low, _high in re.findall("(.)-(.)", _expression.pattern[1:-1]):
        _CLASS_OF[ord(_low) : ord(_high) + 1] = _class


def detect_languages(normalized: list[str]) -> list[str]:
    """detect_language() of every message, its characters counted by class for the whole batch in numpy (a
    regular-expression search per message cost 1.6 µs a message, most of it the English ones' counts)."""
    if len(normalized) < 2:
        return [detect_language(t) for t in normalized]
    # Normalised text holds no NUL: it separates the messages. One character more at the end: an empty last
    # message starts there (an empty message reads the separator after it, which is in no class).
    classes = _CLASS_OF[np.frombuffer(("\0".join(normalized) + "\0").encode("utf-32-le"), dtype=np.uint32)]
    starts = np.zeros(len(normalized), dtype=np.int64)
    np.cumsum([len(t) + 1 for t in normalized[:-1]], out=starts[1:])
    kana = np.logical_or.reduceat(classes == _KANA_CLASS, starts).tolist()
    out = ["ja" if k else "" for k in kana]
    rest = [i for i, k in enumerate(kana) if not k]
    if rest:
        counts = [
            np.add.reduceat(classes == c, starts)[rest].tolist() for c in (_KANJI_CLASS, _OTHER_CLASS, _LATIN_CLASS)
        ]
        for i, ja, other, latin in zip(rest, *counts, strict=True):
            out[i] = _by_counts(normalized[i], ja, other, latin)
    return out
