"""A resident adds the account as a friend (or unblocks it)."""

from __future__ import annotations

from madoguchi.bot import residents
from madoguchi.bot.context import HandlerContext

GREETING = (
    "友だち追加ありがとうございます。\n"
    "ここは、くらしの困りごとを匿名で相談できる窓口です。\n"
    "困っていることを、あなたの言葉で送ってください。\n"
    "緊急のときは 110（警察）・119（救急）へ電話してください。"
)


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    residents.mark_followed(ctx.session, resident=ctx.resident)
    ctx.answer([{"type": "text", "text": GREETING}])
