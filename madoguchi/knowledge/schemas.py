"""Pydantic schemas for the JSON API (GET|POST /api/resources, GET|PUT|DELETE /api/resources/{id}).

Input values go through the same checks as a CSV cell (fields.py), so the console, the API
and the CSV accept exactly the same things. Ids are strings in JSON (interfaces.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from madoguchi.knowledge import fields
from madoguchi.knowledge.models import Area, Resource, ResourceRevision


def _check(parse, value):  # type: ignore[no-untyped-def]
    try:
        return parse(value)
    except fields.FieldError as exc:
        raise ValueError(str(exc)) from exc


class _ResourceFields(BaseModel):
    """Validators shared by create and update (each runs only on the fields given)."""

    @field_validator("reading", check_fields=False)
    @classmethod
    def _reading(cls, v: str) -> str:
        return _check(fields.parse_reading, v)

    @field_validator("categories", check_fields=False)
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return _check(fields.parse_categories, v)

    @field_validator("crisis_kinds", check_fields=False)
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        return _check(fields.parse_crisis_kinds, v)

    @field_validator("scope", check_fields=False)
    @classmethod
    def _scope(cls, v: str) -> str:
        return _check(fields.parse_scope, v)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, v: str) -> str:
        return _check(fields.parse_phone, v)

    @field_validator("web_url", check_fields=False)
    @classmethod
    def _web(cls, v: str) -> str:
        return _check(fields.parse_url, v)

    @field_validator("line_url", check_fields=False)
    @classmethod
    def _line(cls, v: str) -> str:
        return _check(lambda t: fields.parse_url(t, https_only=True), v)

    @field_validator("hours", check_fields=False)
    @classmethod
    def _hours(cls, v: str) -> str:
        return _check(fields.parse_hours, v)

    @field_validator("keywords", check_fields=False)
    @classmethod
    def _keywords(cls, v: list[str]) -> list[str]:
        if any(fields.LIST_SEP in k for k in v):
            raise ValueError(f"キーワードに「{fields.LIST_SEP}」は使えません")
        return list(dict.fromkeys(fields.clean(k) for k in v if fields.clean(k)))

    def to_values(self, areas_by_id: dict[int, str]) -> dict[str, Any]:
        """The typed values the services take ("areas" by name), only for the fields given."""
        values = self.model_dump(exclude_unset=True)
        if "area_ids" in values:
            unknown = [i for i in values["area_ids"] if int(i) not in areas_by_id]
            if unknown:
                raise ValueError(f"地区 {unknown} はありません")
            values["areas"] = [areas_by_id[int(i)] for i in values.pop("area_ids")]
        return values


class ResourceIn(_ResourceFields):
    """POST /api/resources."""

    code: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=200)
    reading: str = ""
    categories: list[str] = Field(min_length=1)
    description: str = ""
    audience: str = ""
    phone: str = ""
    web_url: str = ""
    line_url: str = ""
    address: str = ""
    scope: str = "city"
    area_ids: list[str] = []
    hours: str = ""
    crisis_kinds: list[str] = []
    priority: int = Field(default=0, ge=fields.PRIORITY_MIN, le=fields.PRIORITY_MAX)
    keywords: list[str] = []
    owner: str = ""
    last_verified_on: date | None = None
    review_by: date | None = None
    active: bool = True
    notes: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check(fields.parse_code, v)


class ResourceUpdate(_ResourceFields):
    """PUT /api/resources/{id}: only the fields given change (the code never does)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    reading: str | None = None
    categories: list[str] | None = None
    description: str | None = None
    audience: str | None = None
    phone: str | None = None
    web_url: str | None = None
    line_url: str | None = None
    address: str | None = None
    scope: str | None = None
    area_ids: list[str] | None = None
    hours: str | None = None
    crisis_kinds: list[str] | None = None
    priority: int | None = Field(default=None, ge=fields.PRIORITY_MIN, le=fields.PRIORITY_MAX)
    keywords: list[str] | None = None
    owner: str | None = None
    last_verified_on: date | None = None
    review_by: date | None = None
    active: bool | None = None
    notes: str | None = None


class AreaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    reading: str
    order: int

    @classmethod
    def of(cls, area: Area) -> AreaOut:
        return cls(id=str(area.id), name=area.name, reading=area.reading, order=area.sort_order)


class ResourceOut(BaseModel):
    id: str
    code: str
    name: str
    reading: str
    categories: list[str]
    description: str
    audience: str
    phone: str
    web_url: str
    line_url: str
    address: str
    scope: str
    areas: list[AreaOut]
    hours: str
    crisis_kinds: list[str]
    priority: int
    keywords: list[str]
    owner: str
    last_verified_on: date | None
    review_by: date | None
    active: bool
    notes: str
    updated_at: datetime

    @classmethod
    def of(cls, r: Resource) -> ResourceOut:
        return cls(
            id=str(r.id),
            code=r.code,
            name=r.name,
            reading=r.reading,
            categories=list(r.categories),
            description=r.description,
            audience=r.audience,
            phone=r.phone,
            web_url=r.web_url,
            line_url=r.line_url,
            address=r.address,
            scope=r.scope,
            areas=[AreaOut.of(a) for a in r.areas],
            hours=r.hours,
            crisis_kinds=list(r.crisis_kinds),
            priority=r.priority,
            keywords=list(r.keywords),
            owner=r.owner,
            last_verified_on=r.last_verified_on,
            review_by=r.review_by,
            active=r.active,
            notes=r.notes,
            updated_at=r.updated_at,
        )


class ResourceList(BaseModel):
    items: list[ResourceOut]
    next_cursor: str | None = None


class RevisionOut(BaseModel):
    id: str
    at: datetime
    actor: str
    action: str
    changes: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, rev: ResourceRevision) -> RevisionOut:
        return cls(id=str(rev.id), at=rev.at, actor=rev.actor, action=rev.action, changes=rev.changes)


class SearchResultOut(BaseModel):
    """One search result as the console's preview shows it."""

    resource_id: str
    code: str
    name: str
    section: str
    open_now: bool | None
    next_opens_at: datetime | None
    closes_at: datetime | None
    stale: bool
    why: list[str]
