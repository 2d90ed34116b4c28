"""Several web processes and several worker processes on one database (PostgreSQL in production; SQLite too).

No event is handled twice or skipped, and each resident's events are handled in the order they were sent,
while events arrive out of order, spread over the web processes.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot.models import Message, Resident, WebhookEvent, WebhookReceipt
from madoguchi.bot.simulator import events as line_events
from tests.conftest import install_model
from tests.slow.processes import Madoguchi, free_port, signed, start_fake_line

pytestmark = pytest.mark.slow

RESIDENTS = 30
PER_RESIDENT = 10


async def _post_all(urls: list[str], batches: list[list[dict]]) -> None:  # type: ignore[type-arg]
    async with httpx.AsyncClient(timeout=10) as client:
        semaphore = asyncio.Semaphore(16)

        async def one(i: int, batch: list[dict]) -> None:  # type: ignore[type-arg]
            body, headers = signed(batch)
            async with semaphore:
                response = await client.post(urls[i % len(urls)], content=body, headers=headers)
            assert response.status_code == 200

        await asyncio.gather(*(one(i, b) for i, b in enumerate(batches)))


def test_web_and_worker_processes_share_one_database_without_double_or_missed_handling(
    db_url: str, committing_db: sessionmaker[Session], classifier_model_path: Path, tmp_path: Path
) -> None:
    fake = start_fake_line()
    install_model(classifier_model_path, tmp_path)
    app = Madoguchi(db_url, fake.url, tmp_path)
    ports = [free_port(), free_port()]
    try:
        # Two web processes without workers, and three worker processes.
        for port in ports:
            app.serve(port, "--no-worker")
        for _ in range(3):
            app.worker()
        base = line_events.now_ms()
        users = [line_events.new_user_id() for _ in range(RESIDENTS)]
        # Each resident agrees to the privacy notice first (so their texts are kept), then writes.
        events = [line_events.postback_event(uid, "a=consent", timestamp_ms=base - 1000) for uid in users] + [
            line_events.text_event(uid, f"{n:02d}", reply_token=None, timestamp_ms=base + n * 10)
            for uid in users
            for n in range(PER_RESIDENT)
        ]
        random.Random(7).shuffle(events)  # out of order, and spread over both web processes
        batches = [events[i : i + 3] for i in range(0, len(events), 3)]
        asyncio.run(_post_all([f"http://127.0.0.1:{p}/callback" for p in ports], batches))

        total = RESIDENTS * PER_RESIDENT
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with committing_db() as s:
                handled = s.scalar(select(func.count()).where(Message.sender == "resident"))
                left = s.scalar(select(func.count()).select_from(WebhookEvent))
            if handled >= total and left == 0:
                break
            time.sleep(0.5)
        with committing_db() as s:
            assert s.scalar(select(func.count()).select_from(WebhookReceipt)) == total + RESIDENTS
            assert s.scalar(select(func.count()).select_from(WebhookEvent)) == 0  # none left, none parked
            for resident in s.scalars(select(Resident)):
                texts = [
                    m.body
                    for m in s.scalars(
                        select(Message)
                        .where(Message.resident_id == resident.id, Message.sender == "resident")
                        .order_by(Message.id)
                    )
                ]
                # Each event handled exactly once, in the order the resident sent them.
                assert texts == [f"{n:02d}" for n in range(PER_RESIDENT)]
        fake.assert_all_valid()
    finally:
        app.stop_all()
        fake.stop()
