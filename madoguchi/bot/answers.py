"""Which places go into an answer: crisis lines, resources for a worry, lines for other languages.

Built on knowledge.search (the knowledge package ranks; this module picks for a LINE answer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from madoguchi.knowledge import search as kb

# The classifier's crisis kinds -> the knowledge base's (other_danger: the general lines).
KIND_MAP = {
    "suicide": "suicide",
    "child_abuse": "child_abuse",
    "domestic_violence": "domestic_violence",
    "elder_abuse": "elder_abuse",
    "sexual_violence": "sexual_violence",
    "other_danger": "general",
}
MAX_CRISIS_LINES = 4
MAX_PLACES = 8
FOREIGN_LANGUAGE_WORDS = ("外国語", "多言語", "英語")


def kb_kinds(kinds: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(KIND_MAP.get(k, "general") for k in kinds))


def crisis_lines(
    session: Session, *, kinds: Iterable[str], scores: Mapping[str, float], at: datetime
) -> list[kb.SearchResult]:
    """The crisis lines for these kinds that can be called now (open, or hours not fixed), 24 hours first.

    Only when none can be called now do closed ones appear (each with its next opening)."""
    crisis_scores = {c: s for c, s in scores.items() if c in ("suicide_risk", "abuse_violence") and s > 0}
    found = [
        r
        for r in kb.search(session, categories=crisis_scores, crisis_kinds=kb_kinds(kinds) or ["general"], at=at,
                           limit=0, crisis=True)
        if r.section == "crisis"
    ]
    callable_now = [r for r in found if r.open_now is not False and r.resource.phone]
    return (callable_now or found)[:MAX_CRISIS_LINES]


def always_open_lines(session: Session, *, at: datetime) -> list[kb.SearchResult]:
    """The 24-hour general lines (for "people are off duty")."""
    found = kb.search(session, categories={}, crisis_kinds=["general"], at=at, limit=0, crisis=True)
    return [r for r in found if r.resource.hours.always_open][:2]


def places(
    session: Session,
    *,
    labels: list[str],
    scores: Mapping[str, float],
    area_id: int | None,
    text: str | None,
    shown: Iterable[str],
    at: datetime,
    limit: int = MAX_PLACES,
) -> list[kb.SearchResult]:
    """Resources for each issue in turn (so several issues are each covered), skipping those already shown."""
    seen = set(shown)
    wanted = {c: max(float(scores.get(c, 0.0)), 0.01) for c in labels}
    found = [
        r
        for r in kb.search(session, categories=wanted, area_id=area_id, text=text, at=at, limit=60, crisis=False)
        if r.resource.code not in seen
    ]
    by_label: dict[str, list[kb.SearchResult]] = {c: [] for c in labels}
    rest: list[kb.SearchResult] = []
    for r in found:
        first = next((c for c in labels if c in r.matched_categories), None)
        (by_label[first] if first else rest).append(r)
    picked: list[kb.SearchResult] = []
    taken: set[str] = set()
    # Round robin over the issues, best first within each.
    while len(picked) < limit and any(by_label.values()):
        for c in labels:
            queue = by_label[c]
            while queue and queue[0].resource.code in taken:
                queue.pop(0)
            if queue and len(picked) < limit:
                r = queue.pop(0)
                picked.append(r)
                taken.add(r.resource.code)
    for r in rest:
        if len(picked) >= limit:
            break
        if r.resource.code not in taken:
            picked.append(r)
            taken.add(r.resource.code)
    return picked


def foreign_language_lines(session: Session, *, at: datetime) -> list[kb.SearchResult]:
    """Lines whose description says they help in other languages (よりそいホットライン in the demo data)."""
    snap = kb.snapshot(session)
    codes = {
        v.code
        for v in snap.resources
        if any(w in f"{v.description} {v.notes} {' '.join(v.keywords)}" for w in FOREIGN_LANGUAGE_WORDS)
    }
    if not codes:
        return []
    found = kb.search(session, categories={}, crisis_kinds=["general"], at=at, limit=0, crisis=True)
    return [r for r in found if r.resource.code in codes][:3]
