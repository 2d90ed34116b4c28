"""Added to a group or room: madoguchi is one-to-one, so it says so politely and leaves."""

from __future__ import annotations

from madoguchi.bot import outbox
from madoguchi.bot.context import HandlerContext

GOODBYE = (
    "招待ありがとうございます。この窓口は、一人ひとりの相談を1対1でお受けしています。"
    "グループでは使えないため、退出します。相談は、このアカウントを友だち追加してお送りください。"
)


def handle(ctx: HandlerContext) -> None:
    source = ctx.event.get("source") or {}
    kind = source.get("type")
    target = source.get("groupId") if kind == "group" else source.get("roomId")
    if kind not in ("group", "room") or not target:
        return
    token, _ = ctx.take_reply_token()
    outbox.enqueue_leave(
        ctx.session,
        target_type=kind,
        target_id=target,
        messages=[{"type": "text", "text": GOODBYE}],
        reply_token=token,
    )
