"""Messages from a resident: text goes to the conversation engine (text.py), other kinds to nontext.py."""

from __future__ import annotations

from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import nontext, text
from madoguchi.bot.models import Message


def record_only(ctx: HandlerContext) -> Message | None:
    """Standby mode (another channel answers): keep the resident's message in their thread, say nothing."""
    if ctx.resident is None or ctx.event_type != "message":
        return None
    from madoguchi.bot.handlers.common import conversation, record

    conv = conversation(ctx)
    return record(ctx, conv, ctx.event, keep=ctx.resident.consented_at is not None)


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    if ctx.message.get("type") == "text":
        text.handle(ctx)
    else:
        nontext.handle(ctx)
