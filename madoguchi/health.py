"""Readiness: the database answers, a usable model is in place, a worker is alive and keeping up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import event_store
from madoguchi.classifier.service import default_model_path, model_is_usable
from madoguchi.shared import clock
from madoguchi.shared.db import read_only
from madoguchi.shared.models import WorkerHeartbeat

HEARTBEAT_STALE = timedelta(seconds=60)
BACKLOG_STUCK_S = 120.0


def problems(factory: sessionmaker[Session], *, model_path: Path | None = None) -> list[str]:
    try:
        with read_only(factory) as session:
            session.execute(text("SELECT 1"))
            last_beat = session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
            backlog_age = event_store.oldest_pending_age(session)
    except Exception as exc:
        return [f"database unreachable: {type(exc).__name__}"]
    reasons: list[str] = []
    path = model_path or default_model_path()
    if not model_is_usable(path):
        reasons.append(f"classifier model missing or unusable at {path} (run `madoguchi train`)")
    now = clock.now()
    if last_beat is None or now - last_beat > HEARTBEAT_STALE:
        reasons.append("no worker heartbeat in the last 60 s")
    if backlog_age is not None and backlog_age > BACKLOG_STUCK_S:
        reasons.append(f"oldest waiting event is {int(backlog_age)} s old: worker stuck")
    return reasons
