"""kill -9 the server in the middle of a burst of 500 events, restart it: every event is answered.

The test plays LINE: an event whose POST did not end in 200 is delivered again (redelivery), the same
webhookEventId with isRedelivery true. Duplicates may only come from messages whose send was in flight at
the kill (their fate was unknown); they are counted and printed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot.models import OutboxMessage
from madoguchi.bot.simulator import events as line_events
from tests.conftest import install_model
from tests.slow.processes import Madoguchi, free_port, kill9, signed, start_fake_line

pytestmark = pytest.mark.slow

BURST = 500
KILL_AFTER = 200


async def _deliver(url: str, events: list[dict[str, Any]], *, kill_at: int | None, on_kill) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """POST each event (concurrency 16); returns the events that did not get a 200."""
    undelivered: list[dict[str, Any]] = []
    ok = 0
    queue = list(events)
    killed = False

    async with httpx.AsyncClient(timeout=5) as client:

        async def worker() -> None:
            nonlocal ok, killed
            while queue:
                event = queue.pop(0)
                body, headers = signed([event])
                try:
                    response = await client.post(url, content=body, headers=headers)
                    if response.status_code == 200:
                        ok += 1
                    else:
                        undelivered.append(event)
                except httpx.HTTPError:
                    undelivered.append(event)
                if kill_at is not None and ok >= kill_at and not killed:
                    killed = True
                    on_kill()

        await asyncio.gather(*(worker() for _ in range(16)))
    return undelivered


def test_kill9_mid_burst_loses_nothing(
    db_url: str, committing_db: sessionmaker[Session], classifier_model_path: Path, tmp_path: Path
) -> None:
    fake = start_fake_line()
    install_model(classifier_model_path, tmp_path)
    app = Madoguchi(db_url, fake.url, tmp_path)
    port = free_port()
    try:
        server = app.serve(port)
        users = [line_events.new_user_id() for _ in range(BURST)]
        base = line_events.now_ms()
        owner: dict[str, str] = {}  # reply token -> resident: a reply names no user
        events = []
        for i, uid in enumerate(users):
            token = fake.issue_reply_token(uid)
            owner[token] = uid
            events.append(line_events.text_event(uid, f"相談です {i}", reply_token=token, timestamp_ms=base + i))
        in_flight_at_kill: dict[str, int] = {}

        def kill() -> None:
            kill9(server)
            with committing_db() as s:
                in_flight_at_kill["sending"] = int(
                    s.scalar(select(func.count()).where(OutboxMessage.status == "sending")) or 0
                )

        url = f"http://127.0.0.1:{port}/callback"
        undelivered = asyncio.run(_deliver(url, events, kill_at=KILL_AFTER, on_kill=kill))
        assert in_flight_at_kill, "the server was not killed"

        app.serve(port)
        # LINE redelivers what did not get a 200.
        again = [line_events.redelivered(e) for e in undelivered]
        still = asyncio.run(_deliver(url, again, kill_at=None, on_kill=None))
        assert still == []

        def recipient(request: dict[str, Any]) -> str:
            body = request["body"]
            return body.get("to") or owner.get(body.get("replyToken", ""), "?")

        deadline = time.monotonic() + 180
        while True:
            delivered = [
                r for r in fake.requests()
                if r["status"] == 200 and r["path"] in ("/v2/bot/message/reply", "/v2/bot/message/push")
            ]
            missing = set(users) - {recipient(r) for r in delivered}
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert not missing, f"{len(missing)} residents never got an answer"

        sent = Counter(
            (recipient(r), json.dumps(r["body"]["messages"], sort_keys=True, ensure_ascii=False)) for r in delivered
        )
        duplicates = sum(n - 1 for n in sent.values() if n > 1)
        print(
            f"\nkill -9 after {KILL_AFTER} of {BURST} events answered 200: {len(undelivered)} redelivered, "
            f"{in_flight_at_kill['sending']} sends in flight at the kill, {duplicates} duplicate message(s)"
        )
        assert duplicates <= in_flight_at_kill["sending"]
    finally:
        app.stop_all()
        fake.stop()

