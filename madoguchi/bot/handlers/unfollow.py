"""A resident blocks the account: nothing more is sent; a conversation only with the bot ends."""

from __future__ import annotations

from madoguchi.bot import conversations, residents
from madoguchi.bot.context import HandlerContext


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    residents.mark_blocked(ctx.session, resident=ctx.resident)
    conv = conversations.current(ctx.session, resident=ctx.resident)
    # Waiting or with a person: it stays for the coordinator, who sees the resident left.
    if conv is not None and conv.status == "bot":
        conversations.transition(ctx.session, conv=conv, to="closed", actor="resident", reason="unfollowed")
