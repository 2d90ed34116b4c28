"""POST /callback: verify the signature on the raw body, store the events durably, answer 200.

The slow work (handling, answering) happens after the 200, in the worker.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from linebot.v3.webhook import SignatureValidator
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot.ingest import GroupCommitWriter

log = logging.getLogger("madoguchi.webhook")

MAX_BODY = 1024 * 1024
# A JSON escape of a UTF-16 surrogate (\ud83d): how an emoji, or half of one from a broken client, arrives.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class WebhookError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_events(body: bytes, signature: str | None, validator: SignatureValidator) -> list[dict[str, Any]]:
    """The events of a verified body, or a WebhookError saying why not."""
    if not signature:
        raise WebhookError(400, "missing signature (X-Line-Signature)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookError(400, "body is not UTF-8") from exc
    if not validator.validate(text, signature):
        raise WebhookError(400, "invalid signature")
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise WebhookError(400, "malformed JSON") from exc
    if _SURROGATE_ESCAPE.search(text):
        payload = _mend_surrogates(payload)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise WebhookError(400, "no events list")
    for ev in events:
        if not isinstance(ev, dict) or not ev.get("webhookEventId") or not ev.get("type"):
            raise WebhookError(400, "an event without webhookEventId or type")
    return events


def _mend_surrogates(value: Any) -> Any:
    """The payload with every lone surrogate replaced by U+FFFD. json.loads joins an escaped pair into one
    character but keeps half a pair as it is, and such a string can be neither encrypted nor stored: the
    webhook would answer 503 to every redelivery and the message (a crisis, perhaps) would never be read.
    The replacement character keeps the message and shows where it was damaged."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_mend_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {k: _mend_surrogates(v) for k, v in value.items()}
    return value


def make_router(
    *, factory: sessionmaker[Session], channel_secret: str, on_stored: Callable[[], None] | None = None
) -> APIRouter:
    router = APIRouter()
    validator = SignatureValidator(channel_secret)
    writer = GroupCommitWriter(factory)

    @router.post("/callback", include_in_schema=True, summary="LINE webhook")
    async def callback(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            return JSONResponse({"detail": "body over 1 MiB"}, status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return JSONResponse({"detail": "body over 1 MiB"}, status_code=413)
        try:
            events = parse_events(bytes(body), request.headers.get("x-line-signature"), validator)
        except WebhookError as exc:
            log.warning("webhook refused: %s", exc.reason)
            return JSONResponse({"detail": exc.reason}, status_code=exc.status)
        if events:
            try:
                new = await writer.store(events)
            except SQLAlchemyError as exc:
                # Not a 200: LINE counts the delivery failed and (with redelivery on) sends it again.
                log.error("webhook could not store events: %s", type(exc).__name__)
                return JSONResponse({"detail": "events could not be stored; try again"}, status_code=503)
            if new and on_stored is not None:
                on_stored()
        return JSONResponse({"status": "ok"})

    return router
