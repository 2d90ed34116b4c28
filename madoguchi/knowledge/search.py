"""Which places fit this worry, here, now: ranked search over an in-memory snapshot.

Each call reads one small row (the knowledge version stamp) and otherwise works on an
immutable snapshot of the active resources, rebuilt only when the stamp changes. That keeps
a search well under 5 ms for a city of 500 resources (see bench.py).

Order of the answer:
1. For a crisis: the crisis lines serving the crisis kinds (lines marked 全般 serve every
   kind and are the only ones when the kind is unknown; with no kinds given, a
   suicide_risk score means the kind "suicide"): open now first, then 24-hour lines,
   then lines for that very kind before general ones, then lines for the kind named
   first before those for the next, then priority.
2. Then resources of the matched categories (or whose keywords appear in the message):
   the resident's area before city-wide before national; open now before "varies" before
   closed; then relevance (the classifier's scores of the matched categories plus a boost
   per keyword found in the message); then priority; then reading.
Resources past their review-by date stay in the answer (marked stale), never dropped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.knowledge import hours as hours_mod
from madoguchi.knowledge import service
from madoguchi.knowledge import text as text_mod
from madoguchi.knowledge.models import (
    CATEGORY_IDS,
    CATEGORY_NAMES,
    CRISIS_CATEGORIES,
    CRISIS_KIND_NAMES,
    CRISIS_KINDS,
    Resource,
)
from madoguchi.shared import clock

KEYWORD_BOOST = 0.5
DEFAULT_LIMIT = 10
_TIER_NAMES = {0: "お住まいの地区", 1: "市内全域", 2: "全国", 3: "地区"}


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_tz() -> tzinfo:
    """MADOGUCHI_TZ: the zone opening hours are written in (not the process's TZ)."""
    from madoguchi.shared.settings import get_settings

    return _zone(get_settings().madoguchi_tz)


def local_today(at: datetime | None = None) -> date:
    return (at or clock.now()).astimezone(local_tz()).date()


@dataclass(frozen=True)
class ResourceView:
    """An immutable copy of an active resource, safe to share between requests and threads."""

    id: int
    code: str
    name: str
    reading: str
    categories: tuple[str, ...]
    description: str
    audience: str
    phone: str
    web_url: str
    line_url: str
    address: str
    scope: str
    area_ids: tuple[int, ...]
    area_names: tuple[str, ...]
    hours_text: str
    hours: hours_mod.Hours
    crisis_kinds: tuple[str, ...]
    priority: int
    keywords: tuple[str, ...]
    owner: str
    last_verified_on: date | None
    review_by: date | None
    notes: str

    @property
    def is_crisis_line(self) -> bool:
        return bool(self.crisis_kinds)

    @classmethod
    def of(cls, r: Resource) -> ResourceView:
        return cls(
            id=r.id,
            code=r.code,
            name=r.name,
            reading=r.reading,
            categories=tuple(r.categories),
            description=r.description,
            audience=r.audience,
            phone=r.phone,
            web_url=r.web_url,
            line_url=r.line_url,
            address=r.address,
            scope=r.scope,
            area_ids=tuple(r.area_ids),
            area_names=tuple(a.name for a in r.areas),
            hours_text=r.hours,
            hours=_parse_stored_hours(r.hours),
            crisis_kinds=tuple(r.crisis_kinds),
            priority=r.priority,
            keywords=tuple(r.keywords),
            owner=r.owner,
            last_verified_on=r.last_verified_on,
            review_by=r.review_by,
            notes=r.notes,
        )


def _parse_stored_hours(text: str) -> hours_mod.Hours:
    try:
        return hours_mod.parse(text)
    except hours_mod.HoursError:
        # Stored hours were checked when saved; if the grammar ever tightens, say "ask" rather than guess.
        return hours_mod.Hours(varies=True)


@dataclass(frozen=True)
class SearchResult:
    resource: ResourceView
    section: str  # "crisis" (crisis lines) | "match" (resources of the worry)
    open_now: bool | None  # None: the hours vary or are unknown; the card must say so
    next_opens_at: datetime | None  # when closed: the next opening (aware, MADOGUCHI_TZ)
    closes_at: datetime | None  # when open: the end of this opening (None for round the clock)
    stale: bool  # past its review-by date: shown, but staff should re-check it
    matched_categories: tuple[str, ...] = ()
    matched_keywords: tuple[str, ...] = ()
    why: tuple[str, ...] = ()  # short Japanese reasons, for the console's preview


@dataclass
class Snapshot:
    """The active resources and the indexes search needs; rebuilt when the stamp changes."""

    stamp: str | None
    resources: tuple[ResourceView, ...]
    by_category: dict[str, tuple[int, ...]]
    crisis_lines: tuple[int, ...]
    # Each distinct keyword once: normalised text -> (its Sudachi forms, [(resource index, keyword as written)]).
    keywords: dict[str, tuple[tuple[str, ...], tuple[tuple[int, str], ...]]]
    known: tuple[bool, ...]  # hours say open or closed (not 要確認 or empty)
    _days: OrderedDict[date, list[tuple[tuple[int, int], ...] | None]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, stamp: str | None, resources: Iterable[Resource]) -> Snapshot:
        views = tuple(ResourceView.of(r) for r in resources)
        by_category: dict[str, list[int]] = {c: [] for c in CATEGORY_IDS}
        keywords: dict[str, tuple[tuple[str, ...], list[tuple[int, str]]]] = {}
        for i, v in enumerate(views):
            for c in v.categories:
                by_category.setdefault(c, []).append(i)
            for kw in v.keywords:
                normalised = text_mod.normalise_text(kw)
                if normalised not in keywords:
                    keywords[normalised] = (text_mod.keyword_forms(kw), [])
                keywords[normalised][1].append((i, kw))
        today = clock.now().date()
        hours_mod.warm_up(range(today.year - 1, today.year + 2))
        return cls(
            stamp=stamp,
            resources=views,
            by_category={c: tuple(ix) for c, ix in by_category.items()},
            crisis_lines=tuple(i for i, v in enumerate(views) if v.is_crisis_line),
            keywords={k: (forms, tuple(hits)) for k, (forms, hits) in keywords.items()},
            known=tuple(v.hours.known for v in views),
        )

    def ranges(self, index: int, d: date) -> tuple[tuple[int, int], ...]:
        """hours.ranges_on(d) of one resource, computed once per day for the whole snapshot."""
        day = self._days.get(d)
        if day is None:
            with self._lock:
                day = self._days.get(d)
                if day is None:
                    day = self._days[d] = [None] * len(self.resources)
                    while len(self._days) > 64:  # a long-running process sees many days
                        self._days.popitem(last=False)
        found = day[index]
        if found is None:
            found = day[index] = self.resources[index].hours.ranges_on(d)
        return found

    def ranges_of(self, index: int) -> hours_mod.RangesOn:
        return lambda d: self.ranges(index, d)

    def is_open(self, index: int, local: datetime) -> bool | None:
        if not self.known[index]:
            return None
        d = local.date()
        minute = local.hour * 60 + local.minute
        for s, e in self.ranges(index, d):
            if s <= minute < e:
                return True
        minute += hours_mod.DAY_MINUTES
        return any(s <= minute < e for s, e in self.ranges(index, d - timedelta(days=1)))


_cache: OrderedDict[str, Snapshot] = OrderedDict()
_cache_lock = threading.Lock()


def snapshot(session: Session) -> Snapshot:
    """The snapshot for the data this session sees (one primary-key read when unchanged)."""
    # No stamp yet (no change ever made here): build without caching.
    stamp = service.current_stamp(session) or None
    if stamp is not None:
        with _cache_lock:
            found = _cache.get(stamp)
            if found is not None:
                _cache.move_to_end(stamp)
                return found
    query = select(Resource).where(Resource.active.is_(True)).order_by(Resource.code)
    snap = Snapshot.build(stamp, session.scalars(query))
    if stamp is not None:
        with _cache_lock:
            _cache[stamp] = snap
            while len(_cache) > 4:
                _cache.popitem(last=False)
    return snap


def _open_rank(state: bool | None) -> int:
    return 0 if state else (1 if state is None else 2)


def search(
    session: Session,
    *,
    categories: Mapping[str, float],
    crisis_kinds: Iterable[str] = (),
    area_id: int | None = None,
    text: str | None = None,
    at: datetime,
    limit: int = DEFAULT_LIMIT,
    crisis: bool | None = None,
    tz: tzinfo | None = None,
) -> list[SearchResult]:
    """Ranked places for a worry (see the module docstring for the order).

    categories: classifier scores by category id (ids with score <= 0 are ignored).
    crisis: defaults to "crisis kinds were given or a crisis category scored".
    limit caps the matches after the crisis lines; crisis lines are never cut.
    """
    if at.tzinfo is None:
        raise ValueError("search() needs an aware datetime (clock.now() gives one)")
    tz = tz or local_tz()
    local = at.astimezone(tz)
    today = local.date()
    snap = snapshot(session)
    cats = {c: float(s) for c, s in categories.items() if c in CATEGORY_IDS and s > 0}
    given_kinds = tuple(crisis_kinds)
    # Unknown kinds fall back to the general lines, like no kind at all.
    kinds = [k for k in given_kinds if k in CRISIS_KINDS and k != "general"]
    if not given_kinds and "suicide_risk" in cats:
        # The classifier's suicide_risk names the kind even when the crisis detector gave none.
        kinds = ["suicide"]
    if crisis is None:
        crisis = bool(given_kinds) or any(c in CRISIS_CATEGORIES for c in cats)

    results: list[SearchResult] = []
    taken: set[int] = set()
    if crisis:
        ranked = []
        for i in snap.crisis_lines:
            view = snap.resources[i]
            specific = [k for k in kinds if k in view.crisis_kinds]
            if not specific and "general" not in view.crisis_kinds:
                continue
            state = snap.is_open(i, local)
            # Among lines equally reachable, those for the kind named first (the classifier names the kind
            # its answer should lead with first): a woman hit by her husband reads DV相談＋ before 189.
            first_kind = min((kinds.index(k) for k in specific), default=len(kinds))
            key = (
                _open_rank(state), not view.hours.always_open, not specific, first_kind, -view.priority, view.reading,
                view.code,
            )
            ranked.append((key, i, state, specific))
        ranked.sort()
        for _key, i, state, specific in ranked:
            view = snap.resources[i]
            why = [f"危機: {'・'.join(CRISIS_KIND_NAMES[k] for k in (specific or ['general']))}"]
            results.append(_result(snap, i, "crisis", state, local, today, tz, why=why))
            taken.add(i)

    keyword_hits: dict[int, list[str]] = {}
    if text:
        message = text_mod.normalise_text(text)
        message_words = text_mod.words(text)
        for normalised, (forms, hits) in snap.keywords.items():
            if normalised in message or (forms and all(f in message_words for f in forms)):
                for i, keyword in hits:
                    keyword_hits.setdefault(i, []).append(keyword)

    candidates: set[int] = set(keyword_hits)
    for c in cats:
        candidates.update(snap.by_category.get(c, ()))
    candidates -= taken
    ranked_matches = []
    for i in candidates:
        view = snap.resources[i]
        if view.scope == "area":
            if area_id is None:
                tier = 3
            elif area_id in view.area_ids:
                tier = 0
            else:
                continue  # another area's place: the resident's own area has its counterpart
        else:
            tier = 1 if view.scope == "city" else 2
        state = snap.is_open(i, local)
        matched = tuple(c for c in view.categories if c in cats)
        hits = tuple(keyword_hits.get(i, ()))
        relevance = sum(cats[c] for c in matched) + KEYWORD_BOOST * len(hits)
        key = (tier, _open_rank(state), -relevance, -view.priority, view.reading, view.code)
        ranked_matches.append((key, i, state, matched, hits, tier))
    ranked_matches.sort()
    for _key, i, state, matched, hits, tier in ranked_matches[: max(limit, 0)]:
        why = [f"カテゴリ: {CATEGORY_NAMES[c]}" for c in matched]
        why += [f"キーワード: {k}" for k in hits]
        why.append(_TIER_NAMES[tier])
        results.append(_result(snap, i, "match", state, local, today, tz, why=why, matched=matched, hits=hits))
    return results


def _result(
    snap: Snapshot,
    index: int,
    section: str,
    state: bool | None,
    local: datetime,
    today: date,
    tz: tzinfo,
    *,
    why: list[str],
    matched: tuple[str, ...] = (),
    hits: tuple[str, ...] = (),
) -> SearchResult:
    view = snap.resources[index]
    stale = view.review_by is not None and view.review_by < today
    if state is None:
        why.append("受付時間は要確認")
    elif state:
        why.append("いま受付中")
    if stale:
        why.append("見直し期限切れ")
    return SearchResult(
        resource=view,
        section=section,
        open_now=state,
        next_opens_at=view.hours.next_opening(local, tz, snap.ranges_of(index)) if state is False else None,
        closes_at=view.hours.closes_at(local, tz, snap.ranges_of(index)) if state else None,
        stale=stale,
        matched_categories=matched,
        matched_keywords=hits,
        why=tuple(why),
    )
