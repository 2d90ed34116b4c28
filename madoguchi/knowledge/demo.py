"""The demo knowledge base: the national lines and the fictional city みどり市 (data/*.csv)."""

from __future__ import annotations

import csv
import io
from importlib import resources as package_files

from sqlalchemy.orm import Session

from madoguchi.knowledge import csv_io, service

DEMO_ACTOR = "demo"
# Areas first (their readings and order are not in the resource CSV), then the resources.
AREAS_FILE = "midori_areas.csv"
RESOURCE_FILES = ("national_hotlines.csv", "midori_demo.csv")


def _read(name: str) -> bytes:
    return package_files.files("madoguchi.knowledge").joinpath("data", name).read_bytes()


def load_demo(session: Session, *, if_empty: bool = False) -> csv_io.ImportReport | None:
    """Load the demo data; with if_empty, do nothing when any resource exists (returns None)."""
    if if_empty and service.count_resources(session) > 0:
        return None
    for row in csv.DictReader(io.StringIO(csv_io.decode(_read(AREAS_FILE)))):
        service.get_or_create_area(session, name=row["名称"], reading=row["よみがな"], sort_order=int(row["順番"]))
    total = csv_io.ImportReport(applied=True)
    for name in RESOURCE_FILES:
        report = csv_io.import_csv(session, data=_read(name), actor=DEMO_ACTOR)
        if not report.applied:
            problems = "\n".join(p.text() for p in report.problems)
            raise service.KnowledgeError(f"デモデータ {name} に問題があります:\n{problems}")
        total.created += report.created
        total.updated += report.updated
        total.unchanged += report.unchanged
    return total
