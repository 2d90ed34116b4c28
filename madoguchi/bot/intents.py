"""What a short message asks for (a person, cancel, erasure...): the classifier's intent, with a few
fixed phrases as a safety net so that asking for a person or for erasure always works."""

from __future__ import annotations

import re
import unicodedata

from madoguchi.classifier import Prediction

TALK = "talk_to_person"
CANCEL = "cancel"
ERASE = "erase_data"
GREETING = "greeting"
THANKS = "thanks"
HOW_TO = "how_to_use"

_PHRASES = [
    (ERASE, re.compile(r"(データ|記録|履歴|情報).{0,6}(消して|消したい|削除)|退会")),
    (TALK, re.compile(r"(人|ひと|相談員|職員|担当|スタッフ|オペレーター).{0,6}"
                      r"(話したい|はなしたい|つないで|お願い|おねがい)|有人|talk to (a )?(person|human|someone)")),
    (CANCEL, re.compile(r"^(キャンセル|やめます|やっぱりいい(です)?|待つのをやめる)$")),
]
SHORT = 40


def fixed_intent(text: str) -> str | None:
    """One of the fixed phrases, in a short message."""
    normalized = unicodedata.normalize("NFKC", text or "").strip()
    if len(normalized) <= SHORT:
        for intent, pattern in _PHRASES:
            if pattern.search(normalized.lower()):
                return intent
    return None


def intent_of(prediction: Prediction, text: str) -> str | None:
    """An intent for a short message (a long one is a worry that may also ask for something)."""
    return fixed_intent(text) or prediction.intent


def overrides_crisis_signal(prediction: Prediction, text: str) -> bool:
    """A short fixed request (「データを消して」) with only the model's statistical crisis signal and no crisis
    expression is that request, not a crisis: curated expressions always win."""
    return prediction.crisis and not prediction.crisis_expressions and fixed_intent(text) is not None
