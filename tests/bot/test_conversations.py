"""Conversations end to end: what a resident receives, in order, through the real webhook, worker and outbox,
against the fake LINE API (which checks every request against LINE's spec). Demo knowledge base, real
classifier. Fixed clock where duty hours matter (Monday 10:00 on duty, Sunday 02:00 off duty, Tokyo).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import conversations
from madoguchi.bot.models import Conversation, ConversationTransition, Message, OutboxMessage
from madoguchi.bot.models import Resident as ResidentRow
from madoguchi.bot.simulator import events as line_events
from madoguchi.knowledge.demo import load_demo
from madoguchi.knowledge.models import Resource
from madoguchi.shared.errors import Conflict
from madoguchi.shared.models import Alert
from tests.bot.bot_server import BotServer, running_bot
from tests.bot.conversation_helpers import (
    Resident,
    buttons,
    clock_at,
    now_ms,
    quick_labels,
    text_of,
    wait_until,
)
from tests.bot.fake_line_server import FakeLine

ON_DUTY = datetime(2026, 11, 30, 10, 0)  # Monday
OFF_DUTY = datetime(2026, 11, 29, 2, 0)  # Sunday night


def _load_demo(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        load_demo(s)


@pytest.fixture
def town(bot: BotServer) -> BotServer:
    _load_demo(bot.factory)
    return bot


@pytest.fixture
def town_with_window(
    db_url: str, committing_db: sessionmaker[Session], fake_line: FakeLine, tmp_path: Any, classifier: Any
) -> Callable[[float], AbstractContextManager[BotServer]]:
    """The town with a given coalescing window (seconds)."""

    @contextmanager
    def make(window: float) -> Iterator[BotServer]:
        with running_bot(
            db_url, committing_db, fake_line, tmp_path, classifier, MADOGUCHI_COALESCE_WINDOW_S=window
        ) as b:
            _load_demo(committing_db)
            yield b

    return make


@pytest.fixture
def town_3s(town_with_window) -> Iterator[BotServer]:  # type: ignore[no-untyped-def]
    """The default coalescing window (3 s)."""
    with town_with_window(3.0) as b:
        yield b


@pytest.fixture
def town_30s(town_with_window) -> Iterator[BotServer]:  # type: ignore[no-untyped-def]
    """A long coalescing window: an answer within 15 s proves the window was skipped, however loaded the machine."""
    with town_with_window(30.0) as b:
        yield b


def consented(bot: BotServer) -> Resident:
    r = Resident(bot)
    r.follow()
    r.next(2)
    r.tap("consent")
    r.next(1)
    return r


def staff(bot: BotServer, fn: Any, **kwargs: Any) -> Any:
    with bot.factory() as s, s.begin():
        return fn(s, **kwargs)


def categories_of(bot: BotServer, names: list[str]) -> set[str]:
    with bot.factory() as s:
        rows = s.scalars(select(Resource).where(Resource.name.in_(names))).all()
        return {c for r in rows for c in r.categories}


def sticker(r: Resident) -> dict[str, Any]:
    token = r.bot.fake.state.issue_reply_token(r.uid)
    return line_events.sticker_event(r.uid, reply_token=token, timestamp_ms=now_ms())


def bubble_names(message: dict[str, Any]) -> list[str]:
    return [b["body"]["contents"][0]["text"] for b in message["contents"]["contents"]]


# --- first contact and consent ---------------------------------------------------------------

def test_greeting_says_what_this_is_and_asks_for_consent(town: BotServer) -> None:
    r = Resident(town)
    r.follow()
    greeting, consent = r.next(2)
    text = greeting["text"]
    for must in ("匿名", "110", "119", "緊急の窓口ではありません", "相談員と話したい", "月〜金 8:30〜17:15"):
        assert must in text
    assert "365日" in text_of(consent)
    assert any(a.get("label") == "同意して始める" for a in buttons(consent))
    assert "お金・生活" in quick_labels(consent)
    r.tap("consent")
    [thanks] = r.next(1)
    assert "ありがとうございます" in thanks["text"]
    assert r.row().consented_at is not None
    r.say("家賃が払えません")
    r.next(3)
    assert [m.body for m in r.messages()] == ["家賃が払えません"]


def test_without_consent_the_bot_answers_but_keeps_no_text(town: BotServer) -> None:
    r = Resident(town)  # a friend from before madoguchi existed: no follow event
    r.say("家賃が払えません")
    ack, places, numbers, consent = r.next(4)
    assert "お金や生活" in ack["text"] and places["type"] == "flex"
    assert "保存しません" in numbers["text"]
    assert any(a.get("label") == "同意して始める" for a in buttons(consent))
    assert quick_labels(consent) == ["相談員と話したい", "ほかの窓口", "地域をえらぶ", "大丈夫です"]
    r.say("子どもが学校に行かなくなりました")
    follow_up = r.next(3)
    assert all("同意して始める" not in json.dumps(m, ensure_ascii=False) for m in follow_up)  # prompted once
    r.nothing_more()
    assert [m.body for m in r.messages()] == [None, None]


# --- worries ----------------------------------------------------------------------------------

def test_a_worry_gets_an_acknowledgement_places_and_numbers(town: BotServer) -> None:
    r = consented(town)
    r.say("家賃が払えません")
    ack, places, numbers = r.next(3)
    assert "お金や生活" in ack["text"]
    assert places["type"] == "flex" and places["contents"]["type"] == "carousel"
    names = bubble_names(places)
    assert categories_of(town, names) & {"poverty", "housing"}
    for action in buttons(places):
        if action["type"] == "uri" and action["uri"].startswith("tel:"):
            assert "#" not in action["uri"]
    assert "電話番号" in numbers["text"] and "000-0000" in numbers["text"]
    assert quick_labels(numbers) == ["相談員と話したい", "ほかの窓口", "地域をえらぶ", "大丈夫です"]
    hours = text_of(places)
    assert "いま受付中" in hours or "次は" in hours or "確認してください" in hours
    # Answered by reply (free), and the loading animation was shown first.
    assert town.fake.state.requests_to("/v2/bot/message/reply")
    assert not town.fake.state.requests_to("/v2/bot/message/push")
    wait_until(lambda: bool(town.fake.state.requests_to("/v2/bot/chat/loading/start")))
    r.tap("more")
    [intro, more, _] = r.next(3)
    assert "ほかにも" in intro["text"]
    assert not set(bubble_names(more)) & set(names)


def test_several_issues_are_each_answered(town: BotServer) -> None:
    r = consented(town)
    r.say("八十代の母の介護をしています。五十代の息子は十年ひきこもっていて、年金だけでは生活費が足りません")
    ack, places, _ = r.next(3)
    for word in ("介護", "ひきこもり", "お金"):
        assert word in ack["text"]
    covered = categories_of(town, bubble_names(places))
    assert {"elderly_care", "hikikomori", "poverty"} <= covered
    assert set(r.conversation().labels) >= {"elderly_care", "hikikomori", "poverty"}


def test_split_messages_are_read_together_and_answered_once_with_the_freshest_token(town: BotServer) -> None:
    r = consented(town)
    r.say("あの…")
    r.say("家賃のことで")
    last = r.say("払えなくて困っています")
    ack, _, _ = r.next(3)
    assert "お金や生活" in ack["text"]
    r.nothing_more()
    reply = town.fake.state.requests_to("/v2/bot/message/reply")[-1]
    assert reply.body["replyToken"] == last["replyToken"]
    assert [m.body for m in r.messages()] == ["あの…", "家賃のことで", "払えなくて困っています"]


def test_the_default_window_waits_three_seconds_after_the_last_fragment(town_3s: BotServer) -> None:
    r = consented(town_3s)
    r.say("すみません")
    time.sleep(1.0)
    r.say("家賃のことで")
    time.sleep(1.0)
    r.say("払えなくて困っています")
    sent_at = time.monotonic()
    ack, _, _ = r.next(3, timeout=20)
    waited = time.monotonic() - sent_at
    # Not before the window has passed (a loaded machine can only make it later).
    assert waited >= 2.5, waited
    assert "お金や生活" in ack["text"]
    r.nothing_more()


def test_a_crisis_skips_the_window(town_30s: BotServer) -> None:
    r = consented(town_30s)
    r.say("すみません")
    r.say("もう死にたい")
    first, _, _ = r.next(3, timeout=15)  # long before the 30 s window would end
    assert "心配" in first["text"]


def test_unsure_gets_one_gentle_question_then_the_chosen_topic(town: BotServer) -> None:
    r = consented(town)
    r.say("最近いろいろあって")
    [question] = r.next(1)
    assert "教えてください" in question["text"]
    assert "お金・生活" in quick_labels(question) and len(quick_labels(question)) <= 13
    r.tap("topic", c="elderly_care")
    ack, places, _ = r.next(3)
    assert "介護" in ack["text"]
    assert "elderly_care" in categories_of(town, bubble_names(places))


def test_a_vague_opener_is_invited_to_say_more_never_dismissed(town: BotServer) -> None:
    # A hesitant first word must not read as "cancel", whose answer closes the conversation.
    r = consented(town)
    r.say("なんとなく")
    [answer] = r.next(1)
    assert "また困ったことがあれば" not in answer["text"]
    assert "送ってください" in answer["text"] and "お金・生活" in quick_labels(answer)


def test_a_follow_up_refines_instead_of_repeating(town: BotServer) -> None:
    r = consented(town)
    r.say("家賃が払えません")
    _, first, _ = r.next(3)
    time.sleep(0.5)
    r.say("仕事も見つからなくて")
    ack, more, _ = r.next(3)
    assert "仕事" in ack["text"] and "足しました" in ack["text"]
    assert not set(bubble_names(more)) & set(bubble_names(first))
    assert "employment" in categories_of(town, bubble_names(more))


def test_english_is_answered_in_simple_japanese_and_english(town: BotServer) -> None:
    r = consented(town)
    r.say("I cannot pay my rent")
    ack, places, _ = r.next(3)
    assert "ありがとうございます" in ack["text"] and "Thank you" in ack["text"]
    assert places["type"] == "flex"


def test_an_unreadable_language_gets_no_guess_but_lines_and_a_person(town: BotServer) -> None:
    r = consented(town)
    r.say("Tôi không có tiền")
    first = r.next(1)[0]
    assert "0120-279-338" in first["text"]  # よりそいホットライン: foreign-language guidance
    received = r.next(1)[0]
    assert quick_labels(received) == ["相談員と話したい"]
    assert r.conversation().labels == []


def test_a_wish_to_die_in_a_language_not_read_gets_the_crisis_lines_at_once(town: BotServer) -> None:
    """Vietnamese is not read, but its words for wanting to die are: crisis lines first, a person alerted."""
    r = consented(town)
    r.say("tôi muốn chết")
    first, lines, plain = r.next(3)
    assert "We got your message" in first["text"] and "110" in first["text"]
    assert lines["type"] == "flex"
    assert "0120-279-338" in plain["text"]  # よりそいホットライン, which also guides in foreign languages
    assert r.conversation().crisis


def test_a_beating_in_indonesian_gets_the_dv_lines_and_nothing_else(town: BotServer) -> None:
    """Latin letters without an English word were read as English: the English heads labelled it "school" and
    the answer added the school lines to the crisis lines. Read as the language it is, its words decide."""
    r = consented(town)
    r.say("suami saya memukul saya")
    first, lines, plain = r.next(3)
    assert "We got your message" in first["text"]
    assert "DV相談＋" in lines["altText"].split("/")[0]
    assert "0120-279-889" in plain["text"]
    r.nothing_more()  # no "あわせて、学校のことの相談先です"
    conv = r.conversation()
    assert conv.crisis and conv.labels == ["abuse_violence"]


def test_death_said_in_emoji_alone_gets_the_crisis_lines(town: BotServer) -> None:
    r = consented(town)
    r.say("🪦💊")
    first, lines, plain = r.next(3)
    assert "心配" in first["text"] and lines["type"] == "flex" and "0120-279-338" in plain["text"]
    r.nothing_more()  # no general lines after the crisis lines
    conv = r.conversation()
    assert conv.crisis and conv.labels == ["suicide_risk"]


# --- crisis ----------------------------------------------------------------------------------

def test_crisis_on_duty_first_answer_is_words_and_lines_and_a_person_soon(town: BotServer) -> None:
    with clock_at(ON_DUTY):
        r = consented(town)
        r.say("もう死にたい")
        first, lines, plain = r.next(3)
    assert "心配" in first["text"] and "相談員がお返事します" in first["text"]
    assert "We got your message" not in first["text"]  # the English line is for messages not in Japanese
    assert lines["type"] == "flex"
    tel = [a["uri"] for a in buttons(lines) if a["type"] == "uri" and a["uri"].startswith("tel:")]
    assert "tel:0120279338" in tel  # よりそいホットライン, 24 hours
    assert "110" in plain["text"] and "119" in plain["text"] and "0120-279-338" in plain["text"]
    conv = r.conversation()
    assert conv.crisis and conv.status == "waiting" and "suicide_risk" in conv.labels
    with town.factory() as s:
        assert s.scalars(select(Alert).where(Alert.subject == f"conversation:{conv.id}")).one().kind == "crisis"
        assert conversations.list_queue(s)[0].id == conv.id


def test_a_broken_character_in_a_crisis_message_still_gets_the_lines_first(town: BotServer) -> None:
    """A lone surrogate (half an emoji from a broken client) can only arrive escaped in the JSON; the message is
    still read, stored and answered, crisis lines first."""
    import httpx

    from tests.bot.bot_server import CHANNEL_SECRET

    with clock_at(ON_DUTY):
        r = consented(town)
        event = line_events.text_event(
            r.uid, "もう死にたい\ud83d", reply_token=town.fake.state.issue_reply_token(r.uid), timestamp_ms=now_ms()
        )
        body = json.dumps({"destination": line_events.new_user_id(), "events": [event]}).encode("ascii")
        response = httpx.post(
            f"{town.url}/callback", content=body, timeout=10,
            headers={"x-line-signature": line_events.sign(body, CHANNEL_SECRET), "content-type": "application/json"},
        )
        assert response.status_code == 200, response.text
        first, lines, _ = r.next(3)
    assert "心配" in first["text"] and lines["type"] == "flex"
    assert r.conversation().crisis


def test_a_crisis_typed_in_romaji_gets_the_lines_first(town: BotServer) -> None:
    """A resident without a kana keyboard: the crisis is read through the romaji's kana reading, and the
    answer is the same as for one typed in kana."""
    with clock_at(ON_DUTY):
        r = consented(town)
        r.say("kodomo wo tataite shimaisou. mou genkai")
        first, lines, plain = r.next(3)
    assert "相談員がお返事します" in first["text"]
    assert lines["type"] == "flex" and "110" in plain["text"]
    conv = r.conversation()
    assert conv.crisis and conv.status == "waiting"
    with town.factory() as s:
        assert conversations.list_queue(s)[0].id == conv.id


def test_child_abuse_gets_words_for_the_child_whoever_writes(town: BotServer) -> None:
    """The child, and a parent afraid of hitting: neither is told "you are not to blame", both that it is
    never the child's fault, and both get the lines first."""
    for text in ("お父さんにたたかれる。家に帰りたくない", "子どもに手をあげてしまいそうで自分がこわい"):
        with clock_at(ON_DUTY):
            r = consented(town)
            r.say(text)
            first, lines, plain = r.next(3)
        assert "子どものせいではありません" in first["text"], text
        assert "あなたは悪くありません" not in first["text"], text
        assert lines["type"] == "flex" and "110" in plain["text"]


def test_crisis_off_duty_says_so_honestly_with_lines_open_now(town: BotServer) -> None:
    with clock_at(OFF_DUTY):
        r = consented(town)
        r.say("もう死にたい")
        first, lines, plain = r.next(3)
    assert "時間外" in first["text"] and "11月30日（月）8:30" in first["text"]
    assert "時間外" not in text_of(lines)  # only lines that can be called now
    assert "24時間" in first["text"] and "110" in plain["text"]


def test_a_crisis_hidden_in_a_long_message_comes_first(town: BotServer) -> None:
    r = consented(town)
    r.say("最近仕事のことで悩んでいます。職場の人間関係がつらくて、眠れない日が続いています。"
          "毎日同じことの繰り返しで、もう消えてしまいたいと思うこともあります。どうしたらいいかわかりません")
    first, lines, plain, also = r.next(4)
    assert "心配" in first["text"] and lines["type"] == "flex" and "110" in plain["text"]
    # The rest of the worry still gets its places, after the crisis lines.
    assert also["text"].startswith("あわせて、") and "こころの不調" in also["text"].split("の相談先です")[0]
    assert r.conversation().crisis


def test_crisis_while_a_coordinator_holds_it_stays_with_them(town: BotServer) -> None:
    r = consented(town)
    r.say("人と話したい")
    r.next(1)
    conv = r.conversation()
    staff(town, conversations.take_over, conversation_id=conv.id, staff_id="c-1")
    r.say("夫に殴られる")
    [only] = r.next(1)
    assert only["type"] == "text" and "相談員にも伝えました" in only["text"] and "110" in only["text"]
    r.nothing_more()
    conv = r.conversation()
    assert conv.status == "human" and conv.held_by == "c-1" and conv.crisis
    with town.factory() as s:
        alert = s.scalars(select(Alert).where(Alert.subject == f"conversation:{conv.id}")).one()
    assert "担当" in alert.message
    with town.factory() as s:
        thread = conversations.thread(s, conversation_id=conv.id)
    assert [m.sender for m in thread][-2:] == ["resident", "bot"]


def test_a_second_crisis_within_30_minutes_does_not_repeat_the_lines(town: BotServer) -> None:
    r = consented(town)
    r.say("もう死にたい")
    r.next(3)
    r.say("もう死にたい")
    [again] = r.next(1)
    assert "さきほど" in again["text"] and "110" in again["text"]
    r.nothing_more()
    assert r.conversation().crisis


# --- a person ---------------------------------------------------------------------------------

def test_asking_for_a_person_on_duty_and_cancelling(town: BotServer) -> None:
    with clock_at(ON_DUTY):
        r = consented(town)
        r.say("人と話したい")
        [queued] = r.next(1)
        assert "あなたがいちばん前" in queued["text"] and quick_labels(queued) == ["待つのをやめる"]
        assert r.conversation().status == "waiting"
        r.tap("cancel")
        [cancelled] = r.next(1)
    assert "やめました" in cancelled["text"]
    conv = r.conversation()
    assert conv.status == "bot"
    with town.factory() as s:
        steps = [(t.from_status, t.to_status, t.reason) for t in conversations.transitions(s, conversation_id=conv.id)]
    assert steps == [(None, "bot", "opened"), ("bot", "waiting", "asked_for_person"), ("waiting", "bot", "cancelled")]


def test_asking_for_a_person_off_duty_says_when_people_are_back(town: BotServer) -> None:
    with clock_at(OFF_DUTY):
        r = consented(town)
        r.tap("talk")  # the rich menu's 人と話したい
        [queued] = r.next(1)
    assert "時間外" in queued["text"] and "11月30日（月）8:30" in queued["text"]
    assert "0120-279-338" in queued["text"]  # a 24-hour line


def test_while_waiting_messages_are_kept_and_acknowledged_once(town: BotServer) -> None:
    r = Resident(town)  # no consent: asking for a person keeps the text, and says so
    r.say("相談員さんお願いします")
    [queued] = r.next(1)
    assert "相談員が読めるように保存します" in queued["text"]
    r.say("家賃が払えません")
    r.say("よろしくお願いします")
    [ack] = r.next(1)
    assert "相談員が読みます" in ack["text"]
    r.nothing_more()
    assert [m.body for m in r.messages()] == ["相談員さんお願いします", "家賃が払えません", "よろしくお願いします"]


def test_with_a_person_the_bot_is_silent_and_the_coordinator_replies_by_reply_token(town: BotServer) -> None:
    r = consented(town)
    r.say("人と話したい")
    r.next(1)
    conv = r.conversation()
    staff(town, conversations.take_over, conversation_id=conv.id, staff_id="c-1")
    last = r.say("家賃が払えません")
    r.nothing_more(0.6)
    hello = "相談員の山田です。お話を聞かせてください。"
    staff(town, conversations.reply, conversation_id=conv.id, staff_id="c-1", text=hello)
    [reply] = r.next(1)
    assert reply["text"] == "相談員の山田です。お話を聞かせてください。"
    assert town.fake.state.requests_to("/v2/bot/message/reply")[-1].body["replyToken"] == last["replyToken"]
    with pytest.raises(Conflict):
        staff(town, conversations.reply, conversation_id=conv.id, staff_id="c-2", text="横から")
    with pytest.raises(Conflict):
        staff(town, conversations.take_over, conversation_id=conv.id, staff_id="c-2")
    # Later, the token is stale: the reply goes by push.
    staff(town, conversations.reply, conversation_id=conv.id, staff_id="c-1", text="また連絡しますね。")
    r.next(1)
    assert town.fake.state.requests_to("/v2/bot/message/push")


def test_hand_back_and_close_tell_the_resident_kindly(town: BotServer) -> None:
    r = consented(town)
    r.say("人と話したい")
    r.next(1)
    conv = r.conversation()
    staff(town, conversations.take_over, conversation_id=conv.id, staff_id="c-1")
    staff(town, conversations.hand_back, conversation_id=conv.id, staff_id="c-1")
    [back] = r.next(1)
    assert "いったん終わります" in back["text"]
    assert r.conversation().status == "bot"
    r.say("家賃が払えません")
    r.next(3)  # the bot answers again
    staff(town, conversations.close, conversation_id=conv.id, staff_id="c-1", outcome="informed")
    [closed] = r.next(1)
    assert "終わりにします" in closed["text"]
    r.say("母が認知症で、介護がたいへんです")
    r.next(3)
    convs = r.conversations()
    assert [c.status for c in convs] == ["closed", "bot"] and convs[0].outcome == "informed"


def test_the_queue_lists_crisis_first_then_the_longest_waiting(town: BotServer) -> None:
    first, second, third = Resident(town), Resident(town), Resident(town)
    for r in (first, second):
        r.say("人と話したい")
        r.next(1)
    third.say("もう死にたい")
    third.next(3)
    with town.factory() as s:
        queue = [c.id for c in conversations.list_queue(s)]
    assert queue == [third.conversation().id, first.conversation().id, second.conversation().id]


# --- other events ------------------------------------------------------------------------------

def test_stickers_and_images_get_a_kind_word(town: BotServer) -> None:
    r = consented(town)
    r.send(sticker(r))
    [thanks] = r.next(1)
    assert "スタンプをありがとう" in thanks["text"]
    image = sticker(r)
    image["message"] = {"type": "image", "id": "4" * 18, "quoteToken": "q" * 20,
                        "contentProvider": {"type": "line"}}
    r.send(image)
    [answer] = r.next(1)
    assert "画像" in answer["text"] and "文字のメッセージ" in answer["text"]


def test_a_sticker_with_a_person_is_only_recorded(town: BotServer) -> None:
    r = consented(town)
    r.say("人と話したい")
    r.next(1)
    staff(town, conversations.take_over, conversation_id=r.conversation().id, staff_id="c-1")
    r.send(sticker(r))
    r.nothing_more()
    assert [m.kind for m in r.messages()][-1] == "sticker"


def test_choosing_an_area_shapes_the_answer(town: BotServer) -> None:
    r = consented(town)
    r.say("母が認知症で、介護がたいへんです")
    r.next(3)
    r.tap("area")
    [choose] = r.next(1)
    assert quick_labels(choose)[:4] == ["北部地区", "中央地区", "南部地区", "西部地区"]
    area_id = int(choose["quickReply"]["items"][0]["action"]["data"].split("id=")[1])
    r.tap("area_set", id=area_id)
    ack, places, _ = r.next(3)
    assert "北部地区" in ack["text"]
    with town.factory() as s:
        rows = s.scalars(select(Resource).where(Resource.name.in_(bubble_names(places)))).all()
        assert all(not r_.area_ids or area_id in r_.area_ids for r_ in rows)
        assert any(area_id in r_.area_ids for r_ in rows)
    assert r.row().area_id == area_id


# --- erasure ------------------------------------------------------------------------------------

def test_erasure_after_confirmation_leaves_only_anonymous_counts(town: BotServer, engine: Any) -> None:
    r = consented(town)
    r.say("家賃が払えません")
    r.next(3)
    conv_id = r.conversation().id
    r.say("データを消して")
    [confirm] = r.next(1)
    assert confirm["type"] == "template" and [a["label"] for a in buttons(confirm)] == ["はい、消します", "やめておく"]
    r.tap("erase_yes")
    [done] = r.next(1)
    assert "消しました" in done["text"]
    wait_until(lambda: r.row() is None)
    with town.factory() as s:
        conv = s.get(Conversation, conv_id)
        assert conv is not None and conv.resident_id is None and conv.labels and conv.status == "closed"
        assert s.scalars(select(Message)).all() == []

    def farewell_forgotten() -> bool:
        with town.factory() as s:
            return all(o.target_enc is None for o in s.scalars(select(OutboxMessage)).all())

    wait_until(farewell_forgotten)
    _assert_not_in_database(engine, [r.uid, "家賃が払えません"])


def test_erasure_of_a_crisis_or_held_record_is_honest_about_what_is_kept(town: BotServer) -> None:
    r = consented(town)
    r.say("もう死にたい")
    r.next(3)
    crisis_conv = r.conversation()
    staff(town, conversations.put_on_hold, conversation_id=crisis_conv.id, staff_id="sv-1", reason="記録保全")
    r.tap("erase")
    r.next(1)
    r.tap("erase_yes")
    [held] = r.next(1)
    assert "保管" in held["text"] and "記録保全" in held["text"] and "365日" in held["text"]
    row = r.row()
    assert row is not None and row.erasure_requested_at is not None
    assert [m.body for m in r.messages()] == ["もう死にたい"]


def test_unfollow_then_follow_again(town: BotServer) -> None:
    r = consented(town)
    r.say("家賃が払えません")
    r.next(3)
    r.unfollow()
    wait_until(lambda: r.row().blocked)
    assert r.conversation().status == "closed"
    r.follow(unblocked=True)
    [welcome] = r.next(1)
    assert "また来てくださって" in welcome["text"]
    r.say("仕事が見つかりません")
    r.next(3)
    assert [c.status for c in r.conversations()] == ["closed", "bot"]


def test_the_database_holds_no_line_id_and_no_resident_text_in_clear(town: BotServer, engine: Any) -> None:
    r = consented(town)
    r.say("家賃が払えません")
    r.next(3)
    r.say("人と話したい")
    r.next(1)
    _assert_not_in_database(engine, [r.uid, "家賃が払えません", "人と話したい"])
    assert [m.body for m in r.messages()] == ["家賃が払えません", "人と話したい"]  # readable with the key


def _assert_not_in_database(engine: Any, needles: list[str]) -> None:
    from madoguchi.all_models import metadata

    with engine.connect() as conn:
        dump = json.dumps(
            # Raw rows, not through the ORM types (which would decrypt).
            [[str(v) for v in row] for t in metadata.sorted_tables
             for row in conn.exec_driver_sql(f'SELECT * FROM "{t.name}"').fetchall()],
            ensure_ascii=False,
        )
    for needle in needles:
        assert needle not in dump


def test_a_conversation_is_linked_to_every_message_both_ways(town: BotServer) -> None:
    r = consented(town)
    r.say("家賃が払えません")
    r.next(3)
    conv = r.conversation()
    with town.factory() as s:
        thread = conversations.thread(s, conversation_id=conv.id)
        transitions = s.scalars(select(ConversationTransition)).all()
        resident = s.scalars(select(ResidentRow)).one()
    assert [m.sender for m in thread][-4:] == ["resident", "bot", "bot", "bot"]
    assert all(m.conversation_id == conv.id for m in thread)
    assert transitions and resident.pseudonym.startswith("相談者 ")


def test_a_crisis_before_consent_is_kept_for_the_coordinator_and_the_resident_is_told(town: BotServer) -> None:
    r = Resident(town)
    r.say("夫に毎日殴られています")
    first, lines, plain = r.next(3)
    assert "あなたは悪くありません" in first["text"] and "保存します" in first["text"]
    assert "DV相談＋（プラス）" in text_of(lines)
    assert "0120-279-889" in plain["text"]  # DV相談＋, 24 hours
    assert [m.body for m in r.messages()] == ["夫に毎日殴られています"]
    r.nothing_more()


def test_a_woman_beaten_by_her_husband_reads_the_dv_line_before_the_child_abuse_line(town: BotServer) -> None:
    """Beaten in front of the children: the answer carries 189 too, and the DV line leads. (Session 26's model
    also read "帰れない" alone as a child's words; since the corpus's seventieth round it names only DV there.)"""
    r = Resident(town)
    r.say("夫に毎晩なぐられてる。子どもの前でも。こわくて家に帰れない")
    _, lines, plain = r.next(3)
    numbers = plain["text"]
    assert "0120-279-889" in numbers and "189" in numbers
    assert numbers.index("0120-279-889") < numbers.index("189")
    assert text_of(lines).index("DV相談＋") < text_of(lines).index("児童相談所")


def test_a_tap_after_the_fragments_ends_the_window_at_once(town_30s: BotServer) -> None:
    r = consented(town_30s)
    r.say("家賃が払えません")
    r.send(sticker(r))
    ack, _, _ = r.next(3, timeout=15)  # long before the 30 s window would end
    [thanks] = r.next(1)
    assert "お金や生活" in ack["text"] and "スタンプ" in thanks["text"]
