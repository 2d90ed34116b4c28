"""Conversation services without LINE: transitions, the queue order, honest wait estimates, holders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from madoguchi.bot import conversations, residents
from madoguchi.bot.models import Conversation
from madoguchi.shared import clock
from madoguchi.shared.errors import AppError, Conflict
from tests import factories

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
def at() -> Iterator[list[datetime]]:
    now = [T0]
    clock.set_source(lambda: now[0])
    yield now
    clock.set_source(None)


def waiting(session: Session, at: list[datetime], *, crisis: bool = False) -> Conversation:
    resident, _ = residents.get_or_create(session, line_user_id=factories.user_id())
    conv = conversations.open_for(session, resident=resident)
    if crisis:
        conversations.mark_crisis(session, conv=conv, kinds=["suicide"], pseudonym=resident.pseudonym)
    else:
        conversations.request_person(session, conv=conv)
    at[0] += timedelta(minutes=1)
    return conv


def test_the_queue_is_crisis_first_then_longest_waiting(session: Session, at: list[datetime]) -> None:
    a = waiting(session, at)
    b = waiting(session, at)
    c = waiting(session, at, crisis=True)
    assert [x.id for x in conversations.list_queue(session)] == [c.id, a.id, b.id]
    assert conversations.queue_position(session, conv=b) == 3


def test_a_wait_estimate_needs_enough_recent_take_overs(session: Session, at: list[datetime]) -> None:
    assert conversations.wait_estimate_minutes(session, position=1) is None
    for _ in range(3):
        conv = waiting(session, at)
        at[0] += timedelta(minutes=9)  # each waited 10 minutes in all
        conversations.take_over(session, conversation_id=conv.id, staff_id="c-1")
    assert conversations.wait_estimate_minutes(session, position=2) == 20


def test_holders_and_outcomes(session: Session, at: list[datetime]) -> None:
    conv = waiting(session, at)
    conversations.take_over(session, conversation_id=conv.id, staff_id="c-1")
    with pytest.raises(Conflict):
        conversations.take_over(session, conversation_id=conv.id, staff_id="c-2")
    with pytest.raises(Conflict):
        conversations.hand_back(session, conversation_id=conv.id, staff_id="c-2")
    with pytest.raises(AppError) as bad:
        conversations.close(session, conversation_id=conv.id, staff_id="c-1", outcome="gone")
    assert bad.value.status_code == 422
    conversations.close(session, conversation_id=conv.id, staff_id="c-1", outcome="referred")
    steps = [(t.to_status, t.actor) for t in conversations.transitions(session, conversation_id=conv.id)]
    assert steps == [("bot", "resident"), ("waiting", "resident"), ("human", "staff:c-1"), ("closed", "staff:c-1")]
    assert conv.outcome == "referred" and conv.closed_at == at[0] and conv.held_by is None
