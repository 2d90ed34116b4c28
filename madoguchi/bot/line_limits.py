"""LINE's message limits, enforced before anything is queued (they are not in the OpenAPI spec).

See LINE-NOTES.md: 5 messages per request; text 5,000 UTF-16 code units;
quick reply 13 items with labels of 20 characters; postback data 300; Flex
altText 1,500 characters, bubble 30 KB, carousel 12 bubbles and 50 KB.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_MESSAGES_PER_REQUEST = 5
MAX_TEXT_UTF16 = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_ACTION_LABEL = 20
MAX_POSTBACK_DATA = 300
MAX_ALT_TEXT = 1500
MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BUBBLES = 12
MAX_CAROUSEL_BYTES = 50_000

_SENTENCE_END = re.compile(r"(?<=[。．！？!?\n])")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT_UTF16) -> list[str]:
    """Split long text at sentence ends (or, failing that, at the limit) into pieces LINE accepts."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        while utf16_len(sentence) > limit:
            head, sentence = _cut(sentence, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if utf16_len(current) + utf16_len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current += sentence
    if current:
        pieces.append(current)
    return pieces


def _cut(text: str, limit: int) -> tuple[str, str]:
    """The longest head within `limit` UTF-16 units, never splitting a surrogate pair."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i], text[i:]
    return text, ""


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _clip_label(action: dict[str, Any]) -> None:
    label = action.get("label")
    if isinstance(label, str) and len(label) > MAX_ACTION_LABEL:
        action["label"] = label[: MAX_ACTION_LABEL - 1] + "…"
    data = action.get("data")
    if isinstance(data, str) and len(data.encode("utf-8")) > MAX_POSTBACK_DATA:
        raise ValueError("postback data over 300 bytes")


def _walk_actions(node: Any) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("action"), dict):
            _clip_label(node["action"])
        for value in node.values():
            _walk_actions(value)
    elif isinstance(node, list):
        for value in node:
            _walk_actions(value)


def _fit_flex(message: dict[str, Any]) -> list[dict[str, Any]]:
    message["altText"] = message.get("altText", "")[:MAX_ALT_TEXT]
    contents = message.get("contents") or {}
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents", [])
        contents["contents"] = [b for b in bubbles if _size(b) <= MAX_BUBBLE_BYTES][:MAX_CAROUSEL_BUBBLES]
        while contents["contents"] and _size(contents) > MAX_CAROUSEL_BYTES:
            contents["contents"].pop()
        if not contents["contents"]:
            return [{"type": "text", "text": message["altText"] or "…"}]
    elif _size(contents) > MAX_BUBBLE_BYTES:
        # Too big to send as Flex: the plain-text summary still reaches the resident.
        return [{"type": "text", "text": message["altText"] or "…"}]
    return [message]


def prepare(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages made to fit LINE's limits: long text split, quick replies and labels trimmed, Flex sized."""
    out: list[dict[str, Any]] = []
    for original in messages:
        message = json.loads(json.dumps(original))  # never mutate the caller's dicts
        quick = message.pop("quickReply", None)
        if message.get("type") == "text":
            parts = [{**message, "text": t} for t in split_text(message.get("text", ""))]
        elif message.get("type") == "flex":
            parts = _fit_flex(message)
        else:
            parts = [message]
        for part in parts:
            _walk_actions(part)
        if quick and quick.get("items"):
            items = quick["items"][:MAX_QUICK_REPLY_ITEMS]
            for item in items:
                _clip_label(item.get("action", {}))
            # A quick reply shows only under the last message of a request: keep it on the last piece.
            parts[-1]["quickReply"] = {"items": items}
        out.extend(parts)
    return out


def batches(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Groups of at most five messages: one request each."""
    return [messages[i : i + MAX_MESSAGES_PER_REQUEST] for i in range(0, len(messages), MAX_MESSAGES_PER_REQUEST)]
