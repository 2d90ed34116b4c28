"""Build and sign LINE webhook bodies exactly as LINE sends them.

Used by the simulator page and by tests that drive the real `/callback`. Each builder returns one event
(a dict shaped like webhook.yml's Event); `webhook_body()` wraps events for delivery, `sign()` gives the
`X-Line-Signature` header, `redelivered()` gives the copy LINE sends on redelivery.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any

from madoguchi.bot.fake_line.state import new_message_id, new_quote_token, new_user_id

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

__all__ = [
    "follow_event",
    "join_event",
    "new_user_id",
    "now_ms",
    "postback_event",
    "redelivered",
    "sign",
    "signed_request",
    "sticker_event",
    "text_event",
    "ulid",
    "unfollow_event",
    "unsend_event",
    "webhook_body",
]


def now_ms() -> int:
    return int(time.time() * 1000)


def ulid(timestamp_ms: int | None = None) -> str:
    """A ULID (what LINE uses for webhookEventId): 48-bit time in ms + 80 random bits, Crockford base32."""
    value = ((now_ms() if timestamp_ms is None else timestamp_ms) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _event(
    kind: str,
    user_id: str,
    *,
    reply_token: str | None,
    timestamp_ms: int | None,
    mode: str = "active",
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ts = now_ms() if timestamp_ms is None else timestamp_ms
    event: dict[str, Any] = {
        "type": kind,
        "webhookEventId": ulid(ts),
        "deliveryContext": {"isRedelivery": False},
        "timestamp": ts,
        "source": source or {"type": "user", "userId": user_id},
        "mode": mode,
    }
    # Standby-mode events carry no reply token (LINE-NOTES.md).
    if reply_token is not None and mode == "active":
        event["replyToken"] = reply_token
    return event


def text_event(
    user_id: str,
    text: str,
    *,
    reply_token: str | None = None,
    timestamp_ms: int | None = None,
    message_id: str | None = None,
    mode: str = "active",
) -> dict[str, Any]:
    event = _event("message", user_id, reply_token=reply_token, timestamp_ms=timestamp_ms, mode=mode)
    event["message"] = {
        "type": "text",
        "id": message_id or new_message_id(),
        "quoteToken": new_quote_token(),
        "markAsReadToken": secrets.token_urlsafe(24),
        "text": text,
    }
    return event


def sticker_event(
    user_id: str,
    *,
    package_id: str = "446",
    sticker_id: str = "1988",
    reply_token: str | None = None,
    timestamp_ms: int | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    event = _event("message", user_id, reply_token=reply_token, timestamp_ms=timestamp_ms)
    event["message"] = {
        "type": "sticker",
        "id": message_id or new_message_id(),
        "quoteToken": new_quote_token(),
        "markAsReadToken": secrets.token_urlsafe(24),
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "keywords": ["ありがとう"],
    }
    return event


def postback_event(
    user_id: str,
    data: str,
    *,
    params: dict[str, str] | None = None,
    reply_token: str | None = None,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    event = _event("postback", user_id, reply_token=reply_token, timestamp_ms=timestamp_ms)
    event["postback"] = {"data": data, **({"params": params} if params else {})}
    return event


def follow_event(
    user_id: str, *, reply_token: str | None = None, unblocked: bool = False, timestamp_ms: int | None = None
) -> dict[str, Any]:
    event = _event("follow", user_id, reply_token=reply_token, timestamp_ms=timestamp_ms)
    event["follow"] = {"isUnblocked": unblocked}
    return event


def unfollow_event(user_id: str, *, timestamp_ms: int | None = None) -> dict[str, Any]:
    return _event("unfollow", user_id, reply_token=None, timestamp_ms=timestamp_ms)


def unsend_event(user_id: str, message_id: str, *, timestamp_ms: int | None = None) -> dict[str, Any]:
    event = _event("unsend", user_id, reply_token=None, timestamp_ms=timestamp_ms)
    event["unsend"] = {"messageId": message_id}
    return event


def join_event(
    group_id: str, *, room: bool = False, reply_token: str | None = None, timestamp_ms: int | None = None
) -> dict[str, Any]:
    """The bot was added to a group (C…) or a multi-person chat (R…)."""
    source = {"type": "room", "roomId": group_id} if room else {"type": "group", "groupId": group_id}
    return _event("join", "", reply_token=reply_token, timestamp_ms=timestamp_ms, source=source)


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same event as LINE redelivers it: identical but for deliveryContext.isRedelivery."""
    again = copy.deepcopy(event)
    again["deliveryContext"] = {"isRedelivery": True}
    return again


def webhook_body(events: list[dict[str, Any]], *, destination: str | None = None) -> bytes:
    """The request body LINE posts: {"destination": bot user id, "events": [...]}, compact UTF-8 JSON."""
    body = {"destination": destination or new_user_id(), "events": events}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, channel_secret: str) -> str:
    """X-Line-Signature: base64 of HMAC-SHA256 over the raw body with the channel secret."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_request(
    events: list[dict[str, Any]], channel_secret: str, *, destination: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """Body and headers for POST /callback, as LINE's webhook delivery sends them."""
    body = webhook_body(events, destination=destination)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": sign(body, channel_secret),
        "User-Agent": "LineBotWebhook/2.0",
    }
    return body, headers
