"""Messages from a resident: text is kept (encrypted) and acknowledged; other kinds get a kind word."""

from __future__ import annotations

from madoguchi.bot.context import HandlerContext
from madoguchi.bot.models import Message

ACK = "メッセージを受け取りました。ありがとうございます。"
NON_TEXT = (
    "ありがとうございます。ごめんなさい、ここでは文字のメッセージだけ読むことができます。"
    "困っていることを文字で送ってください。"
)


def record_only(ctx: HandlerContext) -> Message | None:
    """Keep the resident's message in their thread (text encrypted at rest)."""
    if ctx.resident is None or ctx.event_type != "message":
        return None
    msg = ctx.message
    kind = str(msg.get("type", "unknown"))
    row = Message(
        resident_id=ctx.resident.id,
        sender="resident",
        kind=kind,
        body=msg.get("text") if kind == "text" else None,
        line_message_id=str(msg.get("id")) if msg.get("id") else None,
        sent_at=ctx.event_time,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def handle(ctx: HandlerContext) -> None:
    row = record_only(ctx)
    if row is None:
        return
    ctx.answer([{"type": "text", "text": ACK if row.kind == "text" else NON_TEXT}])
