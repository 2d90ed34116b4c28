"""End to end through the real webhook, worker, outbox and sender against the fake LINE API.

Every request the bot makes is validated by the fake against LINE's official spec (the fixture fails
the test otherwise).
"""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from madoguchi.bot import outbox, residents
from madoguchi.bot.models import Message, OutboxMessage, Resident, WebhookEvent
from madoguchi.bot.simulator import events as line_events
from madoguchi.bot.simulator.events import new_user_id
from madoguchi.shared import clock
from madoguchi.shared.models import Alert
from tests.bot.bot_server import BotServer
from tests.bot.conversation_helpers import wait_until


def outbox_rows(bot: BotServer) -> list[OutboxMessage]:
    with bot.factory() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_follow_is_greeted_by_reply_and_text_is_acknowledged(bot: BotServer) -> None:
    uid = new_user_id()
    bot.follow(uid)
    greeting, _consent = bot.fake.state.wait_for_messages(uid, 2)
    assert "匿名" in greeting["text"] and "110" in greeting["text"]
    bot.say(uid, "こんにちは")
    bot.fake.state.wait_for_messages(uid, 3)
    replies = bot.fake.state.requests_to("/v2/bot/message/reply")
    assert len(replies) == 2 and not bot.fake.state.requests_to("/v2/bot/message/push")
    with bot.factory() as s:
        [resident] = s.scalars(select(Resident)).all()
        assert resident.pseudonym.startswith("相談者 ")
        assert s.scalar(select(WebhookEvent)) is None  # handled events are deleted


def test_events_of_one_resident_are_answered_in_the_order_sent(bot: BotServer) -> None:
    uid = new_user_id()
    base = line_events.now_ms()
    evs = [
        line_events.text_event(uid, f"{i}", reply_token=bot.fake.state.issue_reply_token(uid), timestamp_ms=base + i)
        for i in range(4)
    ]
    consent(bot, uid)
    bot.send(*reversed(evs))  # LINE may deliver them out of order

    def kept() -> list[str | None]:
        with bot.factory() as s:
            return [m.body for m in s.scalars(select(Message).where(Message.sender == "resident").order_by(Message.id))]

    wait_until(lambda: len(kept()) == 4)
    assert kept() == ["0", "1", "2", "3"]


def test_a_redelivered_event_is_answered_once(bot: BotServer) -> None:
    uid = new_user_id()
    event = bot.say(uid, "一回だけ")
    bot.fake.state.wait_for_messages(uid, 1)
    bot.send(line_events.redelivered(event))
    bot.send(event)
    time.sleep(0.5)
    assert len(bot.fake.state.requests_to("/v2/bot/message/reply")) == 1
    assert not bot.fake.state.requests_to("/v2/bot/message/push")


def test_a_stale_reply_token_falls_back_to_push_with_a_retry_key(bot: BotServer) -> None:
    uid = new_user_id()
    # A token the fake never issued: LINE answers 400 Invalid reply token.
    bot.send(line_events.text_event(uid, "トークン切れ", reply_token="f" * 32))
    bot.fake.state.wait_for_messages(uid, 1)
    [push] = bot.fake.state.requests_to("/v2/bot/message/push")
    assert push.retry_key and push.status == 200
    wait_until(lambda: outbox_rows(bot)[0].status == "sent")
    [row] = outbox_rows(bot)
    assert row.status == "sent" and row.via == "push" and row.retry_key == push.retry_key


def test_server_errors_are_retried_with_the_same_retry_key_and_arrive_once(bot: BotServer) -> None:
    uid = new_user_id()
    bot.fake.state.fail_next(4, path="/v2/bot/message/push")
    bot.send(line_events.sticker_event(uid, reply_token=None))
    bot.fake.state.wait_for_messages(uid, 1, timeout=10)
    pushes = bot.fake.state.requests_to("/v2/bot/message/push")
    assert [p.status for p in pushes] == [500, 500, 500, 500, 200]
    assert len({p.retry_key for p in pushes}) == 1
    assert len(bot.fake.state.sent_to(uid)) == 1


def test_a_dropped_connection_after_acceptance_is_resent_and_409_counts_as_sent(bot: BotServer) -> None:
    uid = new_user_id()
    bot.fake.state.drop_next(1, path="/v2/bot/message/push", after_accept=True)
    bot.send(line_events.sticker_event(uid, reply_token=None))
    wait_until(lambda: any(r.status == "sent" for r in outbox_rows(bot)))
    pushes = bot.fake.state.requests_to("/v2/bot/message/push")
    assert pushes[-1].status == 409  # LINE already had it: not delivered twice
    assert len(bot.fake.state.sent_to(uid)) == 1


def test_429_with_retry_after_is_honoured(bot: BotServer) -> None:
    uid = new_user_id()
    bot.fake.state.rate_limit_next(1, retry_after=1, path="/v2/bot/message/push")
    bot.send(line_events.text_event(uid, "混雑", reply_token=None))
    bot.fake.state.wait_for_messages(uid, 1, timeout=10)
    first, second = bot.fake.state.requests_to("/v2/bot/message/push")
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.9


def test_quota_exhaustion_pauses_pushes_raises_an_alert_and_resumes(bot: BotServer) -> None:
    uid, other = new_user_id(), new_user_id()
    bot.fake.state.exhaust_quota()
    bot.send(line_events.text_event(uid, "上限", reply_token=None))
    wait_until(lambda: bool(bot.fake.state.requests_to("/v2/bot/message/push")))
    wait_until(lambda: _quota_alert_count(bot) == 1)
    # Replies still go while pushes wait.
    bot.say(other, "返信は届く")
    bot.fake.state.wait_for_messages(other, 1)
    assert bot.fake.state.sent_to(uid) == []
    bot.fake.state.restore_quota()
    bot.fake.state.wait_for_messages(uid, 1, timeout=10)
    wait_until(lambda: _quota_alert(bot).cleared_at is not None)


def _quota_alert_count(bot: BotServer) -> int:
    with bot.factory() as s:
        return len(s.scalars(select(Alert).where(Alert.kind == outbox.QUOTA_ALERT)).all())


def _quota_alert(bot: BotServer) -> Alert:
    with bot.factory() as s:
        return s.scalars(select(Alert).where(Alert.kind == outbox.QUOTA_ALERT)).one()


def test_other_client_errors_fail_the_row_with_lines_reason(bot: BotServer) -> None:
    uid = new_user_id()
    resident_event = bot.say(uid, "最初")
    bot.fake.state.wait_for_messages(uid, 1)
    with bot.factory() as s, s.begin():
        resident = s.scalars(select(Resident)).one()
        # A message LINE refuses (empty text) fails the row with LINE's reason.
        outbox.enqueue(s, resident=resident, messages=[{"type": "text", "text": ""}])
    wait_until(lambda: any(r.status == "failed" for r in outbox_rows(bot)))
    failed = next(r for r in outbox_rows(bot) if r.status == "failed")
    assert failed.last_error.startswith("HTTP 400")
    # The fake recorded the refused request as invalid, as it should: forget it so the fixture passes.
    assert len(bot.fake.state.take_invalid_requests()) == 1
    assert resident_event


def test_nothing_is_sent_to_a_resident_who_blocked_the_account(bot: BotServer) -> None:
    uid = new_user_id()
    bot.send(line_events.sticker_event(uid, reply_token=bot.fake.state.issue_reply_token(uid)))
    bot.fake.state.wait_for_messages(uid, 1)
    bot.send(line_events.unfollow_event(uid))
    wait_until(lambda: _resident(bot).blocked)
    with bot.factory() as s, s.begin():
        outbox.enqueue(s, resident=_resident(bot, s), messages=[{"type": "text", "text": "届かないはず"}])
    wait_until(lambda: any(r.status == "skipped" for r in outbox_rows(bot)))
    assert len(bot.fake.state.sent_to(uid)) == 1
    # Following again lifts the block.
    bot.follow(uid)
    bot.fake.state.wait_for_messages(uid, 3)


def consent(bot: BotServer, uid: str) -> None:
    """The resident agreed to the privacy notice (their text is kept from now on)."""
    with bot.factory() as s, s.begin():
        resident, _ = residents.get_or_create(s, line_user_id=uid)
        resident.consented_at = clock.now()


def _resident(bot: BotServer, session=None) -> Resident:  # type: ignore[no-untyped-def]
    if session is not None:
        return session.scalars(select(Resident)).one()
    with bot.factory() as s:
        return s.scalars(select(Resident)).one()


def test_unsend_deletes_the_text(bot: BotServer) -> None:
    uid = new_user_id()
    consent(bot, uid)
    event = bot.say(uid, "やっぱり消したい話")
    bot.fake.state.wait_for_messages(uid, 1)
    assert _resident_message(bot).body == "やっぱり消したい話"
    bot.send(line_events.unsend_event(uid, event["message"]["id"]))
    wait_until(lambda: _resident_message(bot).unsent_at is not None)
    assert _resident_message(bot).body is None


def _resident_message(bot: BotServer) -> Message:
    with bot.factory() as s:
        return s.scalars(select(Message).where(Message.sender == "resident")).one_or_none() or Message()


def test_the_bot_leaves_a_group_politely(bot: BotServer) -> None:
    group = "C" + "a" * 32
    bot.send(line_events.join_event(group, reply_token=bot.fake.state.issue_reply_token(group)))
    wait_until(lambda: bool(bot.fake.state.requests_to(f"/v2/bot/group/{group}/leave")))
    [reply] = bot.fake.state.requests_to("/v2/bot/message/reply")
    assert "1対1" in reply.body["messages"][0]["text"]


def test_standby_events_are_stored_and_not_answered(bot: BotServer) -> None:
    uid = new_user_id()
    consent(bot, uid)
    bot.send(line_events.text_event(uid, "待機中", reply_token=None, mode="standby"))
    wait_until(lambda: _resident_message(bot).body == "待機中")
    time.sleep(0.3)
    assert bot.fake.state.sent_to(uid) == []


def test_no_line_id_or_resident_text_in_any_table_or_log_line(bot: BotServer, engine, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from madoguchi.all_models import metadata

    caplog.set_level(logging.DEBUG)
    uid = new_user_id()
    bot.follow(uid)
    bot.say(uid, "借金のことで相談したい")
    bot.fake.state.fail_next(1, path="/v2/bot/message/reply")  # an error path logs too
    bot.say(uid, "夫が怖くて家に帰れない")
    bot.fake.state.wait_for_messages(uid, 3, timeout=10)
    dumps = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table.name}").fetchall()
            dumps.append(json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False))
    raw = "\n".join(dumps)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (uid, uid[1:], "借金", "夫が怖く"):
        assert secret not in raw, f"{secret!r} in clear in the database"
        assert secret not in logs, f"{secret!r} in a log line"
