"""A crisis, in any state: a few human words and the crisis lines that fit, at once; the conversation is
crisis for good and goes to the top of the queue, or stays with its coordinator, who is alerted."""

from __future__ import annotations

from datetime import timedelta

from madoguchi.bot import answers, compose, conversations, duty
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers.common import consented
from madoguchi.bot.models import Conversation
from madoguchi.classifier import Prediction
from madoguchi.shared import clock

REPEAT_WINDOW = timedelta(minutes=30)


def respond(ctx: HandlerContext, conv: Conversation, prediction: Prediction) -> None:
    assert ctx.resident is not None
    now = clock.now()
    kinds = list(prediction.crisis_kinds) or ["other_danger"]
    held = conv.status == "human" and bool(conv.held_by)
    conversations.mark_crisis(ctx.session, conv=conv, kinds=kinds, pseudonym=ctx.resident.pseudonym)
    lines = answers.crisis_lines(ctx.session, kinds=kinds, scores=prediction.scores, at=now)
    codes = [r.resource.code for r in lines]
    recently = conv.crisis_lines_at is not None and now - conv.crisis_lines_at < REPEAT_WINDOW
    if recently and set(codes) <= set(conv.crisis_lines or []):
        # The same lines went out less than 30 minutes ago: not again, but never silence towards the resident
        # unless a coordinator is already with them.
        if not held:
            ctx.answer([compose.text(say.crisis_repeat())])
        return
    conv.crisis_lines = sorted(set(conv.crisis_lines or []) | set(codes)) if recently else codes
    conv.crisis_lines_at = now
    plain = say.crisis_lines_plain(compose.plain_numbers(lines))
    words = say.crisis_words(answers.kb_kinds(kinds))
    if held:
        # With a person: one short bot message in their thread, the coordinator alerted (mark_crisis).
        ctx.answer([compose.text(f"{words}\n{say.crisis_with_person()}\n" + "\n".join(compose.plain_numbers(lines))
                                 + f"\n{say.crisis_emergency()}")])
        return
    first = [words]
    if prediction.language != "ja":
        first.append(say.crisis_in_simple_words())
    if not consented(ctx):
        first.append(say.crisis_kept_note())
    if duty.is_on_duty(now, settings=ctx.settings):
        first.append(say.crisis_on_duty())
    else:
        first.append(say.crisis_off_duty(duty.next_on_duty(now, settings=ctx.settings)))
    messages = [compose.text("\n".join(first))]
    if lines:
        messages.append(compose.carousel(lines, alt=compose.alt_text(say.CRISIS_LINES_ALT, lines)))
    messages.append(compose.text(plain))
    # The other issues of the message still get their places (after the crisis lines, never before).
    topics = [c for c in prediction.labels if c not in ("suicide_risk", "abuse_violence")]
    if topics:
        places = answers.places(ctx.session, labels=topics, scores=prediction.scores, area_id=ctx.resident.area_id,
                                text=None, shown=conv.shown or [], at=now, limit=3)
        if places:
            conv.labels = sorted(set(conv.labels or []) | set(topics))
            conv.shown = list(dict.fromkeys([*(conv.shown or []), *(r.resource.code for r in places)]))
            messages.append(compose.text(say.crisis_also_places(topics, compose.plain_numbers(places))))
    ctx.answer(messages)
