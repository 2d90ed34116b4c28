"""Small factories for knowledge-base tests (through the real services)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from madoguchi.knowledge import service
from madoguchi.knowledge.models import Resource

TZ = ZoneInfo("Asia/Tokyo")
_codes = itertools.count(1)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def make_resource(session: Session, **values: Any) -> Resource:
    values.setdefault("code", f"T-{next(_codes):05d}")
    values.setdefault("name", f"テスト資源 {values['code']}")
    values.setdefault("categories", ["other"])
    values.setdefault("scope", "city")
    values.setdefault("hours", "24時間")
    return service.create(session, values=values, actor="test")


def make_area(session: Session, name: str) -> int:
    return service.get_or_create_area(session, name=name).id
