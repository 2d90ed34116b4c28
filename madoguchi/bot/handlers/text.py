"""A resident's text: read together with what they send within the coalescing window, checked for a crisis
as each message arrives, then routed: crisis, a person, erasure, an intent, or a worry.

Coalescing: the first text of a burst is not answered until the resident's newest text is older than the
window (settings.coalesce_window_s); the worker defers the stored event meanwhile, and claims it again at
once when more arrives, so every new message is read for a crisis without waiting. The handling that
finally answers reads the whole burst, answers with the freshest reply token, and deletes all its events
in the same unit of work.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from madoguchi.bot import compose, event_store, intents
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import crisis, erase, handoff, worry
from madoguchi.bot.handlers.common import consent_prompt, conversation, duty_text, record
from madoguchi.classifier import Prediction
from madoguchi.shared import clock


def _is_text(event: dict[str, Any]) -> bool:
    return event.get("type") == "message" and (event.get("message") or {}).get("type") == "text"


def handle(ctx: HandlerContext) -> None:
    if ctx.resident is None:
        return
    if ctx.classifier is None:
        # Never answer a text unread (it could be a crisis): fail, so the event is retried.
        raise RuntimeError("no classifier loaded")
    conv = conversation(ctx)
    burst: list[tuple[int | None, dict[str, Any]]] = [(ctx.event_id, ctx.event)]
    newest = ctx.received_at or clock.now()
    # Something else (a tap, a sticker) after the texts: the burst is over, answer it now.
    ended = False
    if conv.status == "bot" and ctx.event_id is not None:
        for later in event_store.following(ctx.session, event_id=ctx.event_id):
            if not _is_text(later.event) or later.event.get("mode") == "standby":
                ended = True
                break
            burst.append((later.id, later.event))
            newest = max(newest, later.received_at)
    texts = [str((ev.get("message") or {}).get("text", "")) for _, ev in burst]
    each = [ctx.classifier.classify(t) for t in texts]
    alarm = any(p.crisis and not intents.overrides_crisis_signal(p, t) for p, t in zip(each, texts, strict=True))
    window = timedelta(seconds=ctx.settings.coalesce_window_s)
    if conv.status == "bot" and not alarm and not ended and window and newest + window > clock.now():
        if not ctx.deferred_before:
            ctx.loading(10)
        ctx.defer_until = newest + window
        ctx.defer_seen = len(burst) - 1
        return
    ctx.consumed_event_ids = [eid for eid, _ in burst[1:] if eid is not None]
    ctx.use_reply_token_of(burst[-1][1])
    combined = "\n".join(texts)
    prediction = each[0] if len(each) == 1 else ctx.classifier.classify(combined)
    if alarm and not prediction.crisis:
        prediction = next(p for p in each if p.crisis)
    if not alarm and prediction.crisis and intents.overrides_crisis_signal(prediction, combined):
        prediction = replace(prediction, crisis=False, crisis_kinds=[])
    elif not alarm and prediction.crisis and len(each) > 1:
        alarm = True
    intent = None if prediction.crisis else intents.intent_of(prediction, combined)
    keep = bool(
        ctx.resident.consented_at or prediction.crisis or intent == intents.TALK or conv.status in ("waiting", "human")
    )
    for _, event in burst:
        record(ctx, conv, event, keep=keep)
    if prediction.crisis or conv.status in ("waiting", "human"):
        # The labels coordinators and the weekly figures see (in the bot state, worry.py keeps them).
        conv.labels = sorted(set(conv.labels or []) | set(prediction.labels))
    if prediction.crisis:
        crisis.respond(ctx, conv, prediction)
        return
    if intent == intents.ERASE:
        erase.ask(ctx)
        return
    if conv.status == "human":
        # With a person the bot is silent; a coordinator's reply may still use this fresh token.
        conv.reply_token = burst[-1][1].get("replyToken")
        conv.reply_token_at = ctx.event_time
        return
    if conv.status == "waiting":
        if intent == intents.CANCEL:
            handoff.cancel(ctx, conv)
        elif intent == intents.TALK:
            handoff.still_waiting(ctx, conv)
        else:
            handoff.acknowledge_once(ctx, conv)
        return
    _bot(ctx, conv, prediction, intent, combined)


def _bot(ctx: HandlerContext, conv: Any, prediction: Prediction, intent: str | None, text: str) -> None:
    if intent == intents.TALK:
        handoff.request(ctx, conv)
    elif intent == intents.CANCEL:
        ctx.answer([compose.text(say.im_ok())])
    elif intent == intents.GREETING:
        ctx.answer(compose.with_quick_reply([compose.text(say.intent_greeting()), *consent_prompt(ctx)],
                                            compose.topic_quick_replies()))
    elif intent == intents.THANKS:
        ctx.answer([compose.text(say.intent_thanks())])
    elif intent == intents.HOW_TO:
        ctx.answer([compose.text(say.how_to_use(duty_hours=duty_text(ctx)), quick=howto_quick())])
    else:
        if not ctx.deferred_before:
            ctx.loading(10)
        worry.respond(ctx, conv, prediction, text)


def howto_quick() -> list[dict[str, Any]]:
    return [
        compose.postback(say.TALK_TO_PERSON, "talk"),
        compose.postback(say.CHOOSE_AREA, "area"),
        compose.postback("データを消す", "erase"),
    ]
