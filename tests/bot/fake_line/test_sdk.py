"""The real line-bot-sdk v3 (async, aiohttp) talks to the fake over a real port, with and without a path prefix."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    MessageAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from starlette.applications import Starlette
from starlette.routing import Mount

from madoguchi.bot.fake_line import FakeLineState, create_fake_line_app, new_user_id
from tests.bot.fake_line_server import FAKE_TOKEN, serve_app

TIMEOUT = 5


async def _conversation(host: str, state: FakeLineState) -> None:
    user = new_user_id()
    async with AsyncApiClient(Configuration(host=host, access_token=FAKE_TOKEN)) as client:
        api = AsyncMessagingApi(client)
        blob = AsyncMessagingApiBlob(client)
        quick = QuickReply(items=[QuickReplyItem(action=MessageAction(label="はい", text="はい"))])
        token = state.issue_reply_token(user)
        sent = await api.reply_message(
            ReplyMessageRequest(
                reply_token=token, messages=[TextMessage(text="ご相談ありがとうございます", quick_reply=quick)]
            ),
            _request_timeout=TIMEOUT,
        )
        assert sent.sent_messages[0].id.isdigit()

        with pytest.raises(ApiException) as used:
            await api.reply_message(
                ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="二回目")]), _request_timeout=TIMEOUT
            )
        assert used.value.status == 400 and "Invalid reply token" in used.value.body

        key = str(uuid.uuid4())
        push = PushMessageRequest(to=user, messages=[TextMessage(text="お知らせです")])
        await api.push_message(push, x_line_retry_key=key, _request_timeout=TIMEOUT)
        with pytest.raises(ApiException) as conflict:
            await api.push_message(push, x_line_retry_key=key, _request_timeout=TIMEOUT)
        assert conflict.value.status == 409
        assert conflict.value.headers["x-line-accepted-request-id"]

        state.rate_limit_next(1, retry_after=2)
        with pytest.raises(ApiException) as limited:
            await api.push_message(push, _request_timeout=TIMEOUT)
        assert limited.value.status == 429 and limited.value.headers["Retry-After"] == "2"

        await api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=user, loading_seconds=5))
        assert (await api.get_message_quota(_request_timeout=TIMEOUT)).type == "none"
        assert (await api.get_message_quota_consumption(_request_timeout=TIMEOUT)).total_usage == 1

        menu = RichMenuRequest(
            size=RichMenuSize(width=2500, height=843),
            selected=True,
            name="main",
            chat_bar_text="メニュー",
            areas=[
                RichMenuArea(
                    bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                    action=MessageAction(label="相談する", text="相談したい"),
                )
            ],
        )
        menu_id = (await api.create_rich_menu(menu, _request_timeout=TIMEOUT)).rich_menu_id
        await blob.set_rich_menu_image(
            menu_id, body=bytearray(b"\x89PNG\r\n\x1a\n0000"), _headers={"Content-Type": "image/png"}
        )
        await api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
        assert (await api.get_default_rich_menu_id(_request_timeout=TIMEOUT)).rich_menu_id == menu_id

    assert [m["text"] for m in state.sent_to(user)] == ["ご相談ありがとうございます", "お知らせです"]
    assert state.sent_to(user)[0]["quickReply"]["items"][0]["action"]["label"] == "はい"
    state.assert_all_valid()


def test_real_sdk_against_fake(fake_line):
    asyncio.run(_conversation(fake_line.url, fake_line.state))


def test_real_sdk_against_fake_under_a_path_prefix():
    """As the simulator mounts it: the SDK's host may carry a path (it is prepended to every resource path)."""
    state = FakeLineState(access_token=FAKE_TOKEN)
    parent = Starlette(routes=[Mount("/_line", app=create_fake_line_app(state))])
    with serve_app(parent) as url:
        asyncio.run(_conversation(url + "/_line", state))
    assert all(r.path.startswith("/v2/") for r in state.requests)


def test_sdk_with_wrong_token_gets_401(fake_line):
    async def run() -> int:
        async with AsyncApiClient(Configuration(host=fake_line.url, access_token="wrong")) as client:
            try:
                await AsyncMessagingApi(client).get_message_quota(_request_timeout=TIMEOUT)
            except ApiException as e:
                return e.status
        return 200

    assert asyncio.run(run()) == 401
    # The fixture checks validity at the end; this one was sent wrong on purpose.
    assert [r.status for r in fake_line.state.take_invalid_requests()] == [401]
