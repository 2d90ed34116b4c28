"""Curated crisis expressions and hard negatives (data/crisis_expressions.yml).

The model's crisis signal misses what the corpus never said; these families catch the ways people say
it directly and indirectly (消えたい, 薬を集めている, 足音がすると震える), in kanji, hiragana and katakana,
and the common English ones. A match is a crisis whatever the model says. Hard negatives
(死ぬほど忙しい, 殺虫剤) are cut out of the message before the rules and the crisis signal read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from madoguchi.classifier.normalize import fold_kana

EXPRESSIONS_FILE = Path(__file__).parent / "data" / "crisis_expressions.yml"


def rule_view(normalized: str) -> str:
    """What patterns are matched against: katakana folded to hiragana, long-vowel marks removed."""
    return fold_kana(normalized).replace("ー", "")


def _compile_pattern(pattern: str) -> str:
    # Patterns are written in hiragana; fold anything else the same way the text is folded.
    return rule_view(pattern)


@dataclass(frozen=True)
class Family:
    id: str
    kind: str | None  # None: the family says "crisis" but not which kind; the model names it
    label: str | None
    lang: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    family: str
    kind: str | None
    label: str | None
    matched: str


class CrisisRules:
    """Compiled expression families: one combined regex per language, one for hard negatives."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.families: list[Family] = []
        parts: dict[str, list[str]] = {"ja": [], "en": []}
        for i, fam in enumerate(spec["families"]):
            lang = fam.get("lang", "ja")
            label = fam.get("label")
            family = Family(
                id=fam["id"],
                kind=fam.get("kind"),
                label=None if label in (None, "none") else label,
                lang=lang,
                examples=tuple(fam.get("examples", [])),
            )
            self.families.append(family)
            alternatives = "|".join(f"(?:{_compile_pattern(p)})" for p in fam["patterns"])
            parts[lang].append(f"(?P<f{i}>{alternatives})")
        self._regex = {lang: re.compile("|".join(p)) for lang, p in parts.items() if p}
        negatives = spec.get("hard_negatives", {})
        self.hard_negative_examples = tuple(negatives.get("examples", []))
        self._negative = re.compile("|".join(f"(?:{_compile_pattern(p)})" for p in negatives.get("patterns", [])))

    @classmethod
    def from_file(cls, path: Path = EXPRESSIONS_FILE) -> CrisisRules:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def match(self, *views: str) -> list[Hit]:
        """Every family that matches one of the views (rule_view text, joined normalized forms)."""
        # Every message is read with both sets: Japanese text carries English phrases and romanised
        # Japanese ("owari ni shitai") is often detected as English.
        regexes = [r for r in (self._regex.get("ja"), self._regex.get("en")) if r is not None]
        hits: dict[str, Hit] = {}
        for regex in regexes:
            for view in views:
                for m in regex.finditer(view):
                    name = m.lastgroup
                    if name is None:
                        continue
                    family = self.families[int(name[1:])]
                    hits.setdefault(family.id, Hit(family.id, family.kind, family.label, m.group(0)))
        return list(hits.values())

    def defuse(self, normalized: str) -> str | None:
        """The message with hard-negative spans cut out, or None when it has none."""
        view = rule_view(normalized)
        if not self._negative.pattern or not self._negative.search(view):
            return None
        # Map positions in the view (no "ー") back to the normalised text.
        folded = fold_kana(normalized)
        positions = [i for i, ch in enumerate(folded) if ch != "ー"]
        keep = [True] * len(normalized)
        for m in self._negative.finditer(view):
            if m.end() > m.start():
                for i in range(positions[m.start()], positions[m.end() - 1] + 1):
                    keep[i] = False
        return "".join(ch if k else " " for ch, k in zip(normalized, keep, strict=True)).strip()
