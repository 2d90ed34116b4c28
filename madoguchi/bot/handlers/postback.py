"""A tap on a button, quick reply or the rich menu (postback data `a=ACTION&...`)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from madoguchi.bot import compose
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import area, erase, handoff, worry
from madoguchi.bot.handlers.common import consent_prompt, conversation, duty_text
from madoguchi.bot.handlers.text import howto_quick
from madoguchi.bot.models import Conversation
from madoguchi.shared import clock

Action = Callable[[HandlerContext, Conversation, dict[str, str]], None]


def _consent(ctx: HandlerContext, conv: Conversation, params: dict[str, str]) -> None:
    assert ctx.resident is not None
    if ctx.resident.consented_at is not None:
        ctx.answer([compose.text(say.consent_already())])
        return
    ctx.resident.consented_at = clock.now()
    ctx.session.flush()
    ctx.answer([compose.text(say.consent_thanks(), quick=compose.topic_quick_replies())])


def _topic(ctx: HandlerContext, conv: Conversation, params: dict[str, str]) -> None:
    category = params.get("c", "")
    if category not in say.TOPICS:
        ctx.answer([compose.text(say.unknown_button())])
        return
    worry.topic(ctx, conv, category)


def _area_set(ctx: HandlerContext, conv: Conversation, params: dict[str, str]) -> None:
    try:
        area_id = int(params.get("id", "0"))
    except ValueError:
        area_id = 0
    area.set_area(ctx, conv, area_id)


def _start(ctx: HandlerContext, conv: Conversation, params: dict[str, str]) -> None:
    ctx.answer(compose.with_quick_reply([compose.text(say.intent_greeting()), *consent_prompt(ctx)],
                                        compose.topic_quick_replies()))


ACTIONS: dict[str, Action] = {
    "consent": _consent,
    "talk": lambda ctx, conv, p: handoff.request(ctx, conv),
    "cancel": lambda ctx, conv, p: handoff.cancel(ctx, conv),
    "more": lambda ctx, conv, p: worry.more(ctx, conv),
    "area": lambda ctx, conv, p: area.choose(ctx),
    "area_set": _area_set,
    "ok": lambda ctx, conv, p: ctx.answer([compose.text(say.im_ok())]),
    "topic": _topic,
    "topics": lambda ctx, conv, p: worry.ask_topic(ctx, conv, english=False),
    "start": _start,
    "howto": lambda ctx, conv, p: ctx.answer(
        [compose.text(say.how_to_use(duty_hours=duty_text(ctx)), quick=howto_quick())]
    ),
    "erase": lambda ctx, conv, p: erase.ask(ctx),
    "erase_yes": lambda ctx, conv, p: erase.confirm(ctx),
    "erase_no": lambda ctx, conv, p: erase.cancel(ctx),
}
# With a person the bot is silent, except for erasure (and consent, which it records quietly).
WITH_PERSON = {"erase", "erase_yes", "erase_no"}


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    raw = parse_qs(str((ctx.event.get("postback") or {}).get("data", "")))
    params = {k: v[0] for k, v in raw.items() if v}
    action = params.get("a", "")
    conv = conversation(ctx)
    conv.last_resident_at = clock.now()
    if conv.status == "human" and action not in WITH_PERSON:
        if action == "consent" and ctx.resident.consented_at is None:
            ctx.resident.consented_at = clock.now()
        conv.reply_token = ctx.event.get("replyToken")
        conv.reply_token_at = ctx.event_time
        return
    ACTIONS.get(action, lambda c, v, p: c.answer([compose.text(say.unknown_button())]))(ctx, conv, params)
