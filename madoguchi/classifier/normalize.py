"""Text normalisation applied before anything reads a message (model, crisis rules, intents).

Residents type on phones: full-width and half-width letters, ｶﾀｶﾅ, "つらーーーい", "しんどいいいい", "!!!!",
emoji. Everything downstream sees one canonical form so that the training corpus and live messages meet.
"""

from __future__ import annotations

import re
import unicodedata

# Variation selectors, zero-width joiners and skin-tone modifiers change how an emoji looks, not what it says.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\ufe00-\ufe0f\U0001f3fb-\U0001f3ff]")
# Wave dashes and dash-like marks typed as a long vowel ("なぁ〜", "すご～い" becomes "~" after NFKC).
_WAVE = re.compile("[〜~∼―‐‑–—ｰ]+")
_LONG_RUN = re.compile("ー{2,}")
# A long-vowel mark right after hiragana is never standard spelling ("つらーい", "やだー"): drop it.
_LONG_AFTER_HIRAGANA = re.compile("(?<=[\u3041-\u309f])ー")
_SMALL_TSU_RUN = re.compile("([っッ])\\1+")
_PUNCT_RUN = re.compile("([!?。、.,・])\\1+")
# Any other character repeated three times or more keeps two copies: "しんどいいいい" -> "しんどいい",
# "wwww" -> "ww"; two copies keep words like "ああ" and "はは" intact.
_CHAR_RUN = re.compile("(.)\\1{2,}")
_SPACES = re.compile("\\s+")

_KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def normalize(text: str) -> str:
    """Canonical form of a message: NFKC, lower case, squeezed repeats and long vowels, emoji kept."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = _INVISIBLE.sub("", t)
    t = t.lower()
    t = _WAVE.sub(_wave_replacement, t)
    t = _LONG_RUN.sub("ー", t)
    t = _LONG_AFTER_HIRAGANA.sub("", t)
    t = _SMALL_TSU_RUN.sub("\\1", t)
    t = _PUNCT_RUN.sub("\\1", t)
    t = _CHAR_RUN.sub("\\1\\1", t)
    t = _SPACES.sub(" ", t).strip()
    return t


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


_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\U0001f000-\U0001f2ff\u2b00-\u2bff]")


def is_emoji(ch: str) -> bool:
    """True for pictographs and emoticon symbols (kept as signals: 😢, 💢, 🔪)."""
    return bool(_EMOJI.match(ch))


def emojis(text: str) -> list[str]:
    return _EMOJI.findall(text)
