"""Small factories for test data: LINE-shaped webhook events and signed bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any

_counter = itertools.count(1)


def user_id(n: int | None = None) -> str:
    return "U" + (uuid.uuid4().hex if n is None else f"{n:032x}")


def event_id() -> str:
    # ULID-like: 26 characters of Crockford base32, unique enough for tests.
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    n = uuid.uuid4().int
    return "".join(alphabet[(n >> (5 * i)) & 31] for i in range(26))


def text_event(uid: str, text: str, *, ts: int | None = None, reply_token: str | None = None, **extra: Any) -> dict:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": ts if ts is not None else int(time.time() * 1000),
        "source": {"type": "user", "userId": uid},
        "webhookEventId": event_id(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": reply_token or uuid.uuid4().hex,
        "message": {"id": str(next(_counter) + 10**15), "type": "text", "quoteToken": uuid.uuid4().hex, "text": text},
        **extra,
    }


def simple_event(kind: str, uid: str, *, ts: int | None = None, **extra: Any) -> dict:
    ev: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": ts if ts is not None else int(time.time() * 1000),
        "source": {"type": "user", "userId": uid},
        "webhookEventId": event_id(),
        "deliveryContext": {"isRedelivery": False},
    }
    if kind in ("follow", "postback", "join", "message"):
        ev["replyToken"] = uuid.uuid4().hex
    ev.update(extra)
    return ev


def body(events: list[dict]) -> bytes:
    return json.dumps({"destination": "U" + "0" * 32, "events": events}, ensure_ascii=False).encode("utf-8")


def sign(raw: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
