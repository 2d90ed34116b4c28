"""A worry: a short acknowledgement fitting it, the best places as a carousel, the numbers in plain text,
and quick replies. Several issues are each covered; follow-ups refine; unsure -> one gentle question."""

from __future__ import annotations

from typing import Any

from madoguchi.bot import answers, compose
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers.common import consent_prompt, consented
from madoguchi.bot.models import Conversation
from madoguchi.classifier import Prediction
from madoguchi.knowledge.search import SearchResult
from madoguchi.shared import clock
from madoguchi.shared.categories import CRISIS_CATEGORIES


def respond(ctx: HandlerContext, conv: Conversation, prediction: Prediction, text: str) -> None:
    if prediction.language == "other":
        foreign(ctx, conv)
        return
    labels = [c for c in prediction.labels if c not in CRISIS_CATEGORIES]
    follow_up = conv.answered_at is not None and bool(conv.labels)
    if not labels or (prediction.uncertain and not follow_up):
        if follow_up:
            _answer(ctx, [compose.text(say.follow_up_same())], quick=compose.worry_quick_replies())
        else:
            ask_topic(ctx, conv, english=prediction.language == "en")
        return
    scores = {c: float(prediction.scores.get(c, 0.0)) for c in labels}
    new_topics = [c for c in labels if c not in (conv.labels or [])]
    merged = dict(conv.scores or {})
    for c, s in scores.items():
        merged[c] = max(float(merged.get(c, 0.0)), s)
    order = new_topics + [c for c in labels if c not in new_topics]
    results = answers.places(
        ctx.session, labels=order, scores=merged, area_id=_area(ctx), text=text, shown=conv.shown or [],
        at=clock.now(),
    )
    conv.labels = sorted(set(conv.labels or []) | set(labels))
    conv.scores = merged
    if follow_up and (not new_topics or not results):
        if results:
            _places(ctx, conv, results, intro=say.places_intro(follow_up=True))
        else:
            _answer(ctx, [compose.text(say.follow_up_same())], quick=compose.worry_quick_replies())
        return
    if prediction.language == "en":
        intro = say.english_ack(labels)
    elif follow_up:
        intro = say.follow_up_ack(new_topics)
    else:
        intro = say.worry_ack(labels) + "\n" + say.places_intro(follow_up=False)
    _places(ctx, conv, results, intro=intro)


def topic(ctx: HandlerContext, conv: Conversation, category: str) -> None:
    """A topic chosen from the gentle question."""
    scores = {category: 1.0}
    conv.labels = sorted(set(conv.labels or []) | {category})
    conv.scores = {**(conv.scores or {}), **scores}
    results = answers.places(ctx.session, labels=[category], scores=scores, area_id=_area(ctx), text=None,
                             shown=conv.shown or [], at=clock.now())
    _places(ctx, conv, results, intro=say.topic_prompt(category) + say.places_intro(follow_up=False))


def more(ctx: HandlerContext, conv: Conversation) -> None:
    """ほかの窓口: the next places for the same worry, never the ones already shown."""
    labels = list(conv.labels or [])
    if not labels:
        ask_topic(ctx, conv, english=False)
        return
    results = answers.places(ctx.session, labels=labels, scores=conv.scores or {}, area_id=_area(ctx), text=None,
                             shown=conv.shown or [], at=clock.now())
    if not results:
        _answer(ctx, [compose.text(say.no_more_places())], quick=compose.worry_quick_replies())
        return
    _places(ctx, conv, results, intro=say.places_more_intro())


def refresh_for_area(ctx: HandlerContext, conv: Conversation, lead: str) -> None:
    """After the area changed: the places of the same worry again, now for that area."""
    labels = list(conv.labels or [])
    if not labels:
        _answer(ctx, [compose.text(lead + "\n" + say.intent_greeting())], quick=compose.topic_quick_replies())
        return
    results = answers.places(ctx.session, labels=labels, scores=conv.scores or {}, area_id=_area(ctx), text=None,
                             shown=[], at=clock.now())
    conv.shown = []
    _places(ctx, conv, results, intro=lead + "\n" + say.places_intro(follow_up=False))


def ask_topic(ctx: HandlerContext, conv: Conversation, *, english: bool) -> None:
    conv.asked_topic_at = clock.now()
    body = say.gentle_question() + ("\n" + say.gentle_question_en() if english else "")
    _answer(ctx, [compose.text(body)], quick=compose.topic_quick_replies())


def foreign(ctx: HandlerContext, conv: Conversation) -> None:
    """A language the classifier cannot read: no guess; lines with foreign-language help, and a person."""
    lines = answers.foreign_language_lines(ctx.session, at=clock.now())
    body = say.other_language() + "\n" + "\n".join(compose.plain_numbers(lines))
    messages = [compose.text(body)]
    if lines:
        messages.append(compose.carousel(lines, alt=compose.alt_text(say.other_language(), lines)))
    _answer(ctx, messages, quick=[compose.postback(say.TALK_TO_PERSON, "talk")])


def _places(ctx: HandlerContext, conv: Conversation, results: list[SearchResult], *, intro: str) -> None:
    if not results:
        _answer(ctx, [compose.text(intro + "\n" + say.no_more_places())], quick=compose.worry_quick_replies())
        return
    conv.shown = list(dict.fromkeys([*(conv.shown or []), *(r.resource.code for r in results)]))
    conv.answered_at = clock.now()
    plain = say.places_plain(compose.plain_numbers(results))
    if not consented(ctx):
        plain += "\n" + say.not_kept_note()
    messages = [
        compose.text(intro),
        compose.carousel(results, alt=compose.alt_text(intro, results)),
        compose.text(plain),
    ]
    _answer(ctx, messages, quick=compose.worry_quick_replies())


def _answer(ctx: HandlerContext, messages: list[dict[str, Any]], *, quick: list[dict[str, Any]]) -> None:
    messages = messages + consent_prompt(ctx)
    ctx.answer(compose.with_quick_reply(messages, quick))


def _area(ctx: HandlerContext) -> int | None:
    return ctx.resident.area_id if ctx.resident is not None else None
