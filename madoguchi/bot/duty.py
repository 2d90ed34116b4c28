"""When people (coordinators) are on duty: `is_on_duty(at)` and `next_on_duty(at)`, used wherever the bot
speaks of people.

The schedule is `settings.duty_hours`, written in the knowledge base's opening-hours grammar
(`月-金 8:30-17:15; 祝日休み; 年末年始休み`), in MADOGUCHI_TZ, Japanese public holidays included.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from madoguchi.knowledge import hours as hours_mod
from madoguchi.shared.settings import Settings, get_settings


@lru_cache(maxsize=8)
def _schedule(text: str) -> hours_mod.Hours:
    return hours_mod.parse(text)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_on_duty(at: datetime, *, settings: Settings | None = None) -> bool:
    """True when coordinators are on duty at `at` (hours that say 要確認 count as off duty)."""
    settings = settings or get_settings()
    return bool(_schedule(settings.duty_hours).is_open(at, _zone(settings.madoguchi_tz)))


def next_on_duty(at: datetime, *, settings: Settings | None = None) -> datetime | None:
    """When people are next on duty (local time, aware); `at` itself when on duty now."""
    settings = settings or get_settings()
    zone = _zone(settings.madoguchi_tz)
    moment = _schedule(settings.duty_hours).next_opening(at, zone)
    return moment.astimezone(zone) if moment else None
