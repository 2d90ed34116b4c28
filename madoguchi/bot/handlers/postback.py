"""A tap on a button or quick reply that sends data back."""

from __future__ import annotations

from madoguchi.bot.context import HandlerContext

ACK = "ありがとうございます。"


def handle(ctx: HandlerContext) -> None:
    ctx.answer([{"type": "text", "text": ACK}])
