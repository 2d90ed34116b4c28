"""A tiny stand-in bot for the simulator's tests: verifies the signature with the real SDK, answers 200,
then replies through the fake LINE API with the real async SDK (an echo with quick replies).

It is not madoguchi's webhook; it only proves that what the simulator sends is a real signed LINE webhook
and that the page shows what a bot sends back.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request, Response
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexSeparator,
    FlexText,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
    URIAction,
)
from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent, TextMessageContent

ECHO_QUICK_REPLY = QuickReply(
    items=[
        QuickReplyItem(action=MessageAction(label="はい", text="はい")),
        QuickReplyItem(action=PostbackAction(label="いいえ", data="answer=no", display_text="いいえ")),
    ]
)


def _answer(event) -> list:
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        text = event.message.text
        if text == "窓口":
            bubble = FlexBubble(
                body=FlexBox(
                    layout="vertical",
                    contents=[
                        FlexText(text="福祉の窓口", weight="bold"),
                        FlexSeparator(),
                        FlexButton(action=URIAction(label="電話する", uri="tel:0120000000"), style="primary"),
                        FlexButton(action=PostbackAction(label="相談したい", data="consult=1"), style="secondary"),
                    ],
                )
            )
            return [FlexMessage(alt_text="福祉の窓口", contents=bubble)]
        return [TextMessage(text=f"「{text}」を受け付けました", quick_reply=ECHO_QUICK_REPLY)]
    if isinstance(event, PostbackEvent):
        return [TextMessage(text=f"postback: {event.postback.data}")]
    if isinstance(event, FollowEvent):
        return [TextMessage(text="友だち追加ありがとうございます")]
    return []


def add_echo_callback(app: FastAPI, *, channel_secret: str, line_api_url: str, access_token: str) -> list:
    """Add POST /callback to `app`; returns the list of parsed events it received (for assertions)."""
    parser = WebhookParser(channel_secret)
    received: list = []
    tasks: set[asyncio.Task] = set()

    async def handle(events: list) -> None:
        async with AsyncApiClient(Configuration(host=line_api_url, access_token=access_token)) as client:
            api = AsyncMessagingApi(client)
            for event in events:
                messages = _answer(event)
                if messages and getattr(event, "reply_token", None):
                    request = ReplyMessageRequest(reply_token=event.reply_token, messages=messages)
                    await api.reply_message(request, _request_timeout=5)

    @app.post("/callback")
    async def callback(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        try:
            events = parser.parse(body, request.headers.get("x-line-signature", ""))
        except InvalidSignatureError:
            return Response(status_code=400)
        received.extend(events)
        task = asyncio.create_task(handle(events))  # answer 200 first, reply after
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return Response(status_code=200)

    return received
