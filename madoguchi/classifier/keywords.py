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
        # Each keyword is looked for only when the message holds its first two characters: a set of the
        # message's character pairs, intersected with the keywords' (English is read this way on every
        # English message; 14 alternation searches cost about 40 us a message, this about a third).
        self._always: list[tuple[int, str]] = []
        self._by_pair: dict[str, list[tuple[int, str]]] = {}
        for j, cat in enumerate(CATEGORIES):
            for word in self.keywords[cat]:
                if len(word) < 2:
                    self._always.append((j, word))
                else:
                    self._by_pair.setdefault(word[:2], []).append((j, word))
        self._pairs = frozenset(self._by_pair)

    def _view(self, normalized: str) -> str:
        return rule_view(normalized) if self.lang == "ja" else normalized

    def match(self, normalized: str) -> list[str]:
        """The categories (in CATEGORIES order) one of whose keywords occurs in the message."""
        view = self._view(normalized)
        found: set[int] = {j for j, word in self._always if word in view}
        for pair in self._pairs.intersection([view[i : i + 2] for i in range(len(view) - 1)]):
            for j, word in self._by_pair[pair]:
                if j not in found and word in view:
                    found.add(j)
        return [CATEGORIES[j] for j in sorted(found)]
