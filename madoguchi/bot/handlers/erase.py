"""「データを消して」: a confirmation first; then erasure, and a last message that says what happened."""

from __future__ import annotations

from madoguchi.bot import compose, erasure, outbox
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext


def ask(ctx: HandlerContext) -> None:
    ctx.answer([compose.erase_confirmation()])


def cancel(ctx: HandlerContext) -> None:
    ctx.answer([compose.text(say.erase_cancelled())])


def confirm(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    result = erasure.erase(ctx.session, resident=ctx.resident)
    if result.held:
        ctx.conversation_id = None
        ctx.answer([
            compose.text(say.erase_held(crisis=result.crisis, record_hold=result.record_hold,
                                        keep_days=ctx.settings.retention_days))
        ])
        return
    token, issued = ctx.take_reply_token()
    if result.line_user_id:
        outbox.enqueue_farewell(ctx.session, target_id=result.line_user_id, messages=[compose.text(say.erased())],
                                reply_token=token, received_at=issued)
    # Nothing else may point at them: no resident for the rest of this handling.
    ctx.resident = None
    ctx.conversation_id = None
