"""CSV import and export of resources (columns and rules: README.md and fields.py).

Export: every resource (archived ones too, 有効=いいえ), by code, UTF-8 with BOM and CRLF
so Excel opens it as Japanese text. Import: UTF-8 with or without BOM, or CP932 (what
Japanese Excel saves by default). Every row is checked first; with any problem nothing
changes unless skip_invalid, and then only the good rows are applied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.knowledge import fields, service
from madoguchi.knowledge.models import Resource

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ImportProblem:
    line: int  # the file's line number (1 = the header)
    column: str | None  # the header of the column, when the problem is in one cell
    reason: str  # Japanese
    position: int | None = None  # the column's place in the file (0 = A), when known

    def text(self) -> str:
        where = f"{self.line}行目"
        if self.column:
            letter = _column_letter(self.position) if self.position is not None else ""
            where += f" {letter}「{self.column}」"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    applied: bool = False
    _headers: list[str] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        if not self.applied:
            return f"問題が {len(self.problems)} 件あるため、何も変更していません。"
        text = (
            f"追加 {len(self.created)} 件、更新 {len(self.updated)} 件、変更なし {len(self.unchanged)} 件、"
            f"アーカイブ {len(self.archived)} 件"
        )
        if self.skipped_lines:
            text += f"、問題のため飛ばした行 {len(self.skipped_lines)} 件"
        return text + "。"


def _column_letter(position: int) -> str:
    """Excel's column letter (A, B, ..., AA), as staff see it in the sheet."""
    letters = ""
    index = position + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}列"


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not) first; CP932 when that fails. Raises UnicodeDecodeError otherwise."""
    if data.startswith(BOM):
        return data[len(BOM) :].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp932")


# --- export ---------------------------------------------------------------------------------


def export_csv(session: Session) -> bytes:
    """Every resource as CSV bytes (UTF-8 with BOM, CRLF), ordered by code."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields.HEADERS)
    for resource in session.scalars(select(Resource).order_by(Resource.code)):
        row = []
        for column in fields.COLUMNS:
            value: Any = [a.name for a in resource.areas] if column.attr == "areas" else getattr(resource, column.attr)
            row.append(column.write(value))
        writer.writerow(row)
    return BOM + buffer.getvalue().encode("utf-8")


# --- import ---------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    code: str | None
    values: dict[str, Any]
    problems: list[ImportProblem]


def _read_rows(text: str, report: ImportReport) -> list[tuple[int, list[str]]] | None:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for cells in reader:
            start = last_line + 1
            last_line = reader.line_num
            if any(c.strip() for c in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        report.problems.append(ImportProblem(last_line + 1, None, f"CSV として読めません（{exc}）"))
        return None
    if not rows:
        report.problems.append(ImportProblem(1, None, "見出しの行がありません（空のファイルです）"))
        return None
    return rows


def _check_headers(line: int, headers: list[str], report: ImportReport) -> bool:
    ok = True
    seen: set[str] = set()
    for position, h in enumerate(headers):
        if not h:
            continue
        if h not in fields.COLUMN_BY_HEADER:
            reason = f"知らない列です（使える列: {'、'.join(fields.HEADERS)}）"
            report.problems.append(ImportProblem(line, h, reason, position))
            ok = False
        elif h in seen:
            report.problems.append(ImportProblem(line, h, "同じ列が2回あります", position))
            ok = False
        seen.add(h)
    for column in fields.COLUMNS:
        if column.required and column.header not in seen:
            report.problems.append(ImportProblem(line, column.header, "この列は必ず必要です"))
            ok = False
    return ok


def _parse_row(line: int, headers: list[str], cells: list[str], existing: Resource | None) -> _Row:
    row = _Row(line=line, code=None, values={}, problems=[])
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
        reason = f"見出しより多い {len(cells)} 列あります（見出しは {len(headers)} 列）"
        row.problems.append(ImportProblem(line, None, reason))
    header_of: dict[str, str] = {}
    for index, header in enumerate(headers):
        cell = cells[index] if index < len(cells) else ""
        if not header:
            if cell.strip():
                row.problems.append(ImportProblem(line, None, f"見出しのない {index + 1} 列目に値があります"))
            continue
        column = fields.COLUMN_BY_HEADER[header]
        header_of[column.attr] = header
        try:
            row.values[column.attr] = column.parse(cell)
        except fields.FieldError as exc:
            row.problems.append(ImportProblem(line, header, str(exc), index))
    row.code = row.values.get("code")
    if row.problems:
        return row
    # Cross-field rules see the row as it will be: missing columns keep their stored values.
    merged = dict(row.values)
    if existing is not None:
        for attr in fields.COLUMN_BY_HEADER.values():
            if attr.attr not in merged:
                merged[attr.attr] = (
                    [a.name for a in existing.areas] if attr.attr == "areas" else getattr(existing, attr.attr)
                )
    for attr, reason in fields.check_consistency(merged):
        column_header = header_of.get(attr) or next(c.header for c in fields.COLUMNS if c.attr == attr)
        position = headers.index(column_header) if column_header in headers else None
        row.problems.append(ImportProblem(line, column_header, reason, position))
    return row


def import_csv(
    session: Session,
    *,
    data: bytes,
    actor: str,
    skip_invalid: bool = False,
    archive_missing: bool = False,
) -> ImportReport:
    """Check every row, then (if clean, or skip_invalid) create and update by コード."""
    report = ImportReport()
    try:
        text = decode(data)
    except UnicodeDecodeError:
        report.problems.append(
            ImportProblem(1, None, "文字コードを読めません（UTF-8 か Shift_JIS（CP932）で保存してください）")
        )
        return report
    rows = _read_rows(text, report)
    if rows is None:
        return report
    header_line, header_cells = rows[0]
    headers = [fields.clean(h) for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    if not _check_headers(header_line, headers, report):
        return report  # a wrong header makes every row doubtful: never apply

    existing = {r.code: r for r in session.scalars(select(Resource))}
    parsed: list[_Row] = []
    first_line_of: dict[str, int] = {}
    codes_in_file: set[str] = set()
    for line, cells in rows[1:]:
        code_index = headers.index("コード")
        raw_code = cells[code_index] if code_index < len(cells) else ""
        # A row with problems still names a resource that --archive-missing must not archive.
        code = _code_or_none(raw_code)
        if code is not None:
            codes_in_file.add(code)
        row = _parse_row(line, headers, cells, existing.get(code or ""))
        if row.code is not None:
            if row.code in first_line_of:
                reason = f"コード「{row.code}」は {first_line_of[row.code]}行目 と重複しています"
                row.problems.append(ImportProblem(line, "コード", reason, code_index))
            else:
                first_line_of[row.code] = line
        parsed.append(row)
        report.problems.extend(row.problems)

    if report.problems and not skip_invalid:
        return report
    report.applied = True
    for row in parsed:
        if row.problems:
            report.skipped_lines.append(row.line)
            continue
        assert row.code is not None
        current = existing.get(row.code)
        resource, changed = service.write(
            session, resource=current, values=row.values, actor=actor, create_missing_areas=True
        )
        existing[row.code] = resource
        if current is None:
            report.created.append(row.code)
        elif changed:
            report.updated.append(row.code)
        else:
            report.unchanged.append(row.code)
    if archive_missing:
        for code, resource in sorted(existing.items()):
            if code not in codes_in_file and resource.active:
                service.archive(session, resource_id=resource.id, actor=actor)
                report.archived.append(code)
    return report


def _code_or_none(raw: str) -> str | None:
    try:
        return fields.parse_code(raw)
    except fields.FieldError:
        return None
