"""Fixed ids: categories (spec/categories.md), crisis kinds and intents."""

from __future__ import annotations

from madoguchi.shared.categories import CATEGORY_IDS, CATEGORY_NAMES, CRISIS_CATEGORIES  # noqa: F401 - re-exported

CATEGORIES: tuple[str, ...] = CATEGORY_IDS

CRISIS_KINDS: tuple[str, ...] = (
    "suicide",
    "child_abuse",
    "domestic_violence",
    "elder_abuse",
    "sexual_violence",
    "other_danger",
)

INTENTS: tuple[str, ...] = ("greeting", "thanks", "talk_to_person", "how_to_use", "erase_data", "cancel")

CATEGORY_NAMES_JA: dict[str, str] = CATEGORY_NAMES
