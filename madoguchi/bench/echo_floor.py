"""The floor for the ingest benchmark: line-bot-sdk's minimal FastAPI echo bot, minus the reply.

As in line-bot-sdk-python's examples/fastapi-echo: verify the signature on the
raw body with WebhookParser, parse, answer 200. It stores nothing.
"""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException, Request
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhook import WebhookParser

parser = WebhookParser(os.environ["BENCH_CHANNEL_SECRET"])
app = FastAPI()


@app.post("/callback")
async def handle_callback(request: Request) -> str:
    signature = request.headers["X-Line-Signature"]
    body = (await request.body()).decode()
    try:
        parser.parse(body, signature)
    except InvalidSignatureError as exc:
        raise HTTPException(status_code=400, detail="Invalid signature") from exc
    return "OK"
