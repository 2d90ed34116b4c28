from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from madoguchi.knowledge import service
from madoguchi.knowledge.search import search
from tests.knowledge.factories import TZ, jst, make_area, make_resource

NOON = jst(2026, 11, 26, 12, 0)  # a Thursday
NIGHT = jst(2026, 11, 26, 3, 0)


def codes(results, section: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.resource.code for r in results if r.section == section]


def _crisis_lines(session: Session) -> None:
    make_resource(session, code="DV24", categories=["abuse_violence"], crisis_kinds=["domestic_violence"],
                  scope="national", hours="24時間")  # fmt: skip
    make_resource(session, code="CHILD", categories=["abuse_violence"], crisis_kinds=["child_abuse"],
                  scope="national", hours="24時間")  # fmt: skip
    make_resource(session, code="SUICIDE", categories=["suicide_risk"], crisis_kinds=["suicide"],
                  scope="national", hours="毎日 10:00-22:00")  # fmt: skip
    make_resource(session, code="GENERAL", categories=["suicide_risk", "abuse_violence"],
                  crisis_kinds=["general", "suicide"], scope="national", hours="24時間")  # fmt: skip


def test_crisis_lines_for_the_kind_and_general_ones(session: Session) -> None:
    _crisis_lines(session)
    results = search(session, categories={"abuse_violence": 0.9}, crisis_kinds=("domestic_violence",), at=NIGHT, tz=TZ)
    assert codes(results, "crisis") == ["DV24", "GENERAL"]
    assert results[0].open_now is True


def test_lines_for_the_kind_named_first_come_first(session: Session) -> None:
    """Two kinds named (a woman hit by her husband may be read as a child too): among lines equally open and
    round the clock, the first kind's lead, whatever the other line's priority."""
    _crisis_lines(session)
    make_resource(session, code="CHILD-FIRST", categories=["abuse_violence"], crisis_kinds=["child_abuse"],
                  scope="national", hours="24時間", priority=90)  # fmt: skip
    dv_first = search(session, categories={"abuse_violence": 0.9}, crisis_kinds=("domestic_violence", "child_abuse"),
                      at=NIGHT, tz=TZ)  # fmt: skip
    assert codes(dv_first, "crisis") == ["DV24", "CHILD-FIRST", "CHILD", "GENERAL"]
    child_first = search(session, categories={"abuse_violence": 0.9},
                         crisis_kinds=("child_abuse", "domestic_violence"), at=NIGHT, tz=TZ)  # fmt: skip
    assert codes(child_first, "crisis") == ["CHILD-FIRST", "CHILD", "DV24", "GENERAL"]


def test_general_lines_when_the_kind_is_unknown(session: Session) -> None:
    _crisis_lines(session)
    for kinds in (("nonsense",), ()):
        results = search(session, categories={"abuse_violence": 0.9}, crisis_kinds=kinds, at=NIGHT, tz=TZ)
        assert codes(results, "crisis") == ["GENERAL"]
    no_crisis = search(session, categories={"other": 0.9}, at=NIGHT, tz=TZ)
    assert codes(no_crisis, "crisis") == []


def test_crisis_lines_open_now_first_then_round_the_clock(session: Session) -> None:
    _crisis_lines(session)
    make_resource(session, code="SUICIDE-DAY", crisis_kinds=["suicide"], categories=["suicide_risk"],
                  scope="national", hours="月-金 9:00-17:00")  # fmt: skip
    at_noon = search(session, categories={"suicide_risk": 0.9}, crisis_kinds=("suicide",), at=NOON, tz=TZ)
    # All open: the 24-hour general line first, then the day lines.
    assert codes(at_noon, "crisis") == ["GENERAL", "SUICIDE", "SUICIDE-DAY"]
    at_night = search(session, categories={"suicide_risk": 0.9}, crisis_kinds=("suicide",), at=NIGHT, tz=TZ)
    assert codes(at_night, "crisis") == ["GENERAL", "SUICIDE", "SUICIDE-DAY"]
    assert [r.open_now for r in at_night if r.section == "crisis"] == [True, False, False]
    closed = next(r for r in at_night if r.resource.code == "SUICIDE")
    assert closed.next_opens_at == jst(2026, 11, 26, 10, 0)


def test_suicide_category_without_kinds_means_suicide_lines(session: Session) -> None:
    _crisis_lines(session)
    results = search(session, categories={"suicide_risk": 0.8}, at=NOON, tz=TZ)
    assert codes(results, "crisis") == ["GENERAL", "SUICIDE"]


def test_resident_area_before_city_before_national(session: Session) -> None:
    north, south = make_area(session, "北"), make_area(session, "南")
    make_resource(session, code="NAT", categories=["elderly_care"], scope="national")
    make_resource(session, code="CITY", categories=["elderly_care"], scope="city")
    make_resource(session, code="NORTH", categories=["elderly_care"], scope="area", areas=["北"])
    make_resource(session, code="SOUTH", categories=["elderly_care"], scope="area", areas=["南"])
    results = search(session, categories={"elderly_care": 0.9}, area_id=north, at=NOON, tz=TZ)
    assert codes(results, "match") == ["NORTH", "CITY", "NAT"]
    assert codes(search(session, categories={"elderly_care": 0.9}, area_id=south, at=NOON, tz=TZ), "match") == [
        "SOUTH", "CITY", "NAT"]  # fmt: skip
    # Area unknown: every area's place, after the city-wide and national ones.
    unknown = codes(search(session, categories={"elderly_care": 0.9}, at=NOON, tz=TZ), "match")
    assert unknown[:2] == ["CITY", "NAT"] and set(unknown[2:]) == {"NORTH", "SOUTH"}


def test_open_now_before_varies_before_closed(session: Session) -> None:
    make_resource(session, code="CLOSED", categories=["poverty"], hours="月-金 18:00-20:00", priority=90)
    make_resource(session, code="VARIES", categories=["poverty"], hours="要確認（都道府県により異なる）", priority=50)
    make_resource(session, code="OPEN", categories=["poverty"], hours="月-金 9:00-17:00")
    results = search(session, categories={"poverty": 0.9}, at=NOON, tz=TZ)
    assert codes(results, "match") == ["OPEN", "VARIES", "CLOSED"]
    assert [r.open_now for r in results] == [True, None, False]
    assert results[0].closes_at == jst(2026, 11, 26, 17, 0)
    assert results[2].next_opens_at == jst(2026, 11, 26, 18, 0)
    assert "受付時間は要確認" in results[1].why


def test_keyword_in_the_message_boosts_with_sudachi_normal_forms(session: Session) -> None:
    make_resource(session, code="A-PLAIN", categories=["hikikomori"], keywords=["就労"])
    make_resource(session, code="B-KEYWORD", categories=["hikikomori"], keywords=["ひきこもり"])
    plain = search(session, categories={"hikikomori": 0.9}, at=NOON, tz=TZ)
    assert codes(plain, "match") == ["A-PLAIN", "B-KEYWORD"]  # tie broken by code
    boosted = search(
        session, categories={"hikikomori": 0.9}, text="息子が引きこもっていて引きこもりです", at=NOON, tz=TZ
    )
    assert codes(boosted, "match") == ["B-KEYWORD", "A-PLAIN"]
    assert boosted[0].matched_keywords == ("ひきこもり",)


def test_keyword_alone_finds_a_resource_of_another_category(session: Session) -> None:
    make_resource(session, code="FOOD", categories=["poverty"], keywords=["食べ物"])
    results = search(session, categories={"other": 0.2}, text="食べ物がなくて困っています", at=NOON, tz=TZ)
    assert codes(results, "match") == ["FOOD"]


def test_category_score_then_priority_break_ties(session: Session) -> None:
    make_resource(session, code="LOW", categories=["housing"], priority=1)
    make_resource(session, code="HIGH", categories=["housing"], priority=9)
    make_resource(session, code="MAIN", categories=["employment"], priority=0)
    results = search(session, categories={"employment": 0.9, "housing": 0.3}, at=NOON, tz=TZ)
    assert codes(results, "match") == ["MAIN", "HIGH", "LOW"]


def test_stale_resources_stay_in_the_answer_marked(session: Session) -> None:
    make_resource(session, code="OLD", categories=["housing"], review_by=date(2026, 1, 1))
    results = search(session, categories={"housing": 0.9}, at=NOON, tz=TZ)
    assert codes(results, "match") == ["OLD"] and results[0].stale is True
    assert [r.code for r in service.list_stale(session, today=date(2026, 11, 26))] == ["OLD"]


def test_archived_resources_leave_and_changes_show_at_once(session: Session) -> None:
    r = make_resource(session, code="X", categories=["housing"])
    assert codes(search(session, categories={"housing": 0.9}, at=NOON, tz=TZ), "match") == ["X"]
    service.update(session, resource_id=r.id, values={"categories": ["school"]}, actor="test")
    assert codes(search(session, categories={"housing": 0.9}, at=NOON, tz=TZ), "match") == []
    assert codes(search(session, categories={"school": 0.9}, at=NOON, tz=TZ), "match") == ["X"]
    service.archive(session, resource_id=r.id, actor="test")
    assert search(session, categories={"school": 0.9}, at=NOON, tz=TZ) == []


def test_limit_cuts_matches_but_never_crisis_lines(session: Session) -> None:
    _crisis_lines(session)
    for i in range(5):
        make_resource(session, code=f"M{i}", categories=["abuse_violence"])
    results = search(session, categories={"abuse_violence": 0.9}, crisis_kinds=("domestic_violence",),
                     at=NOON, tz=TZ, limit=2)  # fmt: skip
    assert len(codes(results, "crisis")) == 2 and len(codes(results, "match")) == 2


def test_a_change_committed_elsewhere_reaches_this_process_snapshot(committing_db) -> None:  # type: ignore[no-untyped-def]
    from madoguchi.shared.db import unit_of_work

    with unit_of_work(committing_db) as writer:
        r = make_resource(writer, code="SHARED", categories=["housing"])
    with unit_of_work(committing_db) as reader:
        assert codes(search(reader, categories={"housing": 0.9}, at=NOON, tz=TZ), "match") == ["SHARED"]
    with unit_of_work(committing_db) as writer:
        service.archive(writer, resource_id=r.id, actor="elsewhere")
    with unit_of_work(committing_db) as reader:
        assert search(reader, categories={"housing": 0.9}, at=NOON, tz=TZ) == []
