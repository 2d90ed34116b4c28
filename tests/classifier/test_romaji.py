"""Romaji read as kana beside the words as typed (romaji.py), with the real tokenizer and model."""

import pytest

from madoguchi.classifier import Classifier
from madoguchi.classifier.crisis import CrisisRules
from madoguchi.classifier.model import prepare_many
from madoguchi.classifier.romaji import READING_MARK, romaji_reading, word_to_kana


@pytest.mark.parametrize(
    ("word", "kana"),
    [
        ("shinitai", "しにたい"),
        ("sinitai", "しにたい"),  # kunrei
        ("tsurai", "つらい"),
        ("turai", "つらい"),
        ("byouin", "びょういん"),
        ("jisshuusei", "じっしゅうせい"),  # a doubled consonant
        ("konnichiwa", "こんにちわ"),
        ("onna", "おんな"),
        ("shimbun", "しんぶん"),  # m before b
        ("matcha", "まっちゃ"),
        ("zyuugyou", "じゅうぎょう"),
        ("filipina", "ふぃりぴな"),  # l typed for r
        ("nagurareta", "なぐられた"),
    ],
)
def test_words_read_as_kana(word: str, kana: str) -> None:
    assert word_to_kana(word) == kana


@pytest.mark.parametrize("word", ["help", "want", "bright", "xyz", "please"])
def test_words_that_are_not_romaji(word: str) -> None:
    assert word_to_kana(word) is None


def test_a_message_reads_without_blanks_between_words() -> None:
    assert romaji_reading("mou ikitakunai") == "もういきたくない"
    # A word that does not read is kept as typed.
    assert romaji_reading("boss ga okotte ashi wo ketta") == "boss がおこってあしをけった"


@pytest.mark.parametrize(
    "text",
    ["i want to die", "my husband hits me", "please help", "I have no money for rent this month", "ok", "こんにちは",
     "so tired of everything", "take care"],
)
def test_english_and_japanese_get_no_reading(text: str) -> None:
    assert romaji_reading(text.lower()) is None


def test_the_reading_is_added_beside_the_words_as_typed() -> None:
    rules = CrisisRules.from_file()
    romaji, english = prepare_many(["otto ni nagurareta", "I want to die"], rules)
    assert romaji.doc.text == "otto ni nagurareta" + READING_MARK + "おっとになぐられた"
    assert "nagurareta" in romaji.doc.forms and "殴る" in romaji.doc.forms  # typed words split as ASCII
    assert romaji.language == "en"  # the language of the message as typed
    assert english.doc.text == "i want to die" and READING_MARK not in english.doc.text


@pytest.mark.parametrize(
    ("text", "kind"),
    [("shinitai", "suicide"), ("Otto ni nagurareta. kowai", "domestic_violence"), ("SHINITAI", "suicide")],
)
def test_romaji_crises(classifier: Classifier, text: str, kind: str) -> None:
    p = classifier.classify(text)
    assert p.crisis and kind in p.crisis_kinds


def test_romaji_hard_negative_is_cut(classifier: Classifier) -> None:
    # 死ぬほど忙しい in romaji: cut out before the crisis rules read it, as in kana.
    p = classifier.classify("shigoto shinu hodo isogashii")
    assert not p.crisis and "employment" in p.labels
