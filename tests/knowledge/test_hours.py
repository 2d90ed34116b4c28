from __future__ import annotations

import pytest

from madoguchi.knowledge.hours import HoursError, parse
from tests.knowledge.factories import TZ, jst

CANONICAL = [
    "月-金 8:30-17:15; 第2土 9:00-12:00; 祝日休み",
    "24時間",
    "毎日 16:00-翌8:00; 毎月10日 8:00-翌8:00",
    "要確認",
    "要確認（都道府県により異なる）",
    "月・水・金 9:00-12:00,13:00-17:00; 年末年始休み",
    "第1・3水 13:00-16:00",
    "毎月1・15日 10:00-12:00",
    "",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_text_prints_back_identically(text: str) -> None:
    assert parse(text).text() == text
    assert parse(parse(text).text()) == parse(text)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("月～金　８：３０〜１７：１５；祝日休み", "月-金 8:30-17:15; 祝日休み"),
        ("平日 9:00-17:00", "月-金 9:00-17:00"),
        ("土・日 9:00-17:00", "土-日 9:00-17:00"),
        ("要確認(都道府県により異なる)", "要確認（都道府県により異なる）"),
        ("第2・第4土曜 10:00-12:00", "第2・4土 10:00-12:00"),
    ],
)
def test_typed_variants_become_the_canonical_form(typed: str, canonical: str) -> None:
    assert parse(typed).text() == canonical


def test_range_past_midnight_belongs_to_the_day_it_starts() -> None:
    h = parse("毎日 16:00-翌8:00")
    assert h.is_open(jst(2026, 11, 26, 23, 0), TZ) is True
    assert h.is_open(jst(2026, 11, 27, 3, 0), TZ) is True
    assert h.is_open(jst(2026, 11, 27, 8, 0), TZ) is False
    assert h.is_open(jst(2026, 11, 27, 12, 0), TZ) is False
    assert h.next_opening(jst(2026, 11, 27, 12, 0), TZ) == jst(2026, 11, 27, 16, 0)
    assert h.closes_at(jst(2026, 11, 27, 3, 0), TZ) == jst(2026, 11, 27, 8, 0)


def test_month_day_ranges() -> None:
    h = parse("毎月10日 8:00-翌8:00")
    assert h.is_open(jst(2026, 11, 10, 9, 0), TZ) is True
    assert h.is_open(jst(2026, 11, 11, 7, 59), TZ) is True
    assert h.is_open(jst(2026, 11, 11, 8, 0), TZ) is False
    assert h.next_opening(jst(2026, 11, 11, 8, 0), TZ) == jst(2026, 12, 10, 8, 0)


def test_inochi_no_denwa_free_dial_on_the_10th_runs_all_night() -> None:
    h = parse("毎日 16:00-21:00; 毎月10日 8:00-翌8:00")
    assert h.is_open(jst(2026, 11, 9, 23, 0), TZ) is False
    assert h.is_open(jst(2026, 11, 10, 23, 0), TZ) is True
    assert h.is_open(jst(2026, 11, 11, 7, 0), TZ) is True
    assert h.closes_at(jst(2026, 11, 10, 17, 0), TZ) == jst(2026, 11, 11, 8, 0)


def test_nth_weekday() -> None:
    h = parse("第2土 9:00-12:00")  # December 2026: Saturdays 5, 12, 19, 26
    assert h.is_open(jst(2026, 12, 12, 10, 0), TZ) is True
    assert h.is_open(jst(2026, 12, 5, 10, 0), TZ) is False
    assert h.is_open(jst(2026, 12, 19, 10, 0), TZ) is False
    assert h.next_opening(jst(2026, 12, 12, 13, 0), TZ) == jst(2027, 1, 9, 9, 0)


def test_closed_on_public_holidays_from_the_holiday_calendar() -> None:
    office = parse("月-金 8:30-17:15; 祝日休み")
    monday_holiday = jst(2026, 11, 23, 10, 0)  # 勤労感謝の日
    assert office.is_open(monday_holiday, TZ) is False
    assert office.next_opening(monday_holiday, TZ) == jst(2026, 11, 24, 8, 30)
    assert parse("月-金 8:30-17:15").is_open(monday_holiday, TZ) is True


def test_a_night_range_started_before_a_holiday_runs_into_it() -> None:
    h = parse("毎日 16:00-翌8:00; 祝日休み")
    assert h.is_open(jst(2026, 11, 23, 3, 0), TZ) is True  # started on the 22nd
    assert h.is_open(jst(2026, 11, 23, 17, 0), TZ) is False


def test_closed_over_the_year_end() -> None:
    h = parse("月-金 8:30-17:15; 年末年始休み")
    for day in (29, 30, 31):
        assert h.is_open(jst(2026, 12, day, 10, 0), TZ) is False
    assert h.is_open(jst(2026, 12, 28, 10, 0), TZ) is True
    assert h.next_opening(jst(2026, 12, 28, 18, 0), TZ) == jst(2027, 1, 4, 8, 30)


def test_varies_never_claims_open_or_closed() -> None:
    h = parse("要確認（都道府県により異なる）")
    assert h.varies and h.note == "都道府県により異なる"
    assert h.is_open(jst(2026, 11, 26, 12, 0), TZ) is None
    assert h.next_opening(jst(2026, 11, 26, 12, 0), TZ) is None
    assert parse("").is_open(jst(2026, 11, 26, 12, 0), TZ) is None


def test_time_zone_of_the_hours_not_of_the_instant() -> None:
    from datetime import UTC, datetime

    h = parse("月-金 9:00-17:00")
    assert h.is_open(datetime(2026, 11, 26, 0, 30, tzinfo=UTC), TZ) is True  # 9:30 in Tokyo
    assert h.is_open(datetime(2026, 11, 26, 0, 30, tzinfo=UTC), UTC) is False


def test_round_the_clock() -> None:
    h = parse("24時間")
    assert h.always_open
    assert h.is_open(jst(2027, 1, 1, 3, 0), TZ) is True
    assert h.closes_at(jst(2027, 1, 1, 3, 0), TZ) is None
    assert not parse("24時間; 祝日休み").always_open


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("月-金 16:00-8:00", "翌"),
        ("月-金", "時間帯がありません"),
        ("第6土 9:00-12:00", "1〜5"),
        ("毎月32日 9:00-12:00", "1〜31"),
        ("月-金 25:00-26:00", "時刻"),
        ("月-金 9:00-翌10:00", "24時間を超え"),
        ("いつでも", "読めません"),
        ("月-金 9時-17時", "時間帯として読めません"),
        ("要確認; 月-金 9:00-17:00", "要確認"),
        ("祝日休み", "開いている時間がありません"),
        ("金-月 9:00-17:00", "読めません"),
    ],
)
def test_unreadable_hours_say_why_in_japanese(text: str, says: str) -> None:
    with pytest.raises(HoursError, match=says):
        parse(text)
