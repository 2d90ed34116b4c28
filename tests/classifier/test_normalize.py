import pytest

from madoguchi.classifier.normalize import emojis, fold_kana, normalize, normalize_many


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ　ｄｅｆ", "abc def"),  # full-width letters and space
        ("ｼﾆﾀｲ", "シニタイ"),  # half-width katakana
        ("つらーーーい", "つらい"),  # long vowel after hiragana is not spelling
        ("すご～い", "すごい"),  # wave dash as long vowel
        ("しんどいいいいい", "しんどいい"),  # runs squeezed to two
        ("ｗｗｗｗｗ", "ww"),
        ("えっっっ", "えっ"),
        ("!!!!", "!"),
        ("ケアマネージャー", "ケアマネージャー"),  # katakana long vowels stay
        ("10〜12時", "10~12時"),  # a range stays a range
        ("  二重  スペース ", "二重 スペース"),
        ("", ""),
        ("\ud83dつらい\ude22", "つらい"),  # lone surrogates (half an emoji) say nothing and cannot be encoded
        ("I don’t want to be here", "i don't want to be here"),  # a phone's typographic apostrophe
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_emoji_kept_as_signal() -> None:
    text = normalize("つらい😢️😢😢😢")
    assert emojis(text) == ["😢", "😢"]  # variation selector dropped, run squeezed, emoji kept


def test_fold_kana_meets_hiragana() -> None:
    assert fold_kana(normalize("ｼﾆﾀｲ")) == fold_kana(normalize("シニタイ")) == "しにたい"


def test_a_batch_normalises_each_message_as_alone() -> None:
    texts = ["", "つらーーい", "ーあー", " a\t\tb ", "", "やだーー\nほんと", "ｰｰｰ"]
    expected = ["", "つらい", "ーあ", "a b", "", "やだ ほんと", "ー"]
    assert normalize_many(texts) == [normalize(t) for t in texts] == expected
    assert normalize_many([""]) == [""]
