"""Intent expressions: the common ways of greeting, thanking, asking for a person, asking how to use the
service, asking to erase one's data or calling it off (data/intent_expressions.yml).

They back up the intent model, which recognises the phrasings it was taught but, on phrasings held out
from it, only about half (使い方を教えて and 記録を全部消してほしい were read as worries). The model decides
first; these are tried only on a short message that the model did not read as an intent, that no crisis
expression matched and that no category scored confidently (see model.decide_many).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from madoguchi.classifier.crisis import rule_view
from madoguchi.classifier.normalize import EMOJI_RANGES

INTENT_EXPRESSIONS_FILE = Path(__file__).parent / "data" / "intent_expressions.yml"

# What may surround the expressions of a `whole` family: spaces, punctuation, laughter and emoji.
_SEPARATORS = f"[\\s、。,.!?！？…・~〜\"'「」()（）♪☆★ｗw笑{EMOJI_RANGES}]"


class IntentRules:
    """Compiled intent families, tried in the order of the file; the first that matches names the intent."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.max_chars = int(spec.get("max_chars", 30))
        fillers = "|".join(rule_view(f) for f in spec.get("fillers", []))
        self._families: list[tuple[str, re.Pattern[str]]] = []
        for family in spec.get("intents", []):
            either = "|".join(f"(?:{rule_view(p)})" for p in family["patterns"])
            if family.get("whole"):
                # Made only of the family's expressions, fillers and separators, with one expression at least.
                around = f"(?:{_SEPARATORS}|{fillers})" if fillers else _SEPARATORS
                regex = f"^(?:{around})*(?:{either})(?:{around}|{either})*$"
            else:
                regex = either
            self._families.append((family["id"], re.compile(regex)))

    @classmethod
    def from_file(cls, path: Path = INTENT_EXPRESSIONS_FILE) -> IntentRules:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def match(self, view: str) -> str | None:
        """The intent of a message given as its rule view (normalised, katakana folded, no "ー")."""
        if not view or len(view) > self.max_chars:
            return None
        for intent, regex in self._families:
            if regex.search(view):
                return intent
        return None
