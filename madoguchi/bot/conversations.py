"""Conversations: one open at a time per resident, explicit timestamped transitions, the coordinators' queue
and what coordinators do (take over, reply, hand back, close, put on hold).

States: bot (the bot answers) -> waiting (in the queue) -> human (a coordinator holds it) -> closed.
Every change writes a ConversationTransition (from, to, when, who, why). Services flush, never commit.
Staff are an opaque id string (`held_by`, `actor="staff:<id>"`) until the staff table exists.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from madoguchi.bot import compose, outbox
from madoguchi.bot import messages as say
from madoguchi.bot.models import Conversation, ConversationTransition, Message, Resident
from madoguchi.shared import clock
from madoguchi.shared.errors import AppError, Conflict, NotFound
from madoguchi.shared.models import Alert

OPEN = ("bot", "waiting", "human")
STATUSES = ("bot", "waiting", "human", "closed")
OUTCOMES = ("resolved", "informed", "referred", "ongoing", "lost_contact", "other")
CRISIS_ALERT = "crisis"
# Wait estimates only from enough recent take-overs to mean something.
ESTIMATE_MIN_SAMPLES = 3
ESTIMATE_LOOKBACK = timedelta(days=14)


def current(session: Session, *, resident: Resident) -> Conversation | None:
    """The resident's open conversation, if any."""
    return session.scalars(
        select(Conversation)
        .where(Conversation.resident_id == resident.id, Conversation.status.in_(OPEN))
        .order_by(Conversation.id.desc())
    ).first()


def open_for(session: Session, *, resident: Resident, actor: str = "resident") -> Conversation:
    """The open conversation, or a new one with the bot (after a close, the next message opens a new one)."""
    conv = current(session, resident=resident)
    if conv is not None:
        return conv
    now = clock.now()
    conv = Conversation(
        resident_id=resident.id, status="bot", opened_at=now, labels=[], scores={}, shown=[], crisis_kinds=[],
        crisis_lines=[],
    )
    session.add(conv)
    session.flush()
    session.add(ConversationTransition(conversation_id=conv.id, from_status=None, to_status="bot", at=now,
                                       actor=actor, reason="opened"))
    session.flush()
    return conv


def get(session: Session, *, conversation_id: int) -> Conversation:
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    return conv


def list_for_resident(session: Session, *, resident: Resident) -> list[Conversation]:
    """Every conversation of the resident, newest first (coordinators see the earlier ones)."""
    return list(
        session.scalars(
            select(Conversation).where(Conversation.resident_id == resident.id).order_by(Conversation.id.desc())
        )
    )


def transition(session: Session, *, conv: Conversation, to: str, actor: str, reason: str) -> None:
    """Move to `to`, recording it (a no-op when already there)."""
    if to not in STATUSES:
        raise ValueError(f"unknown status {to}")
    if conv.status == to:
        return
    now = clock.now()
    session.add(ConversationTransition(conversation_id=conv.id, from_status=conv.status, to_status=to, at=now,
                                       actor=actor, reason=reason))
    conv.status = to
    if to == "waiting":
        conv.waiting_since = now
        conv.waiting_ack_at = None
    elif to in ("bot", "closed"):
        conv.waiting_since = None
    if to in ("bot", "closed"):
        conv.held_by = None
    if to == "closed":
        conv.closed_at = now
    session.flush()


def transitions(session: Session, *, conversation_id: int) -> list[ConversationTransition]:
    return list(
        session.scalars(
            select(ConversationTransition)
            .where(ConversationTransition.conversation_id == conversation_id)
            .order_by(ConversationTransition.id)
        )
    )


# --- a crisis ------------------------------------------------------------------------------

def mark_crisis(session: Session, *, conv: Conversation, kinds: list[str], pseudonym: str) -> None:
    """Crisis for good; into the queue at once unless a coordinator holds it; staff alerted either way."""
    now = clock.now()
    if not conv.crisis:
        conv.crisis = True
        conv.crisis_at = now
    conv.crisis_kinds = sorted(set(conv.crisis_kinds or []) | set(kinds))
    if conv.status == "bot":
        transition(session, conv=conv, to="waiting", actor="bot", reason="crisis")
    if conv.held_by:
        message = f"あなたが担当している {pseudonym} さんの相談に、危機のサインがあります。すぐに確認してください。"
    else:
        message = f"{pseudonym} さんの相談に危機のサインがあります。キューの先頭にあります。"
    session.add(Alert(kind=CRISIS_ALERT, message=message, subject=f"conversation:{conv.id}", raised_at=now))
    session.flush()


# --- the queue -----------------------------------------------------------------------------

def _queue_order() -> list[Any]:
    return [case((Conversation.crisis.is_(True), 0), else_=1), Conversation.waiting_since, Conversation.id]


def list_queue(session: Session, *, status: str = "waiting", limit: int = 100) -> list[Conversation]:
    """Conversations in a status: crisis first, then the longest waiting."""
    stmt = select(Conversation).where(Conversation.status == status)
    if status == "waiting":
        stmt = stmt.order_by(*_queue_order())
    else:
        stmt = stmt.order_by(case((Conversation.crisis.is_(True), 0), else_=1), Conversation.opened_at, Conversation.id)
    return list(session.scalars(stmt.limit(limit)))


def queue_position(session: Session, *, conv: Conversation) -> int:
    """1 for the first in the queue."""
    waiting = list_queue(session, status="waiting", limit=10_000)
    for i, other in enumerate(waiting, start=1):
        if other.id == conv.id:
            return i
    return len(waiting) + 1


def wait_estimate_minutes(session: Session, *, position: int) -> int | None:
    """An honest estimate from recent take-overs (waiting -> human), or None when there are too few."""
    since = clock.now() - ESTIMATE_LOOKBACK
    taken = session.scalars(
        select(ConversationTransition).where(
            ConversationTransition.from_status == "waiting",
            ConversationTransition.to_status == "human",
            ConversationTransition.at >= since,
        )
    ).all()
    waits: list[float] = []
    for t in taken:
        entered = session.scalar(
            select(func.max(ConversationTransition.at)).where(
                ConversationTransition.conversation_id == t.conversation_id,
                ConversationTransition.to_status == "waiting",
                ConversationTransition.at <= t.at,
            )
        )
        if entered is not None:
            waits.append((t.at - entered).total_seconds() / 60)
    if len(waits) < ESTIMATE_MIN_SAMPLES:
        return None
    return max(1, math.ceil(sum(waits) / len(waits) * position))


def request_person(session: Session, *, conv: Conversation, actor: str = "resident") -> None:
    if conv.status == "bot":
        transition(session, conv=conv, to="waiting", actor=actor, reason="asked_for_person")


def cancel_waiting(session: Session, *, conv: Conversation) -> bool:
    """Back to the bot; a crisis stays in the queue (it must not go unseen). Returns True if cancelled."""
    if conv.status != "waiting" or conv.crisis:
        return False
    transition(session, conv=conv, to="bot", actor="resident", reason="cancelled")
    return True


# --- what coordinators do ------------------------------------------------------------------

def _resident(session: Session, conv: Conversation) -> Resident:
    resident = session.get(Resident, conv.resident_id) if conv.resident_id else None
    if resident is None or resident.erased_at is not None:
        raise Conflict("この相談者のデータは消去されています。")
    return resident


def _tell(session: Session, *, conv: Conversation, resident: Resident, messages: list[dict[str, Any]],
          sender: str = "bot") -> None:
    """Queue messages to the resident: by their unused reply token while it is fresh, else push."""
    token, issued = None, None
    if conv.reply_token and conv.reply_token_at and conv.reply_token_at + outbox.REPLY_TOKEN_TTL > clock.now():
        token, issued = conv.reply_token, conv.reply_token_at
    conv.reply_token, conv.reply_token_at = None, None
    outbox.enqueue(session, resident=resident, messages=messages, reply_token=token, received_at=issued,
                   sender=sender, conversation_id=conv.id)


def take_over(session: Session, *, conversation_id: int, staff_id: str) -> Conversation:
    """The coordinator holds it and the bot falls silent; 409 when someone else holds it."""
    conv = get(session, conversation_id=conversation_id)
    _require_open_and_free(conv, staff_id, closed="この相談は終了しています。")
    conv.held_by = staff_id
    transition(session, conv=conv, to="human", actor=f"staff:{staff_id}", reason="takeover")
    session.flush()
    return conv


def _require_open_and_free(conv: Conversation, staff_id: str, *, closed: str) -> None:
    """Taking over or closing: not closed (`closed` says so), and not held by another coordinator."""
    if conv.status == "closed":
        raise Conflict(closed)
    if conv.held_by and conv.held_by != staff_id:
        raise Conflict("ほかの相談員が担当しています。")


def _require_holder(conv: Conversation, staff_id: str) -> None:
    if conv.status != "human" or conv.held_by != staff_id:
        raise Conflict("この相談を担当していません。先に担当してください。")


def reply(session: Session, *, conversation_id: int, staff_id: str, text: str) -> None:
    """The holder's reply, through the outbox (the resident's fresh reply token if any, else push)."""
    conv = get(session, conversation_id=conversation_id)
    _require_holder(conv, staff_id)
    body = (text or "").strip()
    if not body:
        raise AppError("本文が空です。", 422)
    _tell(session, conv=conv, resident=_resident(session, conv), messages=[compose.text(body)], sender="staff")


def hand_back(session: Session, *, conversation_id: int, staff_id: str) -> Conversation:
    """Back to the bot; the resident is told kindly."""
    conv = get(session, conversation_id=conversation_id)
    _require_holder(conv, staff_id)
    transition(session, conv=conv, to="bot", actor=f"staff:{staff_id}", reason="handed_back")
    _tell(session, conv=conv, resident=_resident(session, conv), messages=[compose.text(say.handed_back())])
    return conv


def close(session: Session, *, conversation_id: int, staff_id: str, outcome: str) -> Conversation:
    """Close with an outcome; the resident is told kindly, and their next message opens a new conversation."""
    if outcome not in OUTCOMES:
        raise AppError(f"outcome must be one of {', '.join(OUTCOMES)}", 422)
    conv = get(session, conversation_id=conversation_id)
    _require_open_and_free(conv, staff_id, closed="この相談はすでに終了しています。")
    conv.outcome = outcome
    transition(session, conv=conv, to="closed", actor=f"staff:{staff_id}", reason="closed")
    resident = session.get(Resident, conv.resident_id) if conv.resident_id else None
    if resident is not None and resident.erased_at is None:
        _tell(session, conv=conv, resident=resident, messages=[compose.text(say.closed())])
    for alert in session.scalars(
        select(Alert).where(Alert.subject == f"conversation:{conv.id}", Alert.cleared_at.is_(None))
    ):
        alert.cleared_at = clock.now()
    session.flush()
    return conv


def put_on_hold(session: Session, *, conversation_id: int, staff_id: str, reason: str) -> Conversation:
    """記録保全: a supervisor keeps this record; erasure will not delete it until the hold is lifted."""
    conv = get(session, conversation_id=conversation_id)
    conv.record_hold = True
    conv.record_hold_reason = reason
    conv.record_hold_by = staff_id
    conv.record_hold_at = clock.now()
    session.flush()
    return conv


def lift_hold(session: Session, *, conversation_id: int, staff_id: str) -> Conversation:
    conv = get(session, conversation_id=conversation_id)
    conv.record_hold = False
    conv.record_hold_by = staff_id
    conv.record_hold_at = clock.now()
    session.flush()
    return conv


def thread(session: Session, *, conversation_id: int) -> list[Message]:
    """The conversation's messages in order (bodies decrypted)."""
    return list(
        session.scalars(select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id))
    )


def touch_resident(conv: Conversation, *, at: datetime) -> None:
    conv.last_resident_at = at
