"""Keyword lists (data/keywords.yml): the keyword baseline for Japanese, and how English is read."""

from __future__ import annotations

from pathlib import Path

import yaml

from madoguchi.classifier.crisis import rule_view
from madoguchi.classifier.labels import CATEGORIES
from madoguchi.classifier.normalize import normalize

KEYWORDS_FILE = Path(__file__).parent / "data" / "keywords.yml"


def load_keywords(path: Path = KEYWORDS_FILE) -> dict[str, dict[str, list[str]]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class KeywordMatcher:
    """A category is matched when one of its keywords occurs in the message."""

    def __init__(self, spec: dict[str, dict[str, list[str]]], lang: str) -> None:
        self.lang = lang
        self.keywords = {
            cat: [self._view(normalize(str(k))) for k in spec.get(cat, {}).get(lang, [])] for cat in CATEGORIES
        }

    def _view(self, normalized: str) -> str:
        return rule_view(normalized) if self.lang == "ja" else normalized

    def match(self, normalized: str) -> list[str]:
        view = self._view(normalized)
        return [cat for cat, words in self.keywords.items() if any(w in view for w in words)]
