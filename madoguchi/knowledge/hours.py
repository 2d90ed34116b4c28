"""Opening hours: the written form staff type in a CSV cell, parsed, checked and printed back.

Examples (canonical form; see README.md for the whole syntax):
    月-金 8:30-17:15; 第2土 9:00-12:00; 祝日休み
    24時間
    毎日 16:00-翌8:00; 毎月10日 8:00-翌8:00
    要確認（都道府県により異なる）

A range belongs to the day it starts on: "16:00-翌8:00" on Friday runs into
Saturday morning, and a public holiday closure cancels the ranges that start
on the holiday. "要確認" is the honest answer for lines whose hours vary
(by prefecture, by the nearest centre): then the card says so instead of
claiming open or closed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

import holidays

DAY_NAMES = "月火水木金土日"  # index = date.weekday()
DAY_MINUTES = 24 * 60
VARIES = "要確認"
ALL_DAY = "24時間"
HOLIDAYS_CLOSED = "祝日休み"
YEAR_END_CLOSED = "年末年始休み"
# 12/29-1/3: the closure most public offices keep, not in the holiday calendar.
YEAR_END_DAYS = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
# How far next_opening looks ahead: a monthly-only line opens within ~31 days.
LOOKAHEAD_DAYS = 400


RangesOn = Callable[[date], tuple[tuple[int, int], ...]]


class HoursError(ValueError):
    """The written hours cannot be read; the message (Japanese) says why."""


@dataclass(frozen=True)
class TimeRange:
    start: int  # minutes after midnight of the day it starts on
    end: int  # may exceed 1440 when it runs past midnight ("翌")

    def text(self) -> str:
        if self.end > DAY_MINUTES:
            return f"{_fmt(self.start)}-翌{_fmt(self.end - DAY_MINUTES)}"
        return f"{_fmt(self.start)}-{_fmt(self.end)}"


@dataclass(frozen=True)
class Rule:
    """Ranges on the days a selector picks: weekdays, nth weekdays of the month, or days of the month."""

    kind: str  # "weekly" | "nth" | "monthday" | "always"
    weekdays: frozenset[int] = frozenset()
    nths: tuple[int, ...] = ()
    monthdays: tuple[int, ...] = ()
    ranges: tuple[TimeRange, ...] = ()

    def applies(self, d: date) -> bool:
        if self.kind in ("always",):
            return True
        if self.kind == "weekly":
            return d.weekday() in self.weekdays
        if self.kind == "nth":
            return d.weekday() in self.weekdays and (d.day - 1) // 7 + 1 in self.nths
        return d.day in self.monthdays

    def text(self) -> str:
        if self.kind == "always":
            return ALL_DAY
        ranges = ",".join(r.text() for r in self.ranges)
        if self.kind == "weekly":
            return f"{_days_text(self.weekdays)} {ranges}"
        if self.kind == "nth":
            return f"第{'・'.join(str(n) for n in self.nths)}{DAY_NAMES[next(iter(self.weekdays))]} {ranges}"
        return f"毎月{'・'.join(str(n) for n in self.monthdays)}日 {ranges}"


@dataclass(frozen=True)
class Hours:
    """Parsed opening hours. `varies` means: do not claim open or closed, say `note` or 要確認."""

    rules: tuple[Rule, ...] = ()
    closed_on_holidays: bool = False
    closed_year_end: bool = False
    varies: bool = False
    note: str = ""
    # The order segments were written in, so printing gives back what staff typed (canonicalised).
    order: tuple[str, ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return not self.rules and not self.varies

    @property
    def known(self) -> bool:
        """False when the card must say the hours vary or are unknown."""
        return not self.varies and not self.empty

    @property
    def always_open(self) -> bool:
        return any(r.kind == "always" for r in self.rules) and not self.closed_on_holidays and not self.closed_year_end

    def text(self) -> str:
        """The canonical written form (parse(text()) == self, and text() is stable)."""
        if self.varies:
            return f"{VARIES}（{self.note}）" if self.note else VARIES
        parts: list[str] = []
        rules = iter(self.rules)
        for item in self.order:
            if item == "rule":
                parts.append(next(rules).text())
            elif item == "holidays":
                parts.append(HOLIDAYS_CLOSED)
            elif item == "year_end":
                parts.append(YEAR_END_CLOSED)
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.text()

    # --- when is it open -------------------------------------------------------------------

    def closed_day(self, d: date) -> bool:
        if self.closed_year_end and (d.month, d.day) in YEAR_END_DAYS:
            return True
        return self.closed_on_holidays and is_public_holiday(d)

    def ranges_on(self, d: date) -> tuple[tuple[int, int], ...]:
        """Ranges starting on local date d, as minutes after its midnight (end may pass 1440)."""
        if not self.known or self.closed_day(d):
            return ()
        out: list[tuple[int, int]] = []
        for rule in self.rules:
            if rule.kind == "always":
                out.append((0, DAY_MINUTES))
            elif rule.applies(d):
                out.extend((r.start, r.end) for r in rule.ranges)
        return tuple(sorted(out))

    def is_open(self, at: datetime, tz: tzinfo, ranges_on: RangesOn | None = None) -> bool | None:
        """True or False at `at`; None when the hours vary or are unknown (say so, do not guess)."""
        if not self.known:
            return None
        ranges_on = ranges_on or self.ranges_on
        local = at.astimezone(tz)
        d = local.date()
        minute = local.hour * 60 + local.minute
        for s, e in ranges_on(d):
            if s <= minute < e:
                return True
        minute += DAY_MINUTES
        return any(s <= minute < e for s, e in ranges_on(d - timedelta(days=1)))

    def next_opening(self, at: datetime, tz: tzinfo, ranges_on: RangesOn | None = None) -> datetime | None:
        """`at` when open; else when it next opens; None when unknown or never within a year.

        ranges_on: a cached version of self.ranges_on (the search snapshot passes one).
        """
        ranges_on = ranges_on or self.ranges_on
        opened = self.is_open(at, tz, ranges_on)
        if opened is None:
            return None
        if opened:
            return at
        local = at.astimezone(tz)
        d0 = local.date()
        for offset in range(LOOKAHEAD_DAYS):
            d = d0 + timedelta(days=offset)
            midnight = datetime(d.year, d.month, d.day, tzinfo=tz)
            for start, _end in ranges_on(d):
                moment = midnight + timedelta(minutes=start)
                if moment > local:
                    return moment
        return None

    def closes_at(self, at: datetime, tz: tzinfo, ranges_on: RangesOn | None = None) -> datetime | None:
        """When the opening that contains `at` ends; None when closed, unknown or open all week round."""
        ranges_on = ranges_on or self.ranges_on
        if self.always_open or not self.is_open(at, tz, ranges_on):
            return None
        local = at.astimezone(tz)
        d0 = local.date() - timedelta(days=1)
        base = datetime(d0.year, d0.month, d0.day, tzinfo=tz)
        now = (local.hour * 60 + local.minute) + DAY_MINUTES
        end = now
        # Ranges of day k start within day k, so once `end` falls before day k nothing later extends it.
        for offset in range(9):
            day_start = offset * DAY_MINUTES
            if end < day_start:
                break
            for s, e in ranges_on(d0 + timedelta(days=offset)):
                s, e = s + day_start, e + day_start
                if s <= end and e > end and (s <= now or end > now):
                    end = e
        else:
            return None  # open for over a week without a break: round the clock
        return base + timedelta(minutes=end)


@lru_cache(maxsize=1)
def _japan_holidays() -> holidays.HolidayBase:
    # One calendar per process; it fills in years as they are asked for.
    return holidays.Japan()


def is_public_holiday(d: date) -> bool:
    return d in _japan_holidays()


def warm_up(years: range) -> None:
    """Work out the holidays of these years now, not during a resident's search."""
    calendar = _japan_holidays()
    for year in years:
        _ = date(year, 1, 1) in calendar


# --- parsing --------------------------------------------------------------------------------

_DASHES = "‐‑‒–—―−ー～〜~"
_TIME = r"(\d{1,2}):(\d{2})"
_RANGE_RE = re.compile(rf"^{_TIME}-(翌)?{_TIME}$")
_DAY_RE = re.compile(rf"^[{DAY_NAMES}](?:-[{DAY_NAMES}])?$")
_NTH_RE = re.compile(rf"^第(\d)((?:・第?\d)*)([{DAY_NAMES}])(?:曜日?)?$")
_MONTHDAY_RE = re.compile(r"^毎月(\d{1,2})((?:・\d{1,2})*)日$")
_VARIES_RE = re.compile(rf"^{VARIES}(?:\((.*)\))?$")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def _normalise_rules(text: str) -> str:
    for ch in _DASHES:
        text = text.replace(ch, "-")
    return text.replace("、", "・").replace("，", ",")


def _fmt(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _days_text(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "毎日"
    ordered = sorted(days)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
    return "・".join(DAY_NAMES[d] for d in ordered)


def _parse_time(h: str, m: str, source: str) -> int:
    hour, minute = int(h), int(m)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise HoursError(f"「{source}」の時刻が正しくありません（0:00〜24:00）")
    return hour * 60 + minute


def _parse_ranges(text: str) -> tuple[TimeRange, ...]:
    if not text:
        raise HoursError("時間帯がありません（例: 月-金 8:30-17:15）")
    out: list[TimeRange] = []
    for part in re.split(r"[,・]\s*|\s+", text):
        m = _RANGE_RE.match(part)
        if not m:
            raise HoursError(f"「{part}」は時間帯として読めません（例: 8:30-17:15、16:00-翌8:00）")
        start = _parse_time(m.group(1), m.group(2), part)
        end = _parse_time(m.group(4), m.group(5), part)
        if start >= DAY_MINUTES:
            raise HoursError(f"「{part}」の開始時刻は 23:59 までです")
        if m.group(3):
            end += DAY_MINUTES
            if end > start + DAY_MINUTES:
                raise HoursError(f"「{part}」は24時間を超えています")
        elif end <= start:
            raise HoursError(
                f"「{part}」は終了が開始より前です。日付をまたぐときは「翌」を付けます（例: 16:00-翌8:00）"
            )
        out.append(TimeRange(start, end))
    return tuple(out)


def _parse_days(spec: str) -> frozenset[int] | None:
    if spec == "毎日":
        return frozenset(range(7))
    if spec == "平日":
        return frozenset(range(5))
    if spec == "土日":
        return frozenset({5, 6})
    days: set[int] = set()
    for item in spec.split("・"):
        item = re.sub(r"曜日?$", "", item)
        if not _DAY_RE.match(item):
            return None
        a = DAY_NAMES.index(item[0])
        b = DAY_NAMES.index(item[-1])
        if b < a:
            return None
        days.update(range(a, b + 1))
    return frozenset(days)


def _parse_rule(segment: str) -> Rule:
    selector, _, rest = segment.partition(" ")
    ranges_text = rest.strip()
    if (m := _NTH_RE.match(selector)) is not None:
        nums = [int(m.group(1))] + [int(x) for x in re.findall(r"\d", m.group(2))]
        if any(not 1 <= n <= 5 for n in nums):
            raise HoursError(f"「{selector}」: 第何週は 1〜5 です")
        return Rule(
            kind="nth",
            weekdays=frozenset({DAY_NAMES.index(m.group(3))}),
            nths=tuple(sorted(set(nums))),
            ranges=_parse_ranges(ranges_text),
        )
    if (m := _MONTHDAY_RE.match(selector)) is not None:
        nums = [int(m.group(1))] + [int(x) for x in re.findall(r"\d+", m.group(2))]
        if any(not 1 <= n <= 31 for n in nums):
            raise HoursError(f"「{selector}」: 日は 1〜31 です")
        return Rule(kind="monthday", monthdays=tuple(sorted(set(nums))), ranges=_parse_ranges(ranges_text))
    days = _parse_days(selector)
    if days is None:
        raise HoursError(
            f"「{segment}」は読めません（例: 月-金 8:30-17:15、第2土 9:00-12:00、毎月10日 8:00-翌8:00、"
            "24時間、祝日休み、年末年始休み、要確認）"
        )
    return Rule(kind="weekly", weekdays=days, ranges=_parse_ranges(ranges_text))


def parse(text: str | None) -> Hours:
    """Read the written form; raises HoursError (Japanese message) when it cannot."""
    raw = _normalise(text or "")
    if not raw:
        return Hours()
    if raw.startswith(VARIES):
        m = _VARIES_RE.match(raw)
        if not m:
            raise HoursError(
                "「要確認」はほかの時間と一緒に書けません。メモは「要確認（都道府県により異なる）」のように括弧に入れます"
            )
        note = (m.group(1) or "").strip()
        return Hours(varies=True, note=note)
    raw = _normalise_rules(raw)
    rules: list[Rule] = []
    order: list[str] = []
    holidays_closed = year_end_closed = False
    for segment in (s.strip() for s in re.split(r"[;\n]", raw)):
        if not segment:
            continue
        if segment in (HOLIDAYS_CLOSED, "祝日は休み", "祝休"):
            if holidays_closed:
                raise HoursError("「祝日休み」が2回書かれています")
            holidays_closed = True
            order.append("holidays")
        elif segment in (YEAR_END_CLOSED, "年末年始は休み"):
            if year_end_closed:
                raise HoursError("「年末年始休み」が2回書かれています")
            year_end_closed = True
            order.append("year_end")
        elif segment in (ALL_DAY, "24時間365日", "終日"):
            rules.append(Rule(kind="always"))
            order.append("rule")
        elif segment.startswith(VARIES):
            raise HoursError("「要確認」はほかの時間と一緒に書けません")
        else:
            rules.append(_parse_rule(segment))
            order.append("rule")
    if not rules:
        raise HoursError("開いている時間がありません（休みだけでなく時間も書いてください）")
    return Hours(
        rules=tuple(rules),
        closed_on_holidays=holidays_closed,
        closed_year_end=year_end_closed,
        order=tuple(order),
    )


def canonical(text: str | None) -> str:
    return parse(text).text()
