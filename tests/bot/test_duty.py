"""On-duty hours: the weekly schedule in Tokyo time, Japanese public holidays off."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from madoguchi.bot import duty
from madoguchi.shared.settings import Settings

TOKYO = ZoneInfo("Asia/Tokyo")


def settings(hours: str = "月-金 8:30-17:15; 祝日休み; 年末年始休み") -> Settings:
    return Settings(MADOGUCHI_DUTY_HOURS=hours)


def test_weekdays_in_office_hours_are_on_duty() -> None:
    s = settings()
    assert duty.is_on_duty(datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO), settings=s)  # Monday
    assert not duty.is_on_duty(datetime(2026, 11, 30, 17, 15, tzinfo=TOKYO), settings=s)
    assert not duty.is_on_duty(datetime(2026, 11, 29, 10, 0, tzinfo=TOKYO), settings=s)  # Sunday


def test_holidays_and_year_end_are_off_duty_and_the_next_shift_is_found() -> None:
    s = settings()
    assert not duty.is_on_duty(datetime(2026, 11, 23, 10, 0, tzinfo=TOKYO), settings=s)  # 勤労感謝の日
    assert not duty.is_on_duty(datetime(2026, 12, 30, 10, 0, tzinfo=TOKYO), settings=s)
    back = duty.next_on_duty(datetime(2026, 12, 30, 10, 0, tzinfo=TOKYO), settings=s)
    assert back == datetime(2027, 1, 4, 8, 30, tzinfo=TOKYO)


def test_the_schedule_is_configurable() -> None:
    s = settings("毎日 9:00-21:00")
    assert duty.is_on_duty(datetime(2026, 11, 29, 20, 0, tzinfo=TOKYO), settings=s)
