"""Webhook bodies are built as LINE builds them: valid against webhook.yml, parsed by the real SDK, signed right."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import (
    FollowEvent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)

from madoguchi.bot.fake_line.validation import load_spec
from madoguchi.bot.simulator import events

SECRET = "0123456789abcdef0123456789abcdef"
USER = events.new_user_id()


def all_kinds() -> list[dict]:
    return [
        events.text_event(USER, "介護のことで相談したいです🍎", reply_token="r1"),
        events.sticker_event(USER, reply_token="r2"),
        events.postback_event(USER, "consult=1", params={"date": "2026-12-01"}, reply_token="r3"),
        events.follow_event(USER, reply_token="r4", unblocked=True),
        events.unfollow_event(USER),
        events.unsend_event(USER, "123456789012345678"),
        events.join_event("C" + "0" * 32, reply_token="r5"),
        events.text_event(USER, "待機中", mode="standby", reply_token="ignored"),
    ]


def test_events_validate_against_the_official_webhook_schema():
    spec = load_spec("webhook.yml")
    body = json.loads(events.webhook_body(all_kinds(), destination=events.new_user_id()))
    assert spec.schema_problems("CallbackRequest", body) == []
    # The validator is not vacuous: a broken event is caught.
    broken = {**body, "events": [{**body["events"][0], "message": {"type": "text", "id": "1"}}]}
    assert sorted(p.property for p in spec.schema_problems("CallbackRequest", broken)) == [
        "events[0].message.quoteToken",
        "events[0].message.text",
    ]


def test_the_real_sdk_parses_them_with_the_signature():
    body, headers = events.signed_request(all_kinds(), SECRET)
    parsed = WebhookParser(SECRET).parse(body.decode("utf-8"), headers["X-Line-Signature"])
    kinds = [type(e) for e in parsed]
    assert kinds == [
        MessageEvent,
        MessageEvent,
        PostbackEvent,
        FollowEvent,
        UnfollowEvent,
        UnsendEvent,
        JoinEvent,
        MessageEvent,
    ]
    assert isinstance(parsed[0].message, TextMessageContent)
    assert parsed[0].message.text == "介護のことで相談したいです🍎"
    assert isinstance(parsed[1].message, StickerMessageContent)
    assert parsed[0].reply_token == "r1"
    assert parsed[7].mode == "standby" and parsed[7].reply_token is None
    with pytest.raises(InvalidSignatureError):
        WebhookParser("another-secret-another-secret-12").parse(body.decode("utf-8"), headers["X-Line-Signature"])


def test_signature_is_hmac_sha256_base64_of_the_raw_body():
    body = events.webhook_body([events.text_event(USER, "あ")])
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert events.sign(body, SECRET) == expected


def test_ids_and_times_look_like_lines():
    before = int(time.time() * 1000)
    event = events.text_event(USER, "x")
    assert re.fullmatch(r"U[0-9a-f]{32}", event["source"]["userId"])
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", event["webhookEventId"])
    assert before <= event["timestamp"] <= int(time.time() * 1000)
    assert event["message"]["id"].isdigit()
    assert event["deliveryContext"] == {"isRedelivery": False}
    # ULIDs sort by time.
    assert events.ulid(1_000) < events.ulid(2_000)
    assert len({events.ulid() for _ in range(100)}) == 100


def test_redelivery_is_the_same_event_flagged():
    event = events.text_event(USER, "x", reply_token="tok")
    again = events.redelivered(event)
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert {k: v for k, v in again.items() if k != "deliveryContext"} == {
        k: v for k, v in event.items() if k != "deliveryContext"
    }
    assert event["deliveryContext"] == {"isRedelivery": False}
