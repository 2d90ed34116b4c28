from __future__ import annotations

from sqlalchemy.orm import Session

from madoguchi.knowledge import demo, service
from madoguchi.knowledge.models import CATEGORY_IDS
from madoguchi.knowledge.search import search
from tests.knowledge.factories import jst


def test_demo_covers_every_category_with_local_places(session: Session) -> None:
    report = demo.load_demo(session)
    assert report is not None and len(report.created) > 40
    resources = service.list_resources(session)
    local = [r for r in resources if r.scope != "national"]
    for category in CATEGORY_IDS:
        assert len([r for r in local if category in r.categories]) >= 2, category
    assert all("架空" in r.name for r in local)
    assert all(r.phone.startswith("000-") for r in local)
    areas = service.list_areas(session)
    assert [a.name for a in areas] == ["北部地区", "中央地区", "南部地区", "西部地区"]
    for area in areas:
        names = [r.name for r in local if area.id in r.area_ids]
        assert any("地域包括支援センター" in n for n in names), area.name


def test_national_lines_keep_the_published_facts(session: Session) -> None:
    demo.load_demo(session)
    by_phone = {r.phone: r for r in service.list_resources(session) if r.scope == "national"}
    assert by_phone["189"].hours == "24時間" and by_phone["189"].crisis_kinds == ["child_abuse"]
    assert by_phone["#8008"].crisis_kinds == ["domestic_violence"] and by_phone["#8008"].hours.startswith("要確認")
    assert by_phone["0120-279-889"].hours == "24時間"
    assert by_phone["0120-783-556"].hours == "毎日 16:00-21:00; 毎月10日 8:00-翌8:00"
    assert by_phone["0570-783-556"].hours == "毎日 10:00-22:00"
    assert by_phone["0570-064-556"].hours == "要確認（都道府県により異なる）"
    assert by_phone["0120-279-338"].hours == "24時間" and "general" in by_phone["0120-279-338"].crisis_kinds
    assert all("出典" in r.notes for r in by_phone.values())


def test_load_demo_if_empty_does_nothing_the_second_time(session: Session) -> None:
    assert demo.load_demo(session, if_empty=True) is not None
    count = service.count_resources(session)
    assert demo.load_demo(session, if_empty=True) is None
    assert service.count_resources(session) == count


def test_demo_answers_an_8050_worry_in_the_north(session: Session) -> None:
    demo.load_demo(session)
    north = service.list_areas(session)[0]
    message = "母が認知症で、引きこもりの息子もいてお金がない"
    scores = {"elderly_care": 0.9, "hikikomori": 0.7, "poverty": 0.4}
    results = search(session, categories=scores, area_id=north.id, text=message, at=jst(2026, 11, 26, 12, 0))
    assert results[0].resource.name == "みどり市北部地区地域包括支援センター（架空）"
    assert all(r.section == "match" for r in results)
