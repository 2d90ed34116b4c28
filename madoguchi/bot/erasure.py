"""Erasure on the resident's request: their messages, LINE id and anything pointing at them go; anonymous
counts (conversations without a resident, their labels and transitions) stay for the weekly figures.

A conversation that is a crisis, or that a supervisor put on hold (記録保全), is not erased at once: its
messages and the resident's record stay (marked erasure_requested_at) until the hold ends and the
retention purge finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from madoguchi.bot import conversations
from madoguchi.bot.models import Conversation, Message, OutboxMessage, Resident
from madoguchi.shared import clock


@dataclass
class Erasure:
    held: bool
    crisis: bool = False
    record_hold: bool = False
    line_user_id: str | None = None  # for the last message only, when everything was erased


def erase(session: Session, *, resident: Resident) -> Erasure:
    convs = list(session.scalars(select(Conversation).where(Conversation.resident_id == resident.id)))
    held = [c for c in convs if c.crisis or c.record_hold]
    for conv in convs:
        if conv in held:
            continue
        if conv.status != "closed":
            conversations.transition(session, conv=conv, to="closed", actor="resident", reason="erased")
        conv.reply_token, conv.reply_token_at = None, None
    if not held:
        line_user_id = resident.line_id_enc
        for conv in convs:
            conv.resident_id = None
        session.flush()
        session.execute(delete(Message).where(Message.resident_id == resident.id))
        session.execute(delete(OutboxMessage).where(OutboxMessage.resident_id == resident.id))
        session.delete(resident)
        session.flush()
        return Erasure(held=False, line_user_id=line_user_id)
    held_ids = [c.id for c in held]
    session.execute(
        delete(Message).where(
            Message.resident_id == resident.id,
            or_(Message.conversation_id.is_(None), Message.conversation_id.not_in(held_ids)),
        )
    )
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.resident_id == resident.id, OutboxMessage.status.in_(("sent", "failed", "skipped"))
        )
    )
    resident.erasure_requested_at = clock.now()
    resident.area_id = None
    session.flush()
    return Erasure(
        held=True, crisis=any(c.crisis for c in held), record_hold=any(c.record_hold for c in held)
    )
