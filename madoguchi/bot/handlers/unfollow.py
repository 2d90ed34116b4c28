"""A resident blocks the account: mark them, so nothing more is sent."""

from __future__ import annotations

from madoguchi.bot import residents
from madoguchi.bot.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is not None:
        residents.mark_blocked(ctx.session, resident=ctx.resident)
