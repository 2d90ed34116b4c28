"""One module per kind of event or intent, one signature, a registry with a default.

A handler is `handle(ctx: HandlerContext) -> None`; it queues answers through
`ctx.answer` (the outbox) and flushes, never commits: the worker commits the
handling together with the deletion of the stored event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import follow, join, message, postback, unfollow, unsend

Handler = Callable[[HandlerContext], None]

log = logging.getLogger("madoguchi.handlers")

REGISTRY: dict[str, Handler] = {
    "follow": follow.handle,
    "unfollow": unfollow.handle,
    "message": message.handle,
    "postback": postback.handle,
    "unsend": unsend.handle,
    "join": join.handle,
}


def ignore(ctx: HandlerContext) -> None:
    """Events the product does not serve (beacon, memberJoined, videoPlayComplete ...): nothing to say."""
    log.info("event type %s ignored", ctx.event_type)


def dispatch(ctx: HandlerContext) -> None:
    if ctx.is_standby:
        # Another channel answers in standby mode: keep the record, say nothing.
        message.record_only(ctx)
        return
    REGISTRY.get(ctx.event_type, ignore)(ctx)
