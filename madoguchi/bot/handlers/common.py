"""What several handlers share: the open conversation, keeping a resident's message, the consent prompt."""

from __future__ import annotations

from typing import Any

from madoguchi.bot import compose, conversations
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.models import Conversation, Message
from madoguchi.shared import clock


def conversation(ctx: HandlerContext) -> Conversation:
    """The resident's open conversation (opened now if none); bot answers join its thread."""
    assert ctx.resident is not None
    conv = conversations.open_for(ctx.session, resident=ctx.resident)
    ctx.conversation_id = conv.id
    return conv


def consented(ctx: HandlerContext) -> bool:
    return ctx.resident is not None and ctx.resident.consented_at is not None


def record(ctx: HandlerContext, conv: Conversation, event: dict[str, Any], *, keep: bool) -> Message:
    """The resident's message in the thread; its text only when it may be kept (encrypted at rest)."""
    assert ctx.resident is not None
    msg = event.get("message") or {}
    kind = str(msg.get("type", "unknown"))
    row = Message(
        resident_id=ctx.resident.id,
        conversation_id=conv.id,
        sender="resident",
        kind=kind,
        body=msg.get("text") if kind == "text" and keep else None,
        line_message_id=str(msg.get("id")) if msg.get("id") else None,
        sent_at=ctx.event_time,
    )
    ctx.session.add(row)
    conv.last_resident_at = clock.now()
    ctx.session.flush()
    return row


def consent_prompt(ctx: HandlerContext) -> list[dict[str, Any]]:
    """The consent card, once, with the first answer to a resident who has not agreed yet."""
    resident = ctx.resident
    if resident is None or resident.consented_at is not None or resident.consent_prompted_at is not None:
        return []
    resident.consent_prompted_at = clock.now()
    return [compose.consent_card(keep_days=ctx.settings.retention_days)]


def duty_text(ctx: HandlerContext) -> str:
    """The duty schedule as a resident reads it."""
    return ctx.settings.duty_hours.replace("; ", "、").replace("-", "〜")
