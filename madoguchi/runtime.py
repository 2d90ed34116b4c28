"""Background loops (composition root): the event worker, the outbox sender and their heartbeats.

They run inside the server by default, or in `madoguchi worker` processes;
several may share PostgreSQL (claims never overlap, see bot/event_store.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from linebot.v3.messaging import AsyncMessagingApi, ShowLoadingAnimationRequest
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot.sender import OutboxSender, SenderConfig, make_api_client
from madoguchi.bot.worker import EventWorker
from madoguchi.shared import clock
from madoguchi.shared.db import unit_of_work
from madoguchi.shared.models import WorkerHeartbeat
from madoguchi.shared.settings import Settings

log = logging.getLogger("madoguchi.runtime")

HEARTBEAT_EVERY = timedelta(seconds=5)


def load_model(settings: Settings) -> Any:
    """The classifier under the configured var directory (trained first when missing)."""
    from madoguchi.classifier import load_classifier
    from madoguchi.classifier.service import MODEL_FILENAME

    classifier = load_classifier(Path(settings.var_dir) / "models" / MODEL_FILENAME)
    # The model and what loading it imported live as long as the process, and they come after the app's
    # start-up freeze: without this, each full collection walks them again (four 60 ms pauses in every
    # 36,000 messages classified, timed with gc.callbacks).
    gc.freeze()
    return classifier


class Runtime:
    def __init__(
        self,
        *,
        settings: Settings,
        factory: sessionmaker[Session],
        api_base_url: str | None,
        classifier: Any = None,
    ) -> None:
        self.settings = settings
        self.classifier = classifier
        self.factory = factory
        self.api_base_url = api_base_url
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: list[asyncio.Task[None]] = []
        self._events_wake = asyncio.Event()
        self._outbox_wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_beat: dict[str, datetime] = {}
        self._stopping = False

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._client = make_api_client(
            access_token=self.settings.channel_access_token(), base_url=self.api_base_url
        )
        self.sender = OutboxSender(
            self._client,
            self.factory,
            SenderConfig(
                give_up_after_s=self.settings.outbox_give_up_after_s,
                backoff_cap_s=self.settings.outbox_backoff_cap_s,
                quota_pause_s=self.settings.outbox_quota_pause_s,
                request_timeout_s=self.settings.line_request_timeout_s,
            ),
        )
        if self.classifier is None:
            self.classifier = await asyncio.to_thread(load_model, self.settings)
        self._api = AsyncMessagingApi(self._client)
        self.worker = EventWorker(
            self.factory, self.settings, classifier=self.classifier, show_loading=self.show_loading
        )
        if self.settings.mode == "simulator":
            self._tasks.append(asyncio.create_task(self._simulator_rich_menu()))
        self._tasks += [
            asyncio.create_task(self._loop_forever("events", self._events_step, self._events_wake)),
            asyncio.create_task(self._loop_forever("outbox", self._outbox_step, self._outbox_wake)),
        ]

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._client.close()

    def show_loading(self, user_id: str, seconds: int) -> None:
        """LINE's loading animation, from the worker's thread; best effort, never waited for."""
        if self._loop is None or self._stopping:
            return
        asyncio.run_coroutine_threadsafe(self._show_loading(user_id, seconds), self._loop)

    async def _show_loading(self, user_id: str, seconds: int) -> None:
        try:
            await self._api.show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds),
                _request_timeout=self.settings.line_request_timeout_s,
            )
        except Exception as exc:
            log.info("loading animation not shown: %s", type(exc).__name__)

    async def _simulator_rich_menu(self) -> None:
        """In simulator mode the built-in fake starts empty: give it madoguchi's rich menu."""
        from madoguchi.bot import richmenu

        try:
            await richmenu.ensure_default(self._api, self._client)
        except Exception as exc:
            log.warning("rich menu not set in the simulator: %s", type(exc).__name__)

    def wake(self) -> None:
        """New events were stored (callable from any thread)."""
        if self._loop is not None and not self._stopping:
            self._loop.call_soon_threadsafe(self._events_wake.set)

    async def _events_step(self) -> int:
        n = await asyncio.to_thread(self.worker.run_once)
        if n:
            self._outbox_wake.set()
        return n

    async def _outbox_step(self) -> int:
        return await self.sender.run_once()

    async def _loop_forever(self, kind: str, step, wake: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
        poll = self.settings.worker_poll_s
        while True:
            try:
                n = await step()
                await asyncio.to_thread(self._heartbeat, kind)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not kill the loop; the row stays and is claimed again.
                log.exception("%s loop step failed", kind)
                n = 0
                await asyncio.sleep(1.0)
            if n == 0:
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=poll)

    def _heartbeat(self, kind: str) -> None:
        now = clock.now()
        last = self._last_beat.get(kind)
        if last is not None and now - last < HEARTBEAT_EVERY:
            return
        self._last_beat[kind] = now
        with unit_of_work(self.factory) as session:
            name = f"{kind}@{self.name}"
            beat = session.get(WorkerHeartbeat, name)
            if beat is None:
                session.add(WorkerHeartbeat(name=name, beat_at=now))
            else:
                beat.beat_at = now
