"""Local resources (地域資源), the areas they belong to, and the history of every change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from madoguchi.shared import clock
from madoguchi.shared.categories import CATEGORY_IDS, CATEGORY_NAMES, CRISIS_CATEGORIES  # noqa: F401 - re-exported
from madoguchi.shared.db import Base, UTCDateTime

CRISIS_KINDS = ("suicide", "child_abuse", "domestic_violence", "elder_abuse", "sexual_violence", "general")
CRISIS_KIND_NAMES = {
    "suicide": "自殺",
    "child_abuse": "児童虐待",
    "domestic_violence": "DV",
    "elder_abuse": "高齢者虐待",
    "sexual_violence": "性暴力",
    "general": "全般",
}

SCOPES = ("national", "city", "area")
SCOPE_NAMES = {"national": "全国", "city": "市内全域", "area": "地区"}


class Area(Base):
    """A 圏域 or 地区 of the city: residents pick one, resources belong to one or more."""

    __tablename__ = "kb_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    reading: Mapped[str] = mapped_column(String(120), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ResourceArea(Base):
    """A resource's areas, in the order staff listed them (so the CSV round trip is exact)."""

    __tablename__ = "kb_resource_areas"

    resource_id: Mapped[int] = mapped_column(ForeignKey("kb_resources.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("kb_areas.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    area: Mapped[Area] = relationship(lazy="joined")


class Resource(Base):
    """A place or line that can help. Never deleted: archiving sets active to False."""

    __tablename__ = "kb_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    reading: Mapped[str] = mapped_column(String(200), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    web_url: Mapped[str] = mapped_column(String(500), default="")
    line_url: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    scope: Mapped[str] = mapped_column(String(20), default="city")
    # The canonical written form (hours.py); parsed into the search snapshot.
    hours: Mapped[str] = mapped_column(Text, default="")
    crisis_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str] = mapped_column(String(120), default="")
    last_verified_on: Mapped[date | None] = mapped_column(Date)
    review_by: Mapped[date | None] = mapped_column(Date, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    area_links: Mapped[list[ResourceArea]] = relationship(
        order_by=ResourceArea.position, cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def areas(self) -> list[Area]:
        return [link.area for link in self.area_links]

    @property
    def area_ids(self) -> list[int]:
        return [link.area_id for link in self.area_links]


class ResourceRevision(Base):
    """One change to a resource: who, when, and each changed field's old and new value."""

    __tablename__ = "kb_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("kb_resources.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))  # create | update | archive | restore
    # {"field": {"old": ..., "new": ...}}; values as in the CSV/JSON (dates ISO, areas by name).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class KnowledgeState(Base):
    """One row: bumped on every change so each process knows when to rebuild its search snapshot.

    `stamp` is random, not only a counter, so a rolled-back change can never be mistaken
    for a later, different change that reached the same count.
    """

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(Integer, default=0)
    stamp: Mapped[str] = mapped_column(String(40), default="")
