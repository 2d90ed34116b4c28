"""Benchmark: search time for a city of 500 resources (the target is under 5 ms a call).

`run()` builds a migrated SQLite database in a temporary directory, imports 500 generated
resources through the CSV importer, then times search() calls of several kinds (crisis,
area, keywords in a message) including the per-call version check. It prints the figures
and returns them.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from madoguchi.knowledge import csv_io, fields, search, service, text
from madoguchi.knowledge.models import CATEGORY_IDS
from madoguchi.shared.db import make_engine, make_session_factory, unit_of_work
from madoguchi.shared.migrate import upgrade

RESOURCES = 500
AREAS = 10
CALLS = 400
_HOURS = [
    "月-金 8:30-17:15; 祝日休み; 年末年始休み",
    "24時間",
    "毎日 16:00-翌8:00; 毎月10日 8:00-翌8:00",
    "要確認（都道府県により異なる）",
    "火-土 10:00-18:00; 第2・4日 10:00-15:00; 祝日休み",
    "第2・4火 13:30-15:30",
    "毎月10日 13:30-15:30",
]
_KEYWORDS = ["介護", "認知症", "ひきこもり", "家賃", "借金", "不登校", "いじめ", "DV", "眠れない", "仕事探し",
             "子育て", "食べ物", "障害", "病院", "さみしい", "死にたい"]  # fmt: skip
_MESSAGES = [
    "母が認知症で介護に疲れました。引きこもりの息子もいてお金がありません",
    "夫に殴られて家にいられない",
    "もう死にたい、消えたい",
    "家賃を払えず追い出されそうです",
    "子どもが学校に行けなくなってしまった",
    "",
]
_QUERIES = [
    {"categories": {"elderly_care": 0.9, "hikikomori": 0.6, "poverty": 0.4}},
    {"categories": {"abuse_violence": 0.95}, "crisis_kinds": ("domestic_violence",)},
    {"categories": {"suicide_risk": 0.9}},
    {"categories": {"housing": 0.8, "poverty": 0.7}},
    {"categories": {"school": 0.9, "child_rearing": 0.3}},
    {"categories": {"other": 0.5}},
]


def _generated_csv(rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields.HEADERS)
    kinds = ["自殺", "DV", "児童虐待", "高齢者虐待", "性暴力", "全般"]
    for i in range(RESOURCES):
        roll = rng.random()
        scope, areas = ("全国", "") if roll < 0.1 else (("市内全域", "") if roll < 0.5 else ("地区", ""))
        if scope == "地区":
            areas = "|".join(sorted({f"地区{rng.randrange(AREAS) + 1}" for _ in range(rng.randint(1, 2))}))
        crisis = "|".join(rng.sample(kinds, rng.randint(1, 2))) if i % 25 == 0 else ""
        row = {
            "コード": f"B-{i:04d}",
            "名称": f"ベンチ資源{i}",
            "カテゴリ": "|".join(rng.sample(CATEGORY_IDS, rng.randint(1, 3))),
            "内容": "ベンチマーク用の資源です。",
            "範囲": scope,
            "地区": areas,
            "受付時間": rng.choice(_HOURS),
            "危機の種類": crisis,
            "優先度": str(rng.randint(0, 50)),
            "キーワード": "|".join(rng.sample(_KEYWORDS, 3)),
            "見直し期限": "2027-01-01",
        }
        writer.writerow([row.get(h, "") for h in fields.HEADERS])
    return buffer.getvalue().encode("utf-8")


def run() -> dict[str, float]:
    """Time search over 500 resources; prints and returns the figures (milliseconds)."""
    rng = random.Random(20261126)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            report = csv_io.import_csv(session, data=_generated_csv(rng), actor="bench")
            assert report.applied and len(report.created) == RESOURCES, report.problems[:3]
        import_ms = (time.perf_counter() - started) * 1000
        text.warm_up()
        with unit_of_work(factory) as session:
            area_ids = [a.id for a in service.list_areas(session)]
            started = time.perf_counter()
            search.snapshot(session)
            build_ms = (time.perf_counter() - started) * 1000
            base = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
            timings = []
            for call in range(CALLS):
                query = _QUERIES[call % len(_QUERIES)]
                message = _MESSAGES[call % len(_MESSAGES)]
                at = base + timedelta(minutes=37 * call)  # spread over days and hours
                area = area_ids[call % len(area_ids)] if call % 3 else None
                started = time.perf_counter()
                search.search(session, **query, area_id=area, text=message or None, at=at)
                timings.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    timings.sort()
    figures = {
        "resources": float(RESOURCES),
        "search_median_ms": round(statistics.median(timings), 3),
        "search_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 3),
        "search_max_ms": round(timings[-1], 3),
        "snapshot_build_ms": round(build_ms, 1),
        "csv_import_ms": round(import_ms, 1),
    }
    print(
        f"knowledge search, {RESOURCES} resources: median {figures['search_median_ms']} ms, "
        f"p95 {figures['search_p95_ms']} ms, max {figures['search_max_ms']} ms "
        f"(snapshot rebuild {figures['snapshot_build_ms']} ms, CSV import {figures['csv_import_ms']} ms)"
    )
    return figures


if __name__ == "__main__":
    run()
