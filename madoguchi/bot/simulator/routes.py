"""The simulator: a chat page at /simulator and its JSON API, backed by the fake LINE API on the same server.

Each action of a resident on the page becomes a real webhook delivery: the API builds the event as LINE
would (events.py), registers its reply token with the fake, signs the body with the channel secret and
POSTs it to this server's own `/callback` over HTTP. What the bot sends back lands in the fake, which the
page polls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from madoguchi.bot.fake_line import FakeLineState, create_fake_line_app, new_user_id
from madoguchi.bot.simulator import events
from madoguchi.shared.settings import Settings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
WEBHOOK_TIMEOUT_S = 15.0


@dataclass
class Resident:
    user_id: str
    name: str
    following: bool = False
    ever_followed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"userId": self.user_id, "name": self.name, "following": self.following}


class Simulator:
    """The residents on the page and how to reach the bot's webhook."""

    def __init__(self, state: FakeLineState, channel_secret: str, callback_url: str | None = None):
        self.state = state
        self.channel_secret = channel_secret
        # None: the server's own /callback, found from the page's request.
        self.callback_url = callback_url
        self.residents: dict[str, Resident] = {}

    def add_resident(self, name: str | None = None) -> Resident:
        user_id = new_user_id()
        resident = Resident(user_id, name or f"住民{len(self.residents) + 1}")
        self.residents[user_id] = resident
        self.state.set_profile(user_id, resident.name)
        return resident

    def get(self, user_id: str) -> Resident:
        resident = self.residents.get(user_id)
        if resident is None:
            raise HTTPException(404, "その住民はいません")
        return resident

    async def deliver(self, request: Request, event: dict[str, Any]) -> dict[str, Any]:
        """Sign and POST one event to /callback, as LINE's webhook delivery does."""
        body, headers = events.signed_request([event], self.channel_secret, destination=self.state.bot_user_id)
        url = self.callback_url or str(request.base_url).rstrip("/") + "/callback"
        try:
            async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S) as client:
                answer = await client.post(url, content=body, headers=headers)
            status: int | None = answer.status_code
        except httpx.HTTPError as exc:
            status = None
            return {"webhookEventId": event["webhookEventId"], "status": status, "error": type(exc).__name__}
        return {"webhookEventId": event["webhookEventId"], "status": status}


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class PostbackIn(BaseModel):
    # Field names as in LINE's postback action, so the page can pass an action through unchanged.
    data: str = Field(max_length=300)
    displayText: str | None = Field(default=None, max_length=300)
    params: dict[str, str] | None = None


class ResidentIn(BaseModel):
    name: str | None = Field(default=None, max_length=20)
    follow: bool = True


class StickerIn(BaseModel):
    packageId: str = "446"
    stickerId: str = "1988"


def _sim(request: Request) -> Simulator:
    return request.app.state.simulator


def _require_following(resident: Resident) -> None:
    if not resident.following:
        raise HTTPException(409, "ブロック中、または友だち追加前です")


router = APIRouter(include_in_schema=False)


@router.get("/simulator", response_class=HTMLResponse)
async def page(request: Request) -> Response:
    return templates.TemplateResponse(request, "simulator/index.html", {"title": "LINEシミュレーター"})


@router.get("/simulator/api/residents")
async def list_residents(request: Request) -> dict[str, Any]:
    return {"items": [r.as_dict() for r in _sim(request).residents.values()]}


@router.post("/simulator/api/residents")
async def create_resident(request: Request, data: ResidentIn) -> dict[str, Any]:
    sim = _sim(request)
    resident = sim.add_resident(data.name)
    result = resident.as_dict()
    if data.follow:
        result["delivery"] = await follow(request, resident.user_id)
        result["following"] = True
    return result


@router.post("/simulator/api/residents/{user_id}/follow")
async def follow(request: Request, user_id: str) -> dict[str, Any]:
    sim = _sim(request)
    resident = sim.get(user_id)
    unblocked = resident.ever_followed
    resident.following = resident.ever_followed = True
    sim.state.set_blocked(user_id, False)
    token = sim.state.issue_reply_token(user_id)
    return await sim.deliver(request, events.follow_event(user_id, reply_token=token, unblocked=unblocked))


@router.post("/simulator/api/residents/{user_id}/unfollow")
async def unfollow(request: Request, user_id: str) -> dict[str, Any]:
    sim = _sim(request)
    resident = sim.get(user_id)
    resident.following = False
    sim.state.set_blocked(user_id, True)
    return await sim.deliver(request, events.unfollow_event(user_id))


@router.post("/simulator/api/residents/{user_id}/text")
async def send_text(request: Request, user_id: str, data: TextIn) -> dict[str, Any]:
    sim = _sim(request)
    _require_following(sim.get(user_id))
    message = {"type": "text", "text": data.text}
    message_id = sim.state.record_resident_message(user_id, message)
    token = sim.state.issue_reply_token(user_id)
    event = events.text_event(user_id, data.text, reply_token=token, message_id=message_id)
    return await sim.deliver(request, event)


@router.post("/simulator/api/residents/{user_id}/sticker")
async def send_sticker(request: Request, user_id: str, data: StickerIn) -> dict[str, Any]:
    sim = _sim(request)
    _require_following(sim.get(user_id))
    message = {"type": "sticker", "packageId": data.packageId, "stickerId": data.stickerId}
    message_id = sim.state.record_resident_message(user_id, message)
    token = sim.state.issue_reply_token(user_id)
    event = events.sticker_event(
        user_id, package_id=data.packageId, sticker_id=data.stickerId, reply_token=token, message_id=message_id
    )
    return await sim.deliver(request, event)


@router.post("/simulator/api/residents/{user_id}/postback")
async def send_postback(request: Request, user_id: str, data: PostbackIn) -> dict[str, Any]:
    sim = _sim(request)
    _require_following(sim.get(user_id))
    # LINE shows a postback's displayText in the chat as if the resident had typed it, but sends no message event.
    if data.displayText:
        sim.state.record_resident_message(user_id, {"type": "text", "text": data.displayText})
    token = sim.state.issue_reply_token(user_id)
    return await sim.deliver(request, events.postback_event(user_id, data.data, params=data.params, reply_token=token))


@router.get("/simulator/api/residents/{user_id}/messages")
async def messages(request: Request, user_id: str, after: int = 0) -> dict[str, Any]:
    sim = _sim(request)
    resident = sim.get(user_id)
    items = [e.as_dict() for e in sim.state.chat(user_id) if e.seq > after]
    return {"items": items, "resident": resident.as_dict()}


@router.get("/simulator/api/richmenu")
async def rich_menu(request: Request) -> dict[str, Any]:
    menu = _sim(request).state.default_rich_menu()
    if menu is None:
        return {"richMenu": None}
    return {"richMenu": {"richMenuId": menu.rich_menu_id, **menu.body}, "hasImage": menu.image is not None}


@router.get("/simulator/api/richmenu/image")
async def rich_menu_image(request: Request) -> Response:
    menu = _sim(request).state.default_rich_menu()
    if menu is None or menu.image is None:
        raise HTTPException(404, "リッチメニューの画像はありません")
    return Response(menu.image, media_type=menu.image_type or "image/png")


def mount_simulator(
    app: FastAPI,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    prefix: str = "/_line",
    callback_url: str | None = None,
    state: FakeLineState | None = None,
) -> str:
    """Serve the fake LINE API under `prefix` and the simulator on `app`; return the base URL for the bot's SDK.

    The SDK prepends its host to every path (api and api-data alike), so a host with a path prefix works:
    `Configuration(host=mount_simulator(...))`. host/port default to HOST/PORT (127.0.0.1:8000).
    """
    host = host or os.environ.get("HOST", "127.0.0.1")
    port = port or int(os.environ.get("PORT", "8000"))
    state = state or FakeLineState(access_token=settings.channel_access_token())
    app.state.fake_line = state
    app.state.simulator = Simulator(state, settings.channel_secret(), callback_url)
    app.mount(prefix, create_fake_line_app(state))
    app.mount("/simulator/static", StaticFiles(directory=str(HERE / "static")), name="simulator-static")
    app.include_router(router)
    return f"http://{host}:{port}{prefix}"
