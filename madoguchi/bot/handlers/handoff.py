"""Asking for a person, waiting for one, cancelling: the queue as the resident experiences it."""

from __future__ import annotations

from madoguchi.bot import answers, compose, conversations, duty
from madoguchi.bot import messages as say
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers.common import consented
from madoguchi.bot.models import Conversation
from madoguchi.shared import clock


def request(ctx: HandlerContext, conv: Conversation) -> None:
    if conv.status == "human":
        return  # already with a person: the bot stays silent
    if conv.status == "waiting":
        still_waiting(ctx, conv)
        return
    conversations.request_person(ctx.session, conv=conv)
    now = clock.now()
    note = "" if consented(ctx) else "\n" + say.kept_for_coordinator_note()
    cancel = [compose.postback(say.CANCEL_WAITING, "cancel")]
    if duty.is_on_duty(now, settings=ctx.settings):
        position = conversations.queue_position(ctx.session, conv=conv)
        minutes = conversations.wait_estimate_minutes(ctx.session, position=position)
        ctx.answer([compose.text(say.queued_on_duty(position=position, wait_minutes=minutes) + note, quick=cancel)])
        return
    lines = answers.always_open_lines(ctx.session, at=now)
    body = say.queued_off_duty(duty.next_on_duty(now, settings=ctx.settings)) + "\n" + "\n".join(
        compose.plain_numbers(lines)
    )
    ctx.answer([compose.text(body + note, quick=cancel)])


def still_waiting(ctx: HandlerContext, conv: Conversation) -> None:
    position = conversations.queue_position(ctx.session, conv=conv)
    cancel = [compose.postback(say.CANCEL_WAITING, "cancel")]
    ctx.answer([compose.text(say.still_waiting(position=position), quick=cancel)])


def acknowledge_once(ctx: HandlerContext, conv: Conversation) -> None:
    """While waiting: the first later message is acknowledged, the rest are kept quietly."""
    if conv.waiting_ack_at is not None:
        return
    conv.waiting_ack_at = clock.now()
    ctx.answer([compose.text(say.waiting_ack())])


def cancel(ctx: HandlerContext, conv: Conversation) -> None:
    if conv.status == "human":
        return
    if conv.status != "waiting":
        ctx.answer([compose.text(say.not_waiting())])
        return
    if conversations.cancel_waiting(ctx.session, conv=conv):
        ctx.answer([compose.text(say.waiting_cancelled())])
    else:
        ctx.answer([compose.text(say.crisis_cancel_kept())])
