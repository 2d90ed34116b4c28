"""Services of the knowledge base: areas, resources, their history and staleness.

Keyword-only arguments, session first; they flush and never commit (the caller's unit of
work does). Every change to a resource writes a revision and bumps the knowledge version,
which tells every process to rebuild its search snapshot.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from madoguchi.knowledge import fields
from madoguchi.knowledge.models import (
    Area,
    KnowledgeState,
    Resource,
    ResourceArea,
    ResourceRevision,
)
from madoguchi.shared import clock

# Attributes a revision tracks, in CSV column order ("areas" stands for the area links).
TRACKED = [c.attr for c in fields.COLUMNS]


class KnowledgeError(Exception):
    """Base of the package's errors; status_code tells the API what to answer."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(KnowledgeError):
    status_code = 404


class Conflict(KnowledgeError):
    status_code = 409


class Invalid(KnowledgeError):
    """Values that cannot be saved: problems are (attribute, Japanese reason)."""

    status_code = 422

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{attr}: {reason}" for attr, reason in problems))
        self.problems = problems


# --- the version every process watches ------------------------------------------------------


def bump_version(session: Session) -> None:
    """Tell every process its search snapshot is out of date (part of the caller's transaction)."""
    stamp = uuid.uuid4().hex
    result = session.execute(
        sql_update(KnowledgeState).where(KnowledgeState.id == 1).values(version=KnowledgeState.version + 1, stamp=stamp)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(KnowledgeState(id=1, version=1, stamp=stamp))
    session.flush()


_STAMP_QUERY = select(KnowledgeState.__table__.c.stamp).where(KnowledgeState.__table__.c.id == 1)


def current_stamp(session: Session) -> str | None:
    # Core statement on the session's connection: search runs this on every call, the ORM layer costs ~1 ms.
    return session.connection().execute(_STAMP_QUERY).scalar_one_or_none()


# --- areas ----------------------------------------------------------------------------------


def list_areas(session: Session) -> list[Area]:
    """The city's areas in the order residents see them."""
    return list(session.scalars(select(Area).order_by(Area.sort_order, Area.id)))


def get_area(session: Session, *, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound("その地区はありません")
    return area


def create_area(session: Session, *, name: str, reading: str = "", sort_order: int | None = None) -> Area:
    """Add an area (at the end of the list unless sort_order is given)."""
    name = fields.clean(name)
    if not name or len(name) > 80:
        raise Invalid([("name", "地区名は1〜80文字です")])
    if session.scalar(select(Area).where(Area.name == name)) is not None:
        raise Conflict(f"地区「{name}」はもうあります")
    if sort_order is None:
        sort_order = (session.scalar(select(func.max(Area.sort_order))) or 0) + 1
    area = Area(name=name, reading=fields.parse_reading(reading), sort_order=sort_order)
    session.add(area)
    session.flush()
    bump_version(session)
    return area


def get_or_create_area(session: Session, *, name: str, reading: str = "", sort_order: int | None = None) -> Area:
    existing = session.scalar(select(Area).where(Area.name == fields.clean(name)))
    return existing or create_area(session, name=name, reading=reading, sort_order=sort_order)


# --- resources ------------------------------------------------------------------------------


def get(session: Session, *, resource_id: int) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("その資源はありません")
    return resource


def get_by_code(session: Session, *, code: str) -> Resource | None:
    return session.scalar(select(Resource).where(Resource.code == code))


def list_resources(
    session: Session,
    *,
    include_archived: bool = False,
    category: str | None = None,
    area_id: int | None = None,
) -> list[Resource]:
    """Resources by code; filters on category and area are done here, not in SQL (JSON lists)."""
    query = select(Resource).order_by(Resource.code)
    if not include_archived:
        query = query.where(Resource.active.is_(True))
    items = list(session.scalars(query))
    if category is not None:
        items = [r for r in items if category in r.categories]
    if area_id is not None:
        items = [r for r in items if area_id in r.area_ids]
    return items


def list_stale(session: Session, *, today: date | None = None) -> list[Resource]:
    """Active resources past their review-by date, oldest first: staff should re-check them."""
    if today is None:
        from madoguchi.knowledge.search import local_today

        today = local_today()
    query = (
        select(Resource)
        .where(Resource.active.is_(True), Resource.review_by.is_not(None), Resource.review_by < today)
        .order_by(Resource.review_by, Resource.code)
    )
    return list(session.scalars(query))


def list_revisions(session: Session, *, resource_id: int) -> list[ResourceRevision]:
    """A resource's history, oldest first."""
    query = select(ResourceRevision).where(ResourceRevision.resource_id == resource_id)
    return list(session.scalars(query.order_by(ResourceRevision.at, ResourceRevision.id)))


def _serial(attr: str, value: Any) -> Any:
    """A value as the history stores it (JSON): dates ISO, lists as lists, areas by name."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _current(resource: Resource, attr: str) -> Any:
    if attr == "areas":
        return [a.name for a in resource.areas]
    return getattr(resource, attr)


def _defaults() -> dict[str, Any]:
    return {
        "reading": "",
        "description": "",
        "audience": "",
        "phone": "",
        "web_url": "",
        "line_url": "",
        "address": "",
        "areas": [],
        "hours": "",
        "crisis_kinds": [],
        "priority": 0,
        "keywords": [],
        "owner": "",
        "last_verified_on": None,
        "review_by": None,
        "active": True,
        "notes": "",
    }


def _resolve_areas(session: Session, names: list[str], *, create_missing: bool) -> list[Area]:
    areas: list[Area] = []
    for name in names:
        area = session.scalar(select(Area).where(Area.name == name))
        if area is None:
            if not create_missing:
                raise Invalid([("areas", f"地区「{name}」はありません")])
            area = create_area(session, name=name)
        areas.append(area)
    return areas


def write(
    session: Session,
    *,
    resource: Resource | None,
    values: dict[str, Any],
    actor: str,
    create_missing_areas: bool = False,
) -> tuple[Resource, bool]:
    """Create (resource None) or change a resource from checked values; returns (resource, changed).

    `values` holds typed values by attribute ("areas": area names). Absent keys keep their
    current value (or the default on create). One revision records every changed field.
    """
    creating = resource is None
    merged = _defaults() if creating else {attr: _current(resource, attr) for attr in TRACKED}
    merged.update(values)
    if problems := fields.check_consistency(merged):
        raise Invalid(problems)
    if not creating and "code" in values and values["code"] != resource.code:
        raise Invalid([("code", "コードは変えられません")])
    # Areas are looked up before the resource is touched, so a refusal leaves nothing half-done.
    areas: list[Area] | None = None
    if creating or list(merged["areas"]) != _current(resource, "areas"):
        areas = _resolve_areas(session, list(merged["areas"]), create_missing=create_missing_areas)
    if creating:
        if get_by_code(session, code=merged["code"]) is not None:
            raise Conflict(f"コード「{merged['code']}」はもう使われています")
        resource = Resource(code=merged["code"])
        session.add(resource)
    assert resource is not None

    changes: dict[str, Any] = {}
    for attr in TRACKED:
        old = None if creating else _serial(attr, _current(resource, attr))
        new = _serial(attr, merged[attr])
        if creating or old != new:
            changes[attr] = {"old": old, "new": new}
    if not changes:
        return resource, False

    for attr in TRACKED:
        if attr in ("code", "areas") or attr not in changes:
            continue
        setattr(resource, attr, list(merged[attr]) if isinstance(merged[attr], list | tuple) else merged[attr])
    if "areas" in changes and areas is not None:
        resource.area_links.clear()
        session.flush()
        for position, area in enumerate(areas):
            resource.area_links.append(ResourceArea(area_id=area.id, area=area, position=position))
    resource.updated_at = clock.now()
    session.flush()

    if creating:
        action = "create"
    elif set(changes) == {"active"}:
        action = "restore" if merged["active"] else "archive"
    else:
        action = "update"
    session.add(ResourceRevision(resource_id=resource.id, actor=actor, action=action, changes=changes, at=clock.now()))
    session.flush()
    bump_version(session)
    return resource, True


def create(session: Session, *, values: dict[str, Any], actor: str) -> Resource:
    """Add a resource (values checked by schemas.ResourceIn or the CSV importer)."""
    resource, _ = write(session, resource=None, values=values, actor=actor)
    return resource


def update(session: Session, *, resource_id: int, values: dict[str, Any], actor: str) -> Resource:
    """Change some fields of a resource; a revision records what changed."""
    resource, _ = write(session, resource=get(session, resource_id=resource_id), values=values, actor=actor)
    return resource


def archive(session: Session, *, resource_id: int, actor: str) -> Resource:
    """Deleting is archiving: the resource leaves answers, its record and history stay."""
    return update(session, resource_id=resource_id, values={"active": False}, actor=actor)


def restore(session: Session, *, resource_id: int, actor: str) -> Resource:
    return update(session, resource_id=resource_id, values={"active": True}, actor=actor)


def count_resources(session: Session) -> int:
    return session.scalar(select(func.count(Resource.id))) or 0
