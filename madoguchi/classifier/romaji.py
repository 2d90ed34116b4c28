"""A kana reading of Japanese typed in the Latin alphabet ("kodomo ga netsu de ugokanai", "shinitai").

Foreign residents who speak Japanese but cannot type kana, and residents on a phone without a Japanese
keyboard, write romaji, spelled as they hear it (shi / si, tsu / tu, byouin / byoin, ja / zya, l for r).
Read as English words, "shinitai" meets nothing the model or the crisis rules know; read as しにたい, it
meets the Japanese corpus and the curated expressions. The reading is added beside the words as typed,
never instead of them: English that happens to look like romaji keeps its English reading.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Between a message as typed and its reading (normalised text never holds a line end: see normalize_many).
READING_MARK = "\n"
_VOWELS = {"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お"}
_ROWS = {
    "k": "かきくけこ", "g": "がぎぐげご", "s": "さしすせそ", "z": "ざじずぜぞ", "t": "たちつてと",
    "d": "だぢづでど", "n": "なにぬねの", "h": "はひふへほ", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ",
    "m": "まみむめも", "r": "らりるれろ", "l": "らりるれろ",
}
# Syllables with a consonant cluster or irregular spelling, and the contracted (拗音) ones.
_SPECIAL = {
    "shi": "し", "chi": "ち", "tsu": "つ", "fu": "ふ", "ji": "じ", "wa": "わ", "wo": "を", "ya": "や", "yu": "ゆ",
    "yo": "よ", "fa": "ふぁ", "fi": "ふぃ", "fe": "ふぇ", "fo": "ふぉ", "ti": "ち", "tu": "つ", "si": "し",
    "zi": "じ", "hu": "ふ", "di": "ぢ", "du": "づ", "je": "じぇ", "she": "しぇ", "che": "ちぇ", "we": "うぇ",
    "wi": "うぃ", "ye": "いぇ",
}
_SMALL = {"a": "ゃ", "u": "ゅ", "o": "ょ"}
for _c, _i in {"k": "き", "g": "ぎ", "n": "に", "h": "ひ", "b": "び", "p": "ぴ", "m": "み", "r": "り", "l": "り",
               "d": "ぢ"}.items():
    for _v, _s in _SMALL.items():
        _SPECIAL[_c + "y" + _v] = _i + _s
for _prefixes, _i in (
    (("sh", "sy"), "し"), (("ch", "ty", "cy"), "ち"), (("j", "zy", "jy"), "じ"),
):
    for _p in _prefixes:
        for _v, _s in _SMALL.items():
            _SPECIAL[_p + _v] = _i + _s
for _c, _kana in _ROWS.items():
    for _v, _k in zip("aiueo", _kana, strict=True):
        _SPECIAL.setdefault(_c + _v, _k)
_LONGEST = max(len(s) for s in _SPECIAL)
_WORD = re.compile("[a-z]+")
_KANA_GAP = re.compile("(?<=[\u3041-\u3096]) +(?=[\u3041-\u3096])")
# A word's share of letters that must read as romaji for the message to be given a reading; words of one
# letter (i, a, o) count for nothing either way.
ROMAJI_SHARE = 0.8


# Words repeat across messages (English ones most of all, and every English message is tried): parsed once.
@lru_cache(maxsize=1 << 16)
def word_to_kana(word: str) -> str | None:
    """The hiragana of one lower-case romaji word, or None when some part of it is not romaji."""
    out = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if ch in _VOWELS:
            out.append(_VOWELS[ch])
            i += 1
            continue
        if ch == "n" and (i + 1 == n or word[i + 1] not in "aiueoy"):
            out.append("ん")
            i += 2 if i + 1 < n and word[i + 1] == "n" and (i + 2 == n or word[i + 2] not in "aiueoy") else 1
            continue
        if ch == "m" and i + 1 < n and word[i + 1] in "bpm":  # shimbun, sampo
            out.append("ん")
            i += 1
            continue
        if i + 1 < n and word[i + 1] == ch and ch not in "aiueon":  # a doubled consonant: small tsu
            out.append("っ")
            i += 1
            continue
        if ch == "t" and word.startswith("tch", i):  # matcha
            out.append("っ")
            i += 1
            continue
        for size in range(min(_LONGEST, n - i), 1, -1):
            kana = _SPECIAL.get(word[i : i + size])
            if kana is not None:
                out.append(kana)
                i += size
                break
        else:
            return None
    return "".join(out)


def romaji_reading(text: str) -> str | None:
    """The kana reading of an all-ASCII message that reads as romaji (words that do not read are kept as
    typed), or None when it does not: most of its letters must belong to words that read as romaji."""
    if not text.isascii():
        return None
    words = _WORD.findall(text)
    letters = sum(len(w) for w in words if len(w) > 1)
    if not letters:
        return None
    unread_allowed = letters - ROMAJI_SHARE * letters
    unread = 0
    for w in words:
        if len(w) > 1 and word_to_kana(w) is None:
            unread += len(w)
            if unread > unread_allowed:  # English ends here, usually within its first words
                return None
    # Without the blanks between words, as Japanese is written: Sudachi and the crisis rules read
    # "mou ikitakunai" as もういきたくない, not as three words apart.
    return _KANA_GAP.sub("", _WORD.sub(lambda m: word_to_kana(m.group(0)) or m.group(0), text))


def with_readings(texts: list[str]) -> list[str]:
    """Normalised messages, each that reads as romaji followed by READING_MARK and its reading."""
    out = []
    for text in texts:
        reading = romaji_reading(text)
        out.append(text if reading is None else text + READING_MARK + reading)
    return out
