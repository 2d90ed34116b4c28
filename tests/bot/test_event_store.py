"""Stored events: per-resident timestamp order, one claim at a time per resident, retry and parking."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from madoguchi.bot import event_store
from madoguchi.shared import clock
from tests import factories


def test_events_of_one_resident_are_claimed_in_timestamp_order_one_at_a_time(session: Session) -> None:
    uid = factories.user_id()
    late = factories.text_event(uid, "二通目", ts=2_000)
    early = factories.text_event(uid, "一通目", ts=1_000)
    # Arrived out of order: the later one first.
    event_store.store(session, events=[late])
    event_store.store(session, events=[early])

    first = event_store.claim(session)
    assert [c.event["message"]["text"] for c in first] == ["一通目"]
    # While the first is being handled, the second waits.
    assert event_store.claim(session) == []
    event_store.finish(session, event_id=first[0].id)
    second = event_store.claim(session)
    assert [c.event["message"]["text"] for c in second] == ["二通目"]


def test_different_residents_are_claimed_together(session: Session) -> None:
    events = [factories.text_event(factories.user_id(), f"{i}", ts=1_000 + i) for i in range(5)]
    assert event_store.store(session, events=events) == 5
    assert len(event_store.claim(session, limit=10)) == 5


def test_duplicate_ids_are_stored_once(session: Session) -> None:
    ev = factories.text_event(factories.user_id(), "同じ")
    assert event_store.store(session, events=[ev, ev]) == 1
    assert event_store.store(session, events=[ev]) == 0


def test_a_crashing_event_is_retried_then_parked_and_can_be_rerun(session: Session) -> None:
    uid = factories.user_id()
    event_store.store(session, events=[factories.text_event(uid, "x", ts=1)])
    start = clock.now()
    try:
        for attempt in range(1, 4):
            clock.set_source(lambda a=attempt: start + timedelta(minutes=5 * a))
            [claimed] = event_store.claim(session)
            assert claimed.attempts == attempt
            parked = event_store.fail(session, event_id=claimed.id, error="ValueError at x.py:1", max_attempts=3)
            assert parked == (attempt == 3)
        clock.set_source(lambda: start + timedelta(hours=1))
        assert event_store.claim(session) == []
        [failed] = event_store.list_failed(session)
        assert failed.last_error == "ValueError at x.py:1"
        assert event_store.rerun(session, event_id=failed.id) == 1
        session.expire_all()
        assert len(event_store.claim(session)) == 1
    finally:
        clock.set_source(None)


def test_a_parked_event_does_not_hold_back_the_residents_later_events(session: Session) -> None:
    uid = factories.user_id()
    event_store.store(session, events=[factories.text_event(uid, "a", ts=1), factories.text_event(uid, "b", ts=2)])
    [first] = event_store.claim(session)
    event_store.fail(session, event_id=first.id, error="boom", max_attempts=1)
    [second] = event_store.claim(session)
    assert second.event["message"]["text"] == "b"


def test_an_expired_lease_gives_the_event_back(session: Session) -> None:
    event_store.store(session, events=[factories.text_event(factories.user_id(), "x")])
    [claimed] = event_store.claim(session)
    assert event_store.claim(session) == []
    later = clock.now() + event_store.LEASE + timedelta(seconds=1)
    clock.set_source(lambda: later)
    try:
        [again] = event_store.claim(session)
        assert again.id == claimed.id and again.attempts == 2
    finally:
        clock.set_source(None)


def test_a_deferred_event_waits_its_time_unless_the_resident_sends_more(session: Session) -> None:
    uid = factories.user_id()
    event_store.store(session, events=[factories.text_event(uid, "あの…", ts=1_000)])
    [first] = event_store.claim(session)
    event_store.defer(session, event_id=first.id, until=clock.now() + timedelta(seconds=30), seen=0)
    # Not due yet, and a deferral is not a failed attempt.
    assert event_store.claim(session) == []
    # More from the same resident: the deferred event is claimable at once (to read the new text for a crisis).
    clock.set_source(lambda: first.received_at + timedelta(seconds=1))
    try:
        event_store.store(session, events=[factories.text_event(uid, "死にたい", ts=2_000)])
        [again] = event_store.claim(session)
    finally:
        clock.set_source(None)
    assert again.id == first.id and again.deferred and again.attempts == 1
    [later] = event_store.following(session, event_id=again.id)
    assert later.event["message"]["text"] == "死にたい"


def test_an_event_stored_while_the_handler_ran_wakes_the_deferred_one(session: Session) -> None:
    # The handler read no later event; one arrived before it deferred (so before the deferral's time).
    uid = factories.user_id()
    event_store.store(session, events=[factories.text_event(uid, "すみません", ts=1_000)])
    [first] = event_store.claim(session)
    assert event_store.following(session, event_id=first.id) == []
    event_store.store(session, events=[factories.text_event(uid, "もう死にたい", ts=2_000)])
    clock.set_source(lambda: first.received_at + timedelta(seconds=5))
    try:
        event_store.defer(session, event_id=first.id, until=clock.now() + timedelta(seconds=30), seen=0)
        [again] = event_store.claim(session)
    finally:
        clock.set_source(None)
    assert again.id == first.id and again.deferred
    # Read with what it had not seen, then deferred again: nothing newer, so it waits its time.
    [later] = event_store.following(session, event_id=again.id)
    event_store.defer(session, event_id=again.id, until=clock.now() + timedelta(seconds=30), seen=1)
    assert event_store.claim(session) == []
    assert later.event["message"]["text"] == "もう死にたい"


def test_a_deferred_event_is_claimed_when_its_time_comes(session: Session) -> None:
    uid = factories.user_id()
    event_store.store(session, events=[factories.text_event(uid, "あの…", ts=1_000)])
    [first] = event_store.claim(session)
    event_store.defer(session, event_id=first.id, until=clock.now() + timedelta(seconds=3), seen=0)
    clock.set_source(lambda: first.received_at + timedelta(seconds=10))
    try:
        [again] = event_store.claim(session)
    finally:
        clock.set_source(None)
    assert again.id == first.id
