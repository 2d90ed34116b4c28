"""LINE's limits applied before sending: split text, trimmed quick replies and labels, sized Flex."""

from __future__ import annotations

import json

from madoguchi.bot import line_limits


def test_utf16_length_counts_emoji_as_two() -> None:
    assert line_limits.utf16_len("あ🍎") == 3


def test_long_text_is_split_at_sentence_ends_within_the_limit() -> None:
    sentence = "これは長い相談のお返事です。"
    text = sentence * 800  # 11,200 units
    parts = line_limits.split_text(text)
    assert len(parts) == 3
    assert all(line_limits.utf16_len(p) <= 5000 for p in parts)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_text_without_sentence_ends_never_splits_an_emoji() -> None:
    text = "🍎" * 3000  # 6,000 units
    parts = line_limits.split_text(text)
    assert "".join(parts) == text
    assert all(line_limits.utf16_len(p) <= 5000 for p in parts)


def test_prepare_trims_quick_replies_and_labels_and_keeps_them_on_the_last_piece() -> None:
    items = [
        {"type": "action", "action": {"type": "message", "label": f"選択肢{i}" * 5, "text": "x"}} for i in range(20)
    ]
    out = line_limits.prepare([{"type": "text", "text": "あ。" * 3000, "quickReply": {"items": items}}])
    assert len(out) == 2
    assert "quickReply" not in out[0]
    quick = out[-1]["quickReply"]["items"]
    assert len(quick) == 13
    assert all(len(i["action"]["label"]) <= 20 for i in quick)


def test_oversize_carousel_is_cut_to_fit() -> None:
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                         "contents": [{"type": "text", "text": "窓口" * 1500}]}}
    msg = {"type": "flex", "altText": "窓口のご案内", "contents": {"type": "carousel", "contents": [bubble] * 15}}
    [out] = line_limits.prepare([msg])
    contents = out["contents"]["contents"]
    assert len(contents) <= 12
    assert len(json.dumps(out["contents"], ensure_ascii=False).encode()) <= 50_000


def test_batches_hold_at_most_five() -> None:
    msgs = [{"type": "text", "text": str(i)} for i in range(11)]
    assert [len(b) for b in line_limits.batches(msgs)] == [5, 5, 1]
