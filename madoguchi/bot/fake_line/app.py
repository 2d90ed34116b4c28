"""The fake LINE Messaging API as an ASGI app: `create_fake_line_app()`.

Every `/v2/...` request goes through one pipeline: record → authenticate → size → faults → parse → validate
against the official spec and LINE's limits → the operation's behaviour (reply tokens, retry keys, quota,
delivery to the resident's chat) → answer as LINE does. `/_fake/...` is the control API for tests and the
simulator.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from madoguchi.bot.fake_line.state import (
    QUOTA_MESSAGE,
    RETRY_KEY_TTL_S,
    AcceptedRetryKey,
    ChatEntry,
    FakeLineState,
    Fault,
    RecordedRequest,
    RichMenu,
    new_message_id,
    new_quote_token,
    new_request_id,
)
from madoguchi.bot.fake_line.validation import MAX_REQUEST_BYTES, Operation, Problem, load_spec, request_problems

IMAGE_TYPES = {"image/png", "image/jpeg"}
MAX_RICH_MENU_IMAGE = 1024 * 1024


class ConnectionDropped(Exception):
    """Raised when the fake must drop a connection but is not served by uvicorn (e.g. an in-process client)."""


class _Answer(Exception):
    """Internal: stop the pipeline and answer this."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None, *, invalid: bool = False):
        self.status, self.body, self.headers, self.invalid = status, body, headers or {}, invalid


def _error(status: int, message: str, *, invalid: bool = False, details: list[Problem] | None = None) -> _Answer:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [d.as_detail() for d in details]
    return _Answer(status, body, invalid=invalid)


# --- routing by the spec's own path templates ---------------------------------------------------


class _Router:
    def __init__(self) -> None:
        spec = load_spec()
        self.routes: list[tuple[re.Pattern[str], Operation]] = []
        # Literal segments win over parameters (/richmenu/list before /richmenu/{richMenuId}).
        for (_, path), op in sorted(spec.operations.items(), key=lambda kv: kv[0][1].count("{")):
            pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$"
            self.routes.append((re.compile(pattern), op))

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for pattern, op in self.routes:
            if op.method == method:
                m = pattern.match(path)
                if m:
                    return op, m.groupdict()
        return None


def _sent_messages(count: int) -> list[dict[str, str]]:
    return [{"id": new_message_id(), "quoteToken": new_quote_token()} for _ in range(count)]


Handler = Callable[[FakeLineState, Request, Any, dict[str, str], str], Awaitable[tuple[int, Any, dict[str, str]]]]


# --- operations ---------------------------------------------------------------------------------


def _deliver(
    state: FakeLineState,
    user_id: str,
    messages: list[dict[str, Any]],
    sent: list[dict[str, str]],
    via: str,
    request_id: str,
) -> None:
    if user_id in state.blocked:
        return  # LINE answers 200 and delivers nothing to a resident who blocked the account
    chat = state.chats.setdefault(user_id, [])
    for message, meta in zip(messages, sent, strict=True):
        chat.append(ChatEntry(state.next_seq(), state.clock(), "bot", via, message, meta["id"], request_id))


async def _reply(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    if request.headers.get("x-line-retry-key") is not None:
        raise _error(400, "X-Line-Retry-Key header is not supported for this endpoint", invalid=True)
    with state.lock:
        token = state.reply_tokens.get(body["replyToken"])
        now = state.clock()
        if token is None or token.used or now - token.issued_at > token.ttl_s:
            raise _error(400, "Invalid reply token")
        token.used = True
        sent = _sent_messages(len(body["messages"]))
        _deliver(state, token.user_id, body["messages"], sent, "reply", rid)
    return 200, {"sentMessages": sent}, {}


async def _push(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    key = request.headers.get("x-line-retry-key")
    with state.lock:
        now = state.clock()
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                raise _error(400, "The retry key must be a UUID", invalid=True) from None
            accepted = state.retry_keys.get(key)
            if accepted and now - accepted.accepted_at < RETRY_KEY_TTL_S:
                raise _Answer(
                    409,
                    {"message": "The retry key is already accepted", "sentMessages": accepted.sent_messages},
                    {"x-line-accepted-request-id": accepted.request_id},
                )
        if state.quota_is_exhausted():
            raise _error(429, QUOTA_MESSAGE)
        sent = _sent_messages(len(body["messages"]))
        if key is not None:
            state.retry_keys[key] = AcceptedRetryKey(now, rid, sent)
        state.quota_used += 1
        _deliver(state, body["to"], body["messages"], sent, "push", rid)
    return 200, {"sentMessages": sent}, {}


async def _ok_empty(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    return 200, {}, {}


async def _loading(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    with state.lock:
        state.loading.append({"chatId": body["chatId"], "loadingSeconds": body.get("loadingSeconds", 20)})
    return 202, {}, {}


async def _quota(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    if state.quota_limit is None:
        return 200, {"type": "none"}, {}
    return 200, {"type": "limited", "value": state.quota_limit}, {}


async def _quota_consumption(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    return 200, {"totalUsage": state.quota_used}, {}


async def _leave(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    with state.lock:
        state.left_chats.append(params.get("groupId") or params.get("roomId", ""))
    return 200, {}, {}


async def _profile(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    name = state.profiles.get(params["userId"])
    if name is None:
        raise _error(404, "Not found")
    return 200, {"userId": params["userId"], "displayName": name, "language": "ja"}, {}


async def _bot_info(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    return (
        200,
        {
            "userId": state.bot_user_id,
            "basicId": "@madoguchi",
            "displayName": "まどぐち",
            "chatMode": "bot",
            "markAsReadMode": "manual",
        },
        {},
    )


def _rich_menu_or_404(state: FakeLineState, rich_menu_id: str) -> RichMenu:
    menu = state.rich_menus.get(rich_menu_id)
    if menu is None:
        raise _error(404, "Not found")
    return menu


def _rich_menu_json(menu: RichMenu) -> dict[str, Any]:
    return {"richMenuId": menu.rich_menu_id, **menu.body}


async def _create_rich_menu(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    menu_id = "richmenu-" + secrets.token_hex(16)
    with state.lock:
        state.rich_menus[menu_id] = RichMenu(menu_id, body)
    return 200, {"richMenuId": menu_id}, {}


async def _get_rich_menu(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    return 200, _rich_menu_json(_rich_menu_or_404(state, params["richMenuId"])), {}


async def _list_rich_menus(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    return 200, {"richmenus": [_rich_menu_json(m) for m in state.rich_menus.values()]}, {}


async def _delete_rich_menu(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    with state.lock:
        _rich_menu_or_404(state, params["richMenuId"])
        del state.rich_menus[params["richMenuId"]]
        if state.default_rich_menu_id == params["richMenuId"]:
            state.default_rich_menu_id = None
    return 200, {}, {}


async def _upload_rich_menu_image(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    menu = _rich_menu_or_404(state, params["richMenuId"])
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise _error(415, f"Unsupported Content-Type: {content_type or 'none'} (image/png or image/jpeg)", invalid=True)
    if len(body) > MAX_RICH_MENU_IMAGE:
        raise _error(400, "The image must be at most 1 MB", invalid=True)
    if menu.image is not None:
        raise _error(400, "An image has already been uploaded to the richmenu", invalid=True)
    menu.image, menu.image_type = body, content_type
    return 200, {}, {}


async def _download_rich_menu_image(
    state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str
):
    menu = _rich_menu_or_404(state, params["richMenuId"])
    if menu.image is None:
        raise _error(404, "Not found")
    return 200, Response(menu.image, media_type=menu.image_type), {}


async def _set_default_rich_menu(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    menu = _rich_menu_or_404(state, params["richMenuId"])
    if menu.image is None:
        raise _error(400, "must upload richmenu image before applying it to user", invalid=True)
    state.default_rich_menu_id = menu.rich_menu_id
    return 200, {}, {}


async def _get_default_rich_menu(state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str):
    if state.default_rich_menu_id is None:
        raise _error(404, "no default richmenu")
    return 200, {"richMenuId": state.default_rich_menu_id}, {}


async def _cancel_default_rich_menu(
    state: FakeLineState, request: Request, body: Any, params: dict[str, str], rid: str
):
    state.default_rich_menu_id = None
    return 200, {}, {}


HANDLERS: dict[str, Handler] = {
    "replyMessage": _reply,
    "pushMessage": _push,
    "validateReply": _ok_empty,
    "validatePush": _ok_empty,
    "showLoadingAnimation": _loading,
    "getMessageQuota": _quota,
    "getMessageQuotaConsumption": _quota_consumption,
    "leaveGroup": _leave,
    "leaveRoom": _leave,
    "getProfile": _profile,
    "getBotInfo": _bot_info,
    "createRichMenu": _create_rich_menu,
    "validateRichMenuObject": _ok_empty,
    "getRichMenu": _get_rich_menu,
    "getRichMenuList": _list_rich_menus,
    "deleteRichMenu": _delete_rich_menu,
    "setRichMenuImage": _upload_rich_menu_image,
    "getRichMenuImage": _download_rich_menu_image,
    "setDefaultRichMenu": _set_default_rich_menu,
    "getDefaultRichMenuId": _get_default_rich_menu,
    "cancelDefaultRichMenu": _cancel_default_rich_menu,
    "markMessagesAsRead": _ok_empty,
    "markMessagesAsReadByToken": _ok_empty,
}
# Operations that spend the monthly quota: a quota 429 stops these, never replies.
QUOTA_OPERATIONS = {"pushMessage", "multicast", "narrowcast", "broadcast"}


# --- the pipeline ---------------------------------------------------------------------------------


async def _drop_connection(request: Request) -> None:
    """Close the TCP connection without a response, as a network failure would."""
    cycle = getattr(request.receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("fake LINE dropped the connection")
    transport.abort()
    # Tell uvicorn the client is gone so it does not try to answer 500 on a dead socket.
    cycle.disconnected = True  # type: ignore[union-attr]
    await asyncio.sleep(0)


def _auth_ok(state: FakeLineState, header: str | None) -> bool:
    if not header or not header.startswith("Bearer ") or not header[7:].strip():
        return False
    return state.access_token is None or secrets.compare_digest(header[7:], state.access_token)


async def _api(request: Request) -> Response:
    state: FakeLineState = request.app.state.fake_line
    router: _Router = request.app.state.fake_router
    path = "/" + request.path_params["path"]
    rid = new_request_id()
    raw = await request.body()
    matched = router.match(request.method, path)
    op, params = matched if matched else (None, {})
    record = RecordedRequest(
        seq=state.next_seq(),
        at=state.clock(),
        method=request.method,
        path=path,
        operation_id=op.operation_id if op else None,
        authorization=request.headers.get("authorization"),
        retry_key=request.headers.get("x-line-retry-key"),
        body=None,
        valid=True,
        problems=[],
        status=None,
        response=None,
        request_id=rid,
    )
    with state.lock:
        state.requests.append(record)
    drop_after = False
    try:
        body: Any = None
        if op is None:
            raise _error(404, "Not found", invalid=True)
        handler = HANDLERS.get(op.operation_id)
        if handler is None:
            raise _error(501, f"{op.operation_id} is not implemented by the fake LINE API", invalid=True)
        if not _auth_ok(state, record.authorization):
            raise _error(
                401,
                "Authentication failed. Confirm that the access token in the authorization header is valid.",
                invalid=True,
            )
        if len(raw) > MAX_REQUEST_BYTES:
            raise _error(413, "Request Entity Too Large", invalid=True)

        delay = state.take_fault(path, ("delay",))
        if delay:
            record.fault = f"delay {delay.seconds}s"
            await asyncio.sleep(delay.seconds)
        fault = state.take_fault(path, ("500", "429", "drop"))
        if fault:
            record.fault = fault.kind
            if fault.kind == "drop":
                record.status = None
                await _drop_connection(request)
                return Response(status_code=500)  # never reaches the client: the transport is gone
            if fault.kind == "500":
                raise _error(500, "Internal server error")
            headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
            raise _Answer(429, {"message": "Too many requests"}, headers)
        if op.operation_id in QUOTA_OPERATIONS and state.quota_is_exhausted():
            record.fault = "quota"
            raise _error(429, QUOTA_MESSAGE)

        if op.body_schema:
            try:
                body = json.loads(raw)
            except ValueError:
                record.body = raw[:1000].decode("utf-8", "replace")
                raise _error(400, "The request body could not be parsed as JSON", invalid=True) from None
            record.body = body
            problems = request_problems(op, body)
            if problems:
                raise _error(400, f"The request body has {len(problems)} error(s)", invalid=True, details=problems)
        elif raw:
            body = raw
            record.body = {"bytes": len(raw), "content_type": request.headers.get("content-type")}

        drop_fault = state.take_fault(path, ("drop_after_accept",))
        status, payload, headers = await handler(state, request, body, params, rid)
        if drop_fault:
            record.fault = "drop_after_accept"
            drop_after = True
    except _Answer as answer:
        status, payload, headers = answer.status, answer.body, answer.headers
        if answer.invalid:
            record.valid = False
            record.problems = payload.get("details") or [{"message": payload["message"], "property": ""}]
    record.status = status
    record.response = payload if not isinstance(payload, Response) else {"bytes": len(payload.body)}
    state.notify()
    if drop_after:
        await _drop_connection(request)
        return Response(status_code=500)
    headers = {"x-line-request-id": rid, **headers}
    if isinstance(payload, Response):
        payload.headers.update(headers)
        payload.status_code = status
        return payload
    return JSONResponse(payload, status_code=status, headers=headers)


# --- the control API ------------------------------------------------------------------------------


def _state(request: Request) -> FakeLineState:
    return request.app.state.fake_line


async def _control_requests(request: Request) -> Response:
    state = _state(request)
    with state.lock:
        items = [r.as_dict() for r in state.requests]
    if request.query_params.get("invalid") in ("1", "true"):
        items = [r for r in items if not r["valid"]]
    if path := request.query_params.get("path"):
        items = [r for r in items if r["path"] == path]
    return JSONResponse({"items": items})


async def _control_messages(request: Request) -> Response:
    user_id = request.query_params.get("to")
    if not user_id:
        return JSONResponse({"message": "to= is required"}, status_code=400)
    after = int(request.query_params.get("after", "0") or 0)
    items = [e.as_dict() for e in _state(request).chat(user_id) if e.seq > after]
    return JSONResponse({"items": items})


async def _control_reset(request: Request) -> Response:
    _state(request).reset()
    return JSONResponse({})


async def _control_reply_tokens(request: Request) -> Response:
    data = await request.json()
    token = _state(request).issue_reply_token(
        data["userId"], ttl_s=data.get("ttlSeconds"), token=data.get("replyToken")
    )
    return JSONResponse({"replyToken": token})


async def _control_faults(request: Request) -> Response:
    state = _state(request)
    if request.method == "DELETE":
        state.clear_faults()
        return JSONResponse({})
    if request.method == "GET":
        with state.lock:
            return JSONResponse({"items": [asdict(f) for f in state.faults]})
    data = await request.json()
    kind = data.get("kind")
    if kind not in ("500", "429", "delay", "drop", "drop_after_accept"):
        return JSONResponse({"message": f"unknown fault kind {kind!r}"}, status_code=400)
    fault = state.add_fault(
        Fault(kind, data.get("count", 1), data.get("path"), data.get("retryAfter"), float(data.get("seconds", 0.0)))
    )
    return JSONResponse(asdict(fault))


async def _control_quota(request: Request) -> Response:
    state = _state(request)
    data = await request.json()
    if "limit" in data:
        state.set_quota_limit(data["limit"])
    if data.get("exhausted") is True:
        state.exhaust_quota()
    elif data.get("exhausted") is False:
        state.restore_quota()
    return JSONResponse(state.summary()["quota"])


async def _control_blocked(request: Request) -> Response:
    data = await request.json()
    _state(request).set_blocked(data["userId"], bool(data.get("blocked", True)))
    return JSONResponse({})


async def _control_resident_message(request: Request) -> Response:
    data = await request.json()
    message_id = _state(request).record_resident_message(data["userId"], data["message"])
    return JSONResponse({"messageId": message_id})


async def _control_summary(request: Request) -> Response:
    return JSONResponse(_state(request).summary())


def create_fake_line_app(state: FakeLineState | None = None, *, access_token: str | None = None) -> Starlette:
    """A fake LINE Messaging API (api and api-data on one host). Its state is `app.state.fake_line`."""
    routes = [
        Route("/_fake/requests", _control_requests, methods=["GET"]),
        Route("/_fake/messages", _control_messages, methods=["GET"]),
        Route("/_fake/reset", _control_reset, methods=["POST"]),
        Route("/_fake/reply-tokens", _control_reply_tokens, methods=["POST"]),
        Route("/_fake/faults", _control_faults, methods=["GET", "POST", "DELETE"]),
        Route("/_fake/quota", _control_quota, methods=["POST"]),
        Route("/_fake/blocked", _control_blocked, methods=["POST"]),
        Route("/_fake/resident-messages", _control_resident_message, methods=["POST"]),
        Route("/_fake/state", _control_summary, methods=["GET"]),
        Route("/{path:path}", _api, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.fake_line = state or FakeLineState(access_token=access_token)
    app.state.fake_router = _Router()
    return app
