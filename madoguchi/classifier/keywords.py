"""Keyword lists (data/keywords.yml): the keyword baseline for Japanese, and how English is read."""

from __future__ import annotations

import re
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
        # One search per category instead of one substring test per keyword (English is read this way on
        # every English message).
        self._patterns = [
            (cat, re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))))
            for cat, words in self.keywords.items()
            if words
        ]

    def _view(self, normalized: str) -> str:
        return rule_view(normalized) if self.lang == "ja" else normalized

    def match(self, normalized: str) -> list[str]:
        view = self._view(normalized)
        return [cat for cat, pattern in self._patterns if pattern.search(view)]
