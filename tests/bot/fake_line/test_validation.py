"""The fake's validator catches what LINE rejects: the official spec through its discriminators, plus LINE's limits."""

from __future__ import annotations

import pytest

from madoguchi.bot.fake_line.validation import load_spec, request_problems, utf16_length, validate_messages

USER = "U" + "a" * 32


def text(t: str = "こんにちは", **extra):
    return {"type": "text", "text": t, **extra}


def quick_reply(n: int, label: str = "はい"):
    return {"items": [{"type": "action", "action": {"type": "message", "label": label, "text": label}}] * n}


def bubble(*contents, footer=None):
    b = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": list(contents)}}
    if footer:
        b["footer"] = {"type": "box", "layout": "vertical", "contents": footer}
    return b


def flex(contents, alt="お知らせ"):
    return {"type": "flex", "altText": alt, "contents": contents}


def props(problems):
    return [p.property for p in problems]


def reply_problems(body, headers=None):
    op = load_spec().operations[("POST", "/v2/bot/message/reply")]
    return request_problems(op, body)


def test_valid_messages_pass():
    button = {"type": "button", "action": {"type": "uri", "label": "電話する", "uri": "tel:0120000000"}}
    postback = {
        "type": "button",
        "action": {"type": "postback", "label": "相談したい", "data": "a=1", "displayText": "相談"},
    }
    messages = [
        text("こんにちは🍎"),
        text("どれですか", quickReply=quick_reply(13)),
        flex(bubble({"type": "text", "text": "窓口", "wrap": True}, {"type": "separator"}, footer=[button, postback])),
        flex({"type": "carousel", "contents": [bubble({"type": "text", "text": str(i)}) for i in range(12)]}),
    ]
    assert validate_messages(messages) == []


def test_unknown_message_type_is_named_precisely():
    problems = validate_messages([text(), {"type": "txt", "text": "x"}])
    assert props(problems) == ["messages[1].type"]
    assert "txt" in problems[0].message


def test_missing_text():
    problems = validate_messages([{"type": "text"}])
    assert [(p.property, p.message) for p in problems] == [("messages[0].text", "Must be specified")]


def test_empty_text():
    assert props(validate_messages([text("")])) == ["messages[0].text"]


def test_too_many_messages():
    assert props(validate_messages([text()] * 6)) == ["messages"]
    assert validate_messages([text()] * 5) == []


def test_text_length_counts_utf16_units_emoji_as_two():
    assert utf16_length("🍎") == 2
    assert validate_messages([text("🍎" * 2500)]) == []
    problems = validate_messages([text("🍎" * 2500 + "あ")])
    assert props(problems) == ["messages[0].text"]
    # 5,000 characters of Japanese (one unit each) are fine.
    assert validate_messages([text("あ" * 5000)]) == []


def test_fourteen_quick_reply_items():
    assert props(validate_messages([text(quickReply=quick_reply(14))])) == ["messages[0].quickReply.items"]


def test_action_label_over_twenty():
    problems = validate_messages([text(quickReply=quick_reply(1, label="あ" * 21))])
    assert props(problems) == ["messages[0].quickReply.items[0].action.label"]
    assert validate_messages([text(quickReply=quick_reply(1, label="あ" * 20))]) == []


def test_postback_data_over_300():
    action = {"type": "postback", "label": "はい", "data": "x" * 301}
    problems = validate_messages([text(quickReply={"items": [{"type": "action", "action": action}]})])
    assert props(problems) == ["messages[0].quickReply.items[0].action.data"]


def test_unknown_action_type():
    action = {"type": "call", "label": "電話"}
    problems = validate_messages([text(quickReply={"items": [{"type": "action", "action": action}]})])
    assert props(problems) == ["messages[0].quickReply.items[0].action.type"]


def test_bad_flex_component_type():
    problems = validate_messages([flex(bubble({"type": "text", "text": "a"}, {"type": "paragraph", "text": "b"}))])
    assert props(problems) == ["messages[0].contents.body.contents[1].type"]


def test_flex_box_missing_layout():
    b = {"type": "bubble", "body": {"type": "box", "contents": []}}
    assert props(validate_messages([flex(b)])) == ["messages[0].contents.body.layout"]


def test_flex_alt_text_limit():
    assert props(validate_messages([flex(bubble({"type": "text", "text": "a"}), alt="あ" * 1501)])) == [
        "messages[0].altText"
    ]


def test_oversize_bubble():
    big = bubble(*[{"type": "text", "text": "あ" * 100, "wrap": True} for _ in range(120)])
    assert props(validate_messages([flex(big)])) == ["messages[0].contents"]


def test_carousel_of_thirteen_bubbles():
    carousel = {"type": "carousel", "contents": [bubble({"type": "text", "text": "a"})] * 13}
    assert props(validate_messages([flex(carousel)])) == ["messages[0].contents.contents"]


def test_oversize_carousel():
    # Each bubble is under 30 KB, twelve of them are over 50 KB.
    b = bubble(*[{"type": "text", "text": "あ" * 100, "wrap": True} for _ in range(20)])
    carousel = {"type": "carousel", "contents": [b] * 12}
    assert props(validate_messages([flex(carousel)])) == ["messages[0].contents"]


def test_reply_needs_a_token_and_push_a_valid_recipient():
    assert props(reply_problems({"messages": [text()]})) == ["replyToken"]
    op = load_spec().operations[("POST", "/v2/bot/message/push")]
    assert props(request_problems(op, {"to": "someone", "messages": [text()]})) == ["to"]
    assert request_problems(op, {"to": USER, "messages": [text()]}) == []


@pytest.mark.parametrize("seconds, ok", [(5, True), (60, True), (7, False), (65, False)])
def test_loading_seconds(seconds, ok):
    op = load_spec().operations[("POST", "/v2/bot/chat/loading/start")]
    assert (request_problems(op, {"chatId": USER, "loadingSeconds": seconds}) == []) is ok


def test_vendored_spec_is_unchanged_from_its_source():
    import hashlib
    import re
    from importlib import resources

    spec_dir = resources.files("madoguchi.bot.fake_line.spec")
    listed = re.findall(r"^([0-9a-f]{64})\s+(\S+)$", spec_dir.joinpath("SOURCE.txt").read_text(), re.MULTILINE)
    assert {name for _, name in listed} >= {"messaging-api.yml", "webhook.yml", "LICENSE"}
    for digest, name in listed:
        assert hashlib.sha256(spec_dir.joinpath(name).read_bytes()).hexdigest() == digest, name
