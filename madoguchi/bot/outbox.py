"""The durable outbox: every request to LINE is a row first; the sender works the rows.

A row goes by reply while its token is fresh and unused, otherwise by push
with the row's X-Line-Retry-Key (the same key on every retry, so LINE drops a
repeat it already accepted). A row whose send was interrupted (a crash, a
timeout, a dropped connection) is sent again: a duplicate beats a loss.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from madoguchi.bot import line_limits
from madoguchi.bot.models import Message, OutboxMessage, Resident
from madoguchi.shared import clock
from madoguchi.shared.models import Alert, SystemState

SEND_LEASE = timedelta(seconds=45)
# A reply token lives about a minute: leave a margin for the queue and the request.
REPLY_TOKEN_TTL = timedelta(seconds=50)
PUSH_PAUSE_KEY = "push_paused_until"
QUOTA_ALERT = "line_quota"


def message_summary(message: dict[str, Any]) -> str:
    """What staff see of a bot message in a thread."""
    kind = message.get("type")
    if kind == "text":
        return str(message.get("text", ""))
    if kind in ("flex", "template"):
        return str(message.get("altText", ""))
    return f"[{kind}]"


def enqueue(
    session: Session,
    *,
    resident: Resident,
    messages: list[dict[str, Any]],
    reply_token: str | None = None,
    received_at: datetime | None = None,
    sender: str = "bot",
    conversation_id: int | None = None,
) -> list[OutboxMessage]:
    """Queue messages to a resident (reply when a fresh token is given); records them in the thread."""
    prepared = line_limits.prepare(messages)
    rows: list[OutboxMessage] = []
    now = clock.now()
    for i, batch in enumerate(line_limits.batches(prepared)):
        # Only the first request may use the reply token (single use); the rest are pushes.
        token = reply_token if i == 0 else None
        row = OutboxMessage(
            resident_id=resident.id,
            payload=json.dumps(batch, ensure_ascii=False),
            reply_token=token,
            reply_token_expires_at=((received_at or now) + REPLY_TOKEN_TTL) if token else None,
            retry_key=str(uuid.uuid4()),
            status="pending",
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        session.flush()
        for message in batch:
            session.add(
                Message(
                    resident_id=resident.id,
                    conversation_id=conversation_id,
                    sender=sender,
                    kind=str(message.get("type", "text")),
                    body=message_summary(message),
                    outbox_id=row.id,
                    sent_at=now,
                )
            )
        rows.append(row)
    session.flush()
    return rows


def enqueue_leave(
    session: Session, *, target_type: str, target_id: str, messages: list[dict[str, Any]], reply_token: str | None
) -> OutboxMessage:
    """A polite word in a group or room, then leave it (one row: the sender does both)."""
    row = OutboxMessage(
        action=f"leave_{target_type}",
        target_enc=target_id,
        payload=json.dumps(line_limits.prepare(messages)[:5], ensure_ascii=False),
        reply_token=reply_token,
        reply_token_expires_at=clock.now() + REPLY_TOKEN_TTL if reply_token else None,
        retry_key=str(uuid.uuid4()),
    )
    session.add(row)
    session.flush()
    return row


def enqueue_farewell(
    session: Session,
    *,
    target_id: str,
    messages: list[dict[str, Any]],
    reply_token: str | None,
    received_at: datetime | None = None,
) -> OutboxMessage:
    """The last message to a resident whose data was just erased: addressed by the (encrypted) LINE id on
    this row alone, which is cleared once it is sent."""
    now = clock.now()
    row = OutboxMessage(
        action="farewell",
        target_enc=target_id,
        payload=json.dumps(line_limits.prepare(messages)[:5], ensure_ascii=False),
        reply_token=reply_token,
        reply_token_expires_at=((received_at or now) + REPLY_TOKEN_TTL) if reply_token else None,
        retry_key=str(uuid.uuid4()),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class Job:
    id: int
    action: str
    to: str | None  # the LINE id (decrypted only here, for the request)
    messages: list[dict[str, Any]]
    reply_token: str | None
    retry_key: str
    attempts: int
    created_at: datetime
    blocked: bool


def push_paused_until(session: Session) -> datetime | None:
    state = session.get(SystemState, PUSH_PAUSE_KEY)
    if state is None or not state.value:
        return None
    return datetime.fromisoformat(state.value)


def claim(session: Session, *, limit: int = 20, lease: timedelta = SEND_LEASE) -> list[Job]:
    """Rows due now, the earliest per resident, minus pushes while the monthly quota is used up."""
    now = clock.now()
    paused = push_paused_until(session)
    pushes_paused = paused is not None and paused > now
    earlier = aliased(OutboxMessage)
    blocking = exists().where(
        earlier.resident_id == OutboxMessage.resident_id,
        earlier.id < OutboxMessage.id,
        earlier.status.in_(("pending", "sending")),
    )
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        # A send whose worker vanished: its fate is unknown, so it goes again.
        and_(OutboxMessage.status == "sending", OutboxMessage.locked_until <= now),
    )
    conditions = [due, or_(OutboxMessage.resident_id.is_(None), ~blocking)]
    if pushes_paused:
        conditions.append(and_(OutboxMessage.reply_token.isnot(None), OutboxMessage.reply_token_expires_at > now))
    stmt = select(OutboxMessage).where(*conditions).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=OutboxMessage)
    jobs: list[Job] = []
    residents_seen: set[int] = set()
    for row in session.scalars(stmt):
        if row.resident_id is not None:
            if row.resident_id in residents_seen:
                continue
            residents_seen.add(row.resident_id)
        resident = session.get(Resident, row.resident_id) if row.resident_id else None
        fresh = row.reply_token and row.reply_token_expires_at and row.reply_token_expires_at > now
        if row.status == "sending" and row.via == "reply":
            fresh = False  # the token may already be spent by the lost attempt
        row.status = "sending"
        row.attempts += 1
        row.locked_until = now + lease
        row.via = "reply" if fresh else "push"
        jobs.append(
            Job(
                id=row.id,
                action=row.action,
                to=row.target_enc if resident is None else resident.line_id_enc,
                messages=json.loads(row.payload),
                reply_token=row.reply_token if fresh else None,
                retry_key=row.retry_key,
                attempts=row.attempts,
                created_at=row.created_at,
                blocked=bool(resident and (resident.blocked or resident.erased_at)),
            )
        )
    session.flush()
    return jobs


def mark_sent(session: Session, *, job_id: int, request_id: str | None = None) -> None:
    row = session.get(OutboxMessage, job_id)
    if row is None:
        return
    row.status = "sent"
    row.sent_at = clock.now()
    row.locked_until = None
    row.line_request_id = request_id
    row.last_error = None
    if row.action == "farewell":
        # The erased resident's LINE id and last words leave the database once delivered.
        row.target_enc = None
        row.payload = "[]"
    if row.via == "push":
        _resume_pushes(session)
    session.flush()


def mark_skipped(session: Session, *, job_id: int, reason: str) -> None:
    row = session.get(OutboxMessage, job_id)
    if row is not None:
        row.status = "skipped"
        row.locked_until = None
        row.last_error = reason
        session.flush()


def backoff_seconds(attempts: int, cap: float) -> float:
    """Exponential backoff with jitter: 1, 2, 4 ... seconds up to the cap, each between half and full."""
    base = min(cap, 2.0 ** max(0, attempts - 1))
    return base * (0.5 + random.random() / 2)


def retry_later(
    session: Session, *, job_id: int, error: str, delay_s: float, give_up_after_s: float, drop_reply_token: bool = False
) -> None:
    """Try again after delay_s, or end as failed once the row is older than give_up_after_s."""
    row = session.get(OutboxMessage, job_id)
    if row is None:
        return
    now = clock.now()
    row.last_error = error[:2000]
    row.locked_until = None
    if drop_reply_token:
        row.reply_token = None
        row.reply_token_expires_at = None
    if (now - row.created_at).total_seconds() > give_up_after_s:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = now + timedelta(seconds=delay_s)
    session.flush()


def fail(session: Session, *, job_id: int, error: str) -> None:
    row = session.get(OutboxMessage, job_id)
    if row is not None:
        row.status = "failed"
        row.locked_until = None
        row.last_error = error[:2000]
        session.flush()


def pause_pushes(session: Session, *, until: datetime) -> None:
    """The monthly quota is used up: pushes wait (replies still go) and staff see an alert."""
    state = session.get(SystemState, PUSH_PAUSE_KEY)
    if state is None:
        session.add(SystemState(key=PUSH_PAUSE_KEY, value=until.isoformat()))
    else:
        state.value = until.isoformat()
    open_alert = session.scalar(select(Alert).where(Alert.kind == QUOTA_ALERT, Alert.cleared_at.is_(None)))
    if open_alert is None:
        session.add(
            Alert(
                kind=QUOTA_ALERT,
                message="LINE の今月の送信上限に達しました。プッシュ送信を止めています（返信は送られます）。"
                "上限が戻ると自動で再開します。",
                raised_at=clock.now(),
            )
        )
    session.flush()


def _resume_pushes(session: Session) -> None:
    state = session.get(SystemState, PUSH_PAUSE_KEY)
    if state is not None and state.value:
        state.value = None
    for alert in session.scalars(select(Alert).where(Alert.kind == QUOTA_ALERT, Alert.cleared_at.is_(None))):
        alert.cleared_at = clock.now()


def resend(session: Session, *, outbox_id: int) -> OutboxMessage:
    """Put a failed row back in the queue (as a push: its reply token is long gone)."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise LookupError(f"outbox row {outbox_id} does not exist")
    if row.status not in ("failed", "skipped"):
        raise ValueError(f"outbox row {outbox_id} is {row.status}, not failed")
    row.status = "pending"
    row.reply_token = None
    row.reply_token_expires_at = None
    row.next_attempt_at = clock.now()
    # A fresh clock for giving up. The retry key stays: if LINE did accept an earlier attempt
    # (within its 24 h), it answers 409 and the row counts as sent instead of going twice.
    row.created_at = clock.now()
    session.flush()
    return row


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: int(n) for status, n in rows}
