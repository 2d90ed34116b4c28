"""The resident took a message back: its text is deleted, only the fact remains."""

from __future__ import annotations

from sqlalchemy import select

from madoguchi.bot.context import HandlerContext
from madoguchi.bot.models import Message
from madoguchi.shared import clock


def handle(ctx: HandlerContext) -> None:
    message_id = str((ctx.event.get("unsend") or {}).get("messageId", ""))
    if not message_id or ctx.resident is None:
        return
    rows = ctx.session.scalars(
        select(Message).where(Message.line_message_id == message_id, Message.resident_id == ctx.resident.id)
    )
    for row in rows:
        row.body = None
        row.unsent_at = clock.now()
    ctx.session.flush()
