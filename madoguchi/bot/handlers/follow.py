"""A resident adds the account as a friend (or unblocks it): what this is, privacy, how to ask for a person."""

from __future__ import annotations

from madoguchi.bot import compose, residents
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers.common import consent_prompt, duty_text


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    residents.mark_followed(ctx.session, resident=ctx.resident)
    if ctx.resident.consented_at is not None:
        ctx.answer([compose.text(say.welcome_back(), quick=compose.topic_quick_replies())])
        return
    # A friend again who never agreed is shown the notice again.
    ctx.resident.consent_prompted_at = None
    messages = [compose.text(say.greeting(duty_hours=duty_text(ctx))), *consent_prompt(ctx)]
    ctx.answer(compose.with_quick_reply(messages, compose.topic_quick_replies()))
