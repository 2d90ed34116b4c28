"""Which language a message is in: "ja" (read by the model), "en" (read by keywords and the English crisis
expressions), or "other" (not read: no labels, and the bot answers in simple Japanese and English)."""

from __future__ import annotations

import re

_JA = re.compile("[\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3041-\u30ff]")
_LATIN = re.compile("[a-z]")
# Letters of scripts we cannot read (Hangul, Cyrillic, Thai, Arabic, Devanagari, Vietnamese marks, ...).
_OTHER = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0eff"
                    "\u1000-\u109f\u1100-\u11ff\uac00-\ud7af\u1ea0-\u1eff\u00c0-\u024f]")
# Romanised Japanese from foreign residents ("kaigo ga taihen desu") is Japanese, not English.
_ROMAJI = re.compile(r"\b(desu|masu|mashita|kudasai|arimasen|dekimasen|onegai|shimasu|nai desu|wakaranai)\b")
_EN_WORDS = re.compile(r"\b(i|i'm|im|my|me|the|and|to|is|am|are|you|want|can|not|no|help|please|have|in|of|a)\b")


def detect_language(normalized: str) -> str:
    if _KANA.search(normalized):  # nearly every message: any kana means Japanese
        return "ja"
    ja = len(_JA.findall(normalized))
    other = len(_OTHER.findall(normalized))
    latin = len(_LATIN.findall(normalized))
    if ja and ja >= other:
        return "ja"
    if other > latin or other >= 2:
        return "other"
    if latin:
        if _ROMAJI.search(normalized) and not _EN_WORDS.search(normalized):
            return "ja"
        return "en"
    # Only digits, punctuation or emoji: read as Japanese (emoji alone still say something).
    return "ja"
