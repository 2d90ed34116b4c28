"""Stickers, images, voice, video, location, files: a kind word saying what the bot can read.

With a person, the bot says nothing: the coordinator sees in the thread that something arrived."""

from __future__ import annotations

from madoguchi.bot import compose
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import handoff
from madoguchi.bot.handlers.common import conversation, record


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    conv = conversation(ctx)
    record(ctx, conv, ctx.event, keep=False)
    if conv.status == "human":
        conv.reply_token = ctx.event.get("replyToken")
        conv.reply_token_at = ctx.event_time
        return
    if conv.status == "waiting":
        handoff.acknowledge_once(ctx, conv)
        return
    kind = str(ctx.message.get("type", ""))
    ctx.answer([compose.text(say.sticker() if kind == "sticker" else say.media(kind))])
