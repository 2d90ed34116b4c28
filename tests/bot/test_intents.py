"""Fixed phrases: asking for a person or for erasure always works, whatever the model says."""

from __future__ import annotations

from madoguchi.bot import intents


def test_fixed_phrases() -> None:
    assert intents.fixed_intent("人と話したい") == intents.TALK
    assert intents.fixed_intent("相談員さんお願いします") == intents.TALK
    assert intents.fixed_intent("データを消して") == intents.ERASE
    assert intents.fixed_intent("キャンセル") == intents.CANCEL
    assert intents.fixed_intent("母が人と話したがらない") is None
    # A long message is a worry that may also ask for something: the classifier decides.
    assert intents.fixed_intent("人と話したい。" + "母の介護がたいへんで、毎日くたくたです。" * 3) is None
