"""The fields of a resource: their CSV headers, how each is read from text and written back.

One place for the rules, shared by the CSV importer, the JSON schemas and the services,
so a value the console accepts is a value the CSV accepts and the other way round.
Messages are Japanese: staff read them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from madoguchi.knowledge import hours as hours_mod
from madoguchi.knowledge.models import (
    CATEGORY_IDS,
    CATEGORY_NAMES,
    CRISIS_KIND_NAMES,
    CRISIS_KINDS,
    SCOPE_NAMES,
    SCOPES,
)

LIST_SEP = "|"
TRUE_TEXT, FALSE_TEXT = "はい", "いいえ"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
PHONE_RE = re.compile(r"^[0-9#*+][0-9#*+\- ()]*$")
KANA_RE = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\u30fc\s・]*$")
PRIORITY_MIN, PRIORITY_MAX = 0, 100


class FieldError(ValueError):
    """One value that cannot be used; the message is Japanese."""


def clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()


def split_list(text: str | None) -> list[str]:
    """`a|b|c` → ['a', 'b', 'c']: blanks dropped, duplicates dropped, order kept."""
    out: list[str] = []
    for part in clean(text).replace("｜", LIST_SEP).split(LIST_SEP):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def join_list(values: list[str] | tuple[str, ...]) -> str:
    return LIST_SEP.join(values)


# --- one converter per kind of value: text -> typed (raise FieldError), typed -> text ----------


def parse_code(text: str) -> str:
    code = unicodedata.normalize("NFKC", clean(text))
    if not code:
        raise FieldError("コードが空です")
    if not CODE_RE.match(code):
        raise FieldError("コードは半角英数字と - _ . で40文字までです")
    return code


def parse_required_text(text: str) -> str:
    value = clean(text)
    if not value:
        raise FieldError("空にできません")
    return value


def parse_text(text: str) -> str:
    return clean(text)


def parse_reading(text: str) -> str:
    value = clean(text)
    if not KANA_RE.match(value):
        raise FieldError("よみがなはひらがなかカタカナで書いてください")
    return value


_CATEGORY_BY_NAME = {v: k for k, v in CATEGORY_NAMES.items()}


def parse_category(value: str) -> str:
    value = value.strip()
    if value in CATEGORY_IDS:
        return value
    if value in _CATEGORY_BY_NAME:
        return _CATEGORY_BY_NAME[value]
    raise FieldError(f"「{value}」はカテゴリにありません（{', '.join(CATEGORY_IDS)}）")


def parse_categories(values: list[str]) -> list[str]:
    out = []
    for v in values:
        c = parse_category(v)
        if c not in out:
            out.append(c)
    if not out:
        raise FieldError("カテゴリを1つ以上書いてください")
    return out


_KIND_BY_NAME = {v: k for k, v in CRISIS_KIND_NAMES.items()}


def parse_crisis_kinds(values: list[str]) -> list[str]:
    out = []
    for v in values:
        kind = v if v in CRISIS_KINDS else _KIND_BY_NAME.get(v)
        if kind is None:
            raise FieldError(f"「{v}」は危機の種類にありません（{'、'.join(CRISIS_KIND_NAMES.values())}）")
        if kind not in out:
            out.append(kind)
    return out


def crisis_kinds_text(kinds: list[str]) -> str:
    return join_list([CRISIS_KIND_NAMES[k] for k in kinds])


_SCOPE_BY_NAME = {v: k for k, v in SCOPE_NAMES.items()} | {"市内": "city", "市全域": "city", "全市": "city"}


def parse_scope(text: str) -> str:
    value = clean(text)
    if value in SCOPES:
        return value
    if value in _SCOPE_BY_NAME:
        return _SCOPE_BY_NAME[value]
    raise FieldError(f"「{value}」は範囲として読めません（{'、'.join(SCOPE_NAMES.values())}）")


def scope_text(scope: str) -> str:
    return SCOPE_NAMES[scope]


def parse_phone(text: str) -> str:
    value = unicodedata.normalize("NFKC", clean(text)).replace("ー", "-").replace("−", "-")
    if value and not PHONE_RE.match(value):
        raise FieldError("電話番号は数字と - # * + ( ) で書いてください（例: 0120-279-338、#8008、189）")
    return value


def parse_url(text: str, *, https_only: bool = False) -> str:
    value = clean(text)
    if not value:
        return ""
    allowed = ("https://",) if https_only else ("https://", "http://")
    if not value.startswith(allowed) or " " in value:
        raise FieldError(f"{' か '.join(allowed)} で始まるアドレスを書いてください")
    return value


def parse_hours(text: str) -> str:
    """Checks the written hours and returns their canonical form."""
    try:
        return hours_mod.canonical(clean(text))
    except hours_mod.HoursError as exc:
        raise FieldError(str(exc)) from exc


def parse_priority(text: str) -> int:
    value = unicodedata.normalize("NFKC", clean(text))
    if not value:
        return 0
    if not re.fullmatch(r"-?\d+", value):
        raise FieldError("優先度は整数で書いてください（0〜100、大きいほど先）")
    number = int(value)
    if not PRIORITY_MIN <= number <= PRIORITY_MAX:
        raise FieldError("優先度は 0〜100 です")
    return number


def parse_date(text: str) -> date | None:
    value = unicodedata.normalize("NFKC", clean(text))
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise FieldError(f"「{value}」は日付として読めません（YYYY-MM-DD、例: 2026-04-01）")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(f"「{value}」という日付はありません") from exc


def date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def parse_bool(text: str) -> bool:
    value = clean(text)
    if value in (TRUE_TEXT, ""):
        return True
    if value == FALSE_TEXT:
        return False
    raise FieldError(f"「{value}」は「{TRUE_TEXT}」か「{FALSE_TEXT}」で書いてください")


def bool_text(value: bool) -> str:
    return TRUE_TEXT if value else FALSE_TEXT


@dataclass(frozen=True)
class Column:
    """One CSV column: header, the attribute it fills, how to read and write it."""

    header: str
    attr: str
    parse: Callable[[str], Any]
    write: Callable[[Any], str]
    required: bool = False  # the column must be present in an imported file
    is_list: bool = False


def _list_of(parse: Callable[[list[str]], Any]) -> Callable[[str], Any]:
    return lambda text: parse(split_list(text))


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


COLUMNS: tuple[Column, ...] = (
    Column("コード", "code", parse_code, _plain, required=True),
    Column("名称", "name", parse_required_text, _plain, required=True),
    Column("よみがな", "reading", parse_reading, _plain),
    Column("カテゴリ", "categories", _list_of(parse_categories), join_list, required=True, is_list=True),
    Column("内容", "description", parse_text, _plain),
    Column("対象", "audience", parse_text, _plain),
    Column("電話", "phone", parse_phone, _plain),
    Column("ウェブ", "web_url", parse_url, _plain),
    Column("LINE", "line_url", lambda t: parse_url(t, https_only=True), _plain),
    Column("住所", "address", parse_text, _plain),
    Column("範囲", "scope", parse_scope, scope_text, required=True),
    Column("地区", "areas", split_list, join_list, is_list=True),
    Column("受付時間", "hours", parse_hours, _plain),
    Column("危機の種類", "crisis_kinds", _list_of(parse_crisis_kinds), crisis_kinds_text, is_list=True),
    Column("優先度", "priority", parse_priority, _plain),
    Column("キーワード", "keywords", split_list, join_list, is_list=True),
    Column("担当", "owner", parse_text, _plain),
    Column("最終確認日", "last_verified_on", parse_date, date_text),
    Column("見直し期限", "review_by", parse_date, date_text),
    Column("有効", "active", parse_bool, bool_text),
    Column("備考", "notes", parse_text, _plain),
)
COLUMN_BY_HEADER = {c.header: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]


def check_consistency(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules across fields: [(attr, Japanese reason)]."""
    problems: list[tuple[str, str]] = []
    scope, areas = values.get("scope"), values.get("areas") or []
    if scope == "area" and not areas:
        problems.append(("areas", "範囲が「地区」のときは地区を1つ以上書いてください"))
    if scope in ("national", "city") and areas:
        problems.append(("areas", f"範囲が「{SCOPE_NAMES[scope]}」のときは地区を空にしてください"))
    verified, review = values.get("last_verified_on"), values.get("review_by")
    if verified and review and review < verified:
        problems.append(("review_by", "見直し期限が最終確認日より前です"))
    return problems
