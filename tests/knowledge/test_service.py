from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from madoguchi.knowledge import service
from madoguchi.knowledge.schemas import ResourceIn, ResourceOut, ResourceUpdate, RevisionOut
from tests.knowledge.factories import make_area, make_resource


def test_every_change_is_a_revision_with_old_and_new_values(session: Session) -> None:
    r = make_resource(session, code="R1", name="はじめの名前", hours="月-金 9:00-17:00", keywords=["介護"])
    service.update(session, resource_id=r.id, values={"name": "新しい名前", "hours": "24時間"}, actor="editor@x")
    service.update(session, resource_id=r.id, values={"name": "新しい名前"}, actor="editor@x")  # no change
    service.archive(session, resource_id=r.id, actor="editor@y")
    service.restore(session, resource_id=r.id, actor="editor@y")

    revisions = service.list_revisions(session, resource_id=r.id)
    assert [(rev.action, rev.actor) for rev in revisions] == [
        ("create", "test"), ("update", "editor@x"), ("archive", "editor@y"), ("restore", "editor@y")]  # fmt: skip
    assert revisions[0].changes["keywords"] == {"old": None, "new": ["介護"]}
    assert revisions[1].changes == {
        "name": {"old": "はじめの名前", "new": "新しい名前"},
        "hours": {"old": "月-金 9:00-17:00", "new": "24時間"},
    }
    assert revisions[2].changes == {"active": {"old": True, "new": False}}
    assert RevisionOut.of(revisions[1]).changes["name"]["new"] == "新しい名前"


def test_archiving_keeps_the_record(session: Session) -> None:
    r = make_resource(session, code="GONE")
    service.archive(session, resource_id=r.id, actor="test")
    assert service.get(session, resource_id=r.id).active is False
    assert "GONE" not in [x.code for x in service.list_resources(session)]
    assert "GONE" in [x.code for x in service.list_resources(session, include_archived=True)]


def test_areas_in_the_order_given_and_checked_against_scope(session: Session) -> None:
    make_area(session, "北")
    make_area(session, "南")
    r = make_resource(session, scope="area", areas=["南", "北"])
    assert [a.name for a in r.areas] == ["南", "北"]
    assert [a.name for a in service.list_areas(session)] == ["北", "南"]
    with pytest.raises(service.Invalid) as err:
        make_resource(session, scope="area", areas=[])
    assert err.value.problems[0][0] == "areas"
    with pytest.raises(service.Invalid):
        make_resource(session, scope="city", areas=["北"])
    with pytest.raises(service.Invalid):
        make_resource(session, scope="area", areas=["ない地区"])
    revision = service.list_revisions(session, resource_id=r.id)[0]
    assert revision.changes["areas"]["new"] == ["南", "北"]


def test_codes_are_unique_and_stable(session: Session) -> None:
    r = make_resource(session, code="SAME")
    with pytest.raises(service.Conflict):
        make_resource(session, code="SAME")
    with pytest.raises(service.Invalid):
        service.update(session, resource_id=r.id, values={"code": "OTHER"}, actor="test")


def test_version_stamp_changes_with_every_change(session: Session) -> None:
    before = service.current_stamp(session)
    r = make_resource(session)
    after_create = service.current_stamp(session)
    service.update(session, resource_id=r.id, values={"priority": 5}, actor="test")
    assert len({before, after_create, service.current_stamp(session)}) == 3


def test_stale_list(session: Session) -> None:
    make_resource(session, code="S-OLD", review_by=date(2026, 1, 1))
    make_resource(session, code="S-OK", review_by=date(2027, 1, 1))
    make_resource(session, code="S-NONE")
    archived = make_resource(session, code="S-ARCH", review_by=date(2025, 1, 1))
    service.archive(session, resource_id=archived.id, actor="test")
    assert [r.code for r in service.list_stale(session, today=date(2026, 11, 26))] == ["S-OLD"]


def test_schemas_check_like_the_csv_and_feed_the_services(session: Session) -> None:
    north = make_area(session, "北")
    data = ResourceIn(code="API-1", name="API資源", categories=["介護・高齢者・認知症"], scope="地区",
                      area_ids=[str(north)], hours="平日 9:00-17:00")  # fmt: skip
    r = service.create(session, values=data.to_values({north: "北"}), actor="api")
    out = ResourceOut.of(r)
    assert out.id == str(r.id) and out.categories == ["elderly_care"] and out.hours == "月-金 9:00-17:00"
    assert out.areas[0].name == "北"
    service.update(session, resource_id=r.id, values=ResourceUpdate(priority=7).to_values({}), actor="api")
    assert service.get(session, resource_id=r.id).priority == 7
    with pytest.raises(ValueError, match="翌"):
        ResourceUpdate(hours="毎日 16:00-8:00")


def test_a_refused_change_leaves_nothing_behind(session: Session) -> None:
    with pytest.raises(service.Invalid):
        make_resource(session, code="HALF", scope="area", areas=["ない地区"])
    session.flush()
    assert service.get_by_code(session, code="HALF") is None
    assert service.list_areas(session) == []
