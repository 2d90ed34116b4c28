"""Stored webhook events: durable before the 200, claimed in per-resident order, retried, parked.

A resident's events are handled one at a time, in LINE's timestamp order: an
event is claimable only when no earlier event of the same source is waiting
or being handled. Claims take a lease, so a worker that dies mid-event gives
it back; the handling itself commits with the event's deletion, so an event is
handled whole or not at all. On PostgreSQL the claim uses FOR UPDATE SKIP
LOCKED, so several workers never take the same event; on SQLite the write
lock (BEGIN IMMEDIATE) serialises claims.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from madoguchi.bot.models import WebhookEvent, WebhookReceipt
from madoguchi.shared import clock, crypto

LEASE = timedelta(seconds=60)


def source_id(event: dict[str, Any]) -> str:
    source = event.get("source") or {}
    return source.get("userId") or source.get("groupId") or source.get("roomId") or "unknown"


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def store(session: Session, *, events: list[dict[str, Any]]) -> int:
    """Store new events (unique webhookEventId); returns how many were new."""
    if not events:
        return 0
    now = clock.now()
    by_id: dict[str, dict[str, Any]] = {}
    for ev in events:
        by_id.setdefault(str(ev["webhookEventId"]), ev)
    # Core executemany statements: compiled once and cached, whatever the batch size.
    conn = session.connection()
    receipts = WebhookReceipt.__table__
    inserted = conn.execute(
        _insert(session, receipts)
        .on_conflict_do_nothing(index_elements=["webhook_event_id"])
        .returning(receipts.c.webhook_event_id),
        [{"webhook_event_id": eid, "received_at": now} for eid in by_id],
    )
    new_ids = [row[0] for row in inserted]
    if not new_ids:
        return 0
    box = crypto.box()
    rows = []
    for eid in new_ids:
        ev = by_id[eid]
        rows.append(
            {
                "webhook_event_id": eid,
                "source_key": box.lookup_hash(source_id(ev)),
                "event_type": str(ev.get("type", "unknown"))[:40],
                "event_ts": int(ev.get("timestamp") or 0),
                "payload": json.dumps(ev, ensure_ascii=False, separators=(",", ":")),
                "status": "pending",
                "attempts": 0,
                "available_at": now,
                "received_at": now,
            }
        )
    conn.execute(WebhookEvent.__table__.insert(), rows)
    return len(new_ids)


@dataclass
class Claimed:
    id: int
    event: dict[str, Any]
    attempts: int
    received_at: datetime | None = None
    deferred: bool = False


def claim(session: Session, *, limit: int = 10, lease: timedelta = LEASE) -> list[Claimed]:
    """Take up to `limit` events whose turn it is, each the earliest of its resident."""
    now = clock.now()
    earlier = aliased(WebhookEvent)
    blocking = exists().where(
        earlier.source_key == WebhookEvent.source_key,
        earlier.id != WebhookEvent.id,
        or_(
            # Someone else is handling this resident's event right now.
            and_(earlier.status == "processing", earlier.locked_until > now),
            # An earlier event of the resident is still waiting.
            and_(
                earlier.status.in_(("pending", "processing")),
                or_(
                    earlier.event_ts < WebhookEvent.event_ts,
                    and_(earlier.event_ts == WebhookEvent.event_ts, earlier.id < WebhookEvent.id),
                ),
            ),
        ),
    )
    later = aliased(WebhookEvent)
    waiting_behind = select(func.count(later.id)).where(_behind(later, WebhookEvent)).scalar_subquery()
    newer_arrived = waiting_behind > func.coalesce(WebhookEvent.deferred_seen, 0)
    due = or_(
        and_(WebhookEvent.status == "pending", WebhookEvent.available_at <= now),
        and_(WebhookEvent.status == "processing", WebhookEvent.locked_until <= now),
        # Waiting out the coalescing window, but the resident sent more: read it now (it may be a crisis).
        and_(WebhookEvent.status == "pending", WebhookEvent.deferred_at.isnot(None), newer_arrived),
    )
    stmt = select(WebhookEvent).where(due, ~blocking).order_by(WebhookEvent.event_ts, WebhookEvent.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookEvent)
    rows = list(session.scalars(stmt))
    claimed: list[Claimed] = []
    seen_sources: set[str] = set()
    for row in rows:
        # Only one event per resident per claim: the next waits for this one to finish.
        if row.source_key in seen_sources:
            continue
        seen_sources.add(row.source_key)
        row.status = "processing"
        row.attempts += 1
        row.locked_until = now + lease
        claimed.append(
            Claimed(
                id=row.id,
                event=json.loads(row.payload),
                attempts=row.attempts,
                received_at=row.received_at,
                deferred=row.deferred_at is not None,
            )
        )
    session.flush()
    return claimed


def finish(session: Session, *, event_id: int) -> None:
    """Handled: the stored event (and its encrypted payload) is deleted; the receipt stays."""
    session.execute(delete(WebhookEvent).where(WebhookEvent.id == event_id))


def _behind(later: Any, row: Any) -> Any:
    """`later` is one of the same resident's events still waiting behind `row` (a stored row, or the
    claim's column for a correlated count)."""
    return and_(
        later.source_key == row.source_key,
        later.id != row.id,
        later.status == "pending",
        or_(later.event_ts > row.event_ts, and_(later.event_ts == row.event_ts, later.id > row.id)),
    )


def defer(session: Session, *, event_id: int, until: datetime, seen: int) -> None:
    """Not yet: the event waits (unhandled, not failed) until `until`, or until more of the resident's
    events wait behind it than the `seen` its handler read (one stored while it ran counts too)."""
    row = session.get(WebhookEvent, event_id)
    if row is None:
        return
    row.status = "pending"
    row.attempts = max(0, row.attempts - 1)
    row.locked_until = None
    row.available_at = until
    row.deferred_at = clock.now()
    row.deferred_seen = seen
    session.flush()


@dataclass
class Following:
    id: int
    event: dict[str, Any]
    received_at: datetime


def following(session: Session, *, event_id: int) -> list[Following]:
    """The same resident's later events still waiting (blocked behind `event_id`), in order."""
    row = session.get(WebhookEvent, event_id)
    if row is None:
        return []
    later = session.scalars(
        select(WebhookEvent).where(_behind(WebhookEvent, row)).order_by(WebhookEvent.event_ts, WebhookEvent.id)
    )
    return [Following(id=r.id, event=json.loads(r.payload), received_at=r.received_at) for r in later]


def fail(session: Session, *, event_id: int, error: str, max_attempts: int) -> bool:
    """Handling crashed: retry later with backoff, or park it as failed. Returns True if parked."""
    row = session.get(WebhookEvent, event_id)
    if row is None:
        return False
    row.last_error = error[:2000]
    row.locked_until = None
    if row.attempts >= max_attempts:
        row.status = "failed"
        session.flush()
        return True
    row.status = "pending"
    delay = min(60.0, 0.5 * 2 ** (row.attempts - 1)) * (0.5 + random.random() / 2)
    row.available_at = clock.now() + timedelta(seconds=delay)
    session.flush()
    return False


def list_failed(session: Session) -> list[WebhookEvent]:
    return list(session.scalars(select(WebhookEvent).where(WebhookEvent.status == "failed").order_by(WebhookEvent.id)))


def rerun(session: Session, *, event_id: int | None = None) -> int:
    """Put parked events (one, or all) back in the queue; returns how many."""
    stmt = update(WebhookEvent).where(WebhookEvent.status == "failed")
    if event_id is not None:
        stmt = stmt.where(WebhookEvent.id == event_id)
    result = session.execute(
        stmt.values(status="pending", attempts=0, available_at=clock.now(), last_error=None),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status))
    return {status: int(n) for status, n in rows}


def oldest_pending_age(session: Session, *, now: datetime | None = None) -> float | None:
    oldest = session.scalar(select(func.min(WebhookEvent.received_at)).where(WebhookEvent.status == "pending"))
    if oldest is None:
        return None
    return ((now or clock.now()) - oldest).total_seconds()
