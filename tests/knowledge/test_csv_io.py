from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.orm import Session

from madoguchi.knowledge import csv_io, demo, fields, service
from tests.knowledge.factories import make_area, make_resource

HEADER = ",".join(fields.HEADERS)


def _csv(*rows: dict[str, str], headers: list[str] | None = None) -> str:
    headers = headers or fields.HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue()


def _row(code: str, **cells: str) -> dict[str, str]:
    row = {
        "コード": code,
        "名称": f"資源{code}",
        "カテゴリ": "poverty",
        "範囲": "市内全域",
        "受付時間": "月-金 9:00-17:00",
    }
    row.update(cells)
    return row


def test_round_trip_gives_the_same_bytes(session: Session) -> None:
    savepoint = session.begin_nested()
    demo.load_demo(session)
    make_resource(session, code="ZZ-MULTI", description="一行目\n二行目、「引用」, カンマ")
    archived = make_resource(session, code="ZZ-ARCH")
    service.archive(session, resource_id=archived.id, actor="test")
    first = csv_io.export_csv(session)
    savepoint.rollback()
    assert service.count_resources(session) == 0

    report = csv_io.import_csv(session, data=first, actor="test")
    assert report.applied and not report.problems
    second = csv_io.export_csv(session)
    assert second == first
    assert first.startswith(csv_io.BOM) and b"\r\n" in first
    assert "有効" in first.decode("utf-8-sig").splitlines()[0]
    again = csv_io.import_csv(session, data=second, actor="test")
    assert again.created == [] and again.updated == [] and len(again.unchanged) == len(report.created)


def test_cp932_and_bomless_utf8_are_read(session: Session) -> None:
    text = _csv(_row("CP-1", 名称="みどり市社会福祉協議会（架空）", 地区="", 内容="暮らしの困りごと～相談"))
    report = csv_io.import_csv(session, data=text.encode("cp932"), actor="test")
    assert report.applied, [p.text() for p in report.problems]
    assert service.get_by_code(session, code="CP-1").name == "みどり市社会福祉協議会（架空）"
    report = csv_io.import_csv(session, data=_csv(_row("UTF-1")).encode("utf-8"), actor="test")
    assert report.created == ["UTF-1"]


def test_import_updates_by_code_with_a_revision_and_creates_unknown_areas(session: Session) -> None:
    make_area(session, "北")
    r = make_resource(session, code="UP-1", categories=["poverty"])
    data = _csv(_row("UP-1", 名称="新しい名前"), _row("NEW-1", 範囲="地区", 地区="北|新しい地区"))
    report = csv_io.import_csv(session, data=data.encode(), actor="csv")
    assert report.updated == ["UP-1"] and report.created == ["NEW-1"]
    last = service.list_revisions(session, resource_id=r.id)[-1]
    assert last.actor == "csv" and last.changes["name"]["new"] == "新しい名前"
    assert [a.name for a in service.list_areas(session)] == ["北", "新しい地区"]


def test_archive_missing_only_when_asked(session: Session) -> None:
    make_resource(session, code="KEEP")
    make_resource(session, code="DROP")
    data = _csv(_row("KEEP")).encode()
    assert csv_io.import_csv(session, data=data, actor="t").archived == []
    report = csv_io.import_csv(session, data=data, actor="t", archive_missing=True)
    assert report.archived == ["DROP"]
    assert service.get_by_code(session, code="DROP").active is False


BAD_ROWS: list[tuple[dict[str, str], str, str]] = [
    (_row(""), "コード", "コードが空です"),
    (_row("bad code"), "コード", "半角英数字"),
    (_row("E-NAME", 名称=" "), "名称", "空にできません"),
    (_row("E-READ", よみがな="漢字"), "よみがな", "ひらがなかカタカナ"),
    (_row("E-CAT", カテゴリ="money"), "カテゴリ", "「money」はカテゴリにありません"),
    (_row("E-NOCAT", カテゴリ=""), "カテゴリ", "1つ以上"),
    (_row("E-PHONE", 電話="電話してね"), "電話", "電話番号"),
    (_row("E-WEB", ウェブ="www.example.jp"), "ウェブ", "http"),
    (_row("E-LINE", LINE="http://line.example/x"), "LINE", "https://"),
    (_row("E-SCOPE", 範囲="県内"), "範囲", "範囲として読めません"),
    (_row("E-NOAREA", 範囲="地区"), "地区", "地区を1つ以上"),
    (_row("E-AREA", 範囲="全国", 地区="北"), "地区", "空にしてください"),
    (_row("E-HOURS", 受付時間="毎日 16:00-8:00"), "受付時間", "「翌」"),
    (_row("E-KIND", 危機の種類="火事"), "危機の種類", "「火事」は危機の種類にありません"),
    (_row("E-PRIO", 優先度="高い"), "優先度", "整数"),
    (_row("E-PRIO2", 優先度="500"), "優先度", "0〜100"),
    (_row("E-DATE", 最終確認日="2026/04/01"), "最終確認日", "YYYY-MM-DD"),
    (_row("E-DATE2", 見直し期限="2026-02-30"), "見直し期限", "という日付はありません"),
    (_row("E-ORDER", 最終確認日="2026-05-01", 見直し期限="2026-04-01"), "見直し期限", "最終確認日より前"),
    (_row("E-BOOL", 有効="yes"), "有効", "「はい」か「いいえ」"),
    (_row("DUP"), "", ""),
    (_row("DUP"), "コード", "2行目 と重複"),
]


def test_every_row_problem_is_reported_by_line_column_and_reason(session: Session) -> None:
    data = _csv(*(row for row, _c, _r in BAD_ROWS))
    data += "EXTRA,名前,,poverty,,,,,,,市内全域,,,,,,,,,,,余分\r\n"
    report = csv_io.import_csv(session, data=data.encode(), actor="t")
    assert not report.applied
    expected = [(line, column, reason) for line, (_row_, column, reason) in enumerate(BAD_ROWS, start=2) if column]
    for line, column, reason in expected:
        assert any(p.line == line and p.column == column and reason in p.reason for p in report.problems), (
            line, column, reason, [p.text() for p in report.problems if p.line == line])  # fmt: skip
    extra_line = len(BAD_ROWS) + 2
    assert any(p.line == extra_line and "見出しより多い" in p.reason for p in report.problems)
    assert len(report.problems) == len(expected) + 1
    assert service.count_resources(session) == 0  # nothing changed
    text = next(p.text() for p in report.problems if p.line == 14)
    assert text.startswith("14行目 M列「受付時間」:")


def test_skip_invalid_applies_the_good_rows(session: Session) -> None:
    data = _csv(_row("GOOD-1"), _row("BAD-1", カテゴリ="money"), _row("GOOD-2"))
    report = csv_io.import_csv(session, data=data.encode(), actor="t", skip_invalid=True, archive_missing=True)
    assert report.applied and report.created == ["GOOD-1", "GOOD-2"] and report.skipped_lines == [3]
    assert service.get_by_code(session, code="BAD-1") is None


def test_a_bad_row_is_not_archived_as_missing(session: Session) -> None:
    make_resource(session, code="BAD-1")
    data = _csv(_row("GOOD-1"), _row("BAD-1", カテゴリ="money"))
    report = csv_io.import_csv(session, data=data.encode(), actor="t", skip_invalid=True, archive_missing=True)
    assert report.archived == [] and service.get_by_code(session, code="BAD-1").active is True


@pytest.mark.parametrize(
    ("data", "line", "column", "reason"),
    [
        (_csv(_row("H-1"), headers=[*fields.HEADERS, "色"]).encode(), 1, "色", "知らない列"),
        (_csv(_row("H-1"), headers=[*fields.HEADERS, "名称"]).encode(), 1, "名称", "同じ列が2回"),
        (_csv(_row("H-1"), headers=[h for h in fields.HEADERS if h != "範囲"]).encode(), 1, "範囲", "必ず必要"),
        (b"", 1, None, "空のファイル"),
        (b"\xff\xfe\x00\x81\x00", 1, None, "文字コード"),
    ],
)
def test_file_level_problems_change_nothing_even_with_skip_invalid(
    session: Session, data: bytes, line: int, column: str | None, reason: str
) -> None:
    report = csv_io.import_csv(session, data=data, actor="t", skip_invalid=True)
    assert not report.applied
    assert [(p.line, p.column) for p in report.problems] == [(line, column)]
    assert reason in report.problems[0].reason
    assert service.count_resources(session) == 0


def test_missing_optional_columns_keep_stored_values(session: Session) -> None:
    r = make_resource(session, code="PART", phone="0120-000-000", categories=["poverty"])
    headers = ["コード", "名称", "カテゴリ", "範囲"]
    report = csv_io.import_csv(session, data=_csv(_row("PART", 名称="別名"), headers=headers).encode(), actor="t")
    assert report.updated == ["PART"]
    assert service.get(session, resource_id=r.id).phone == "0120-000-000"
