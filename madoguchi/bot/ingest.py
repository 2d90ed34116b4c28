"""Group commit for the webhook: one writer thread stores the events of many requests per transaction.

Each request still gets its 200 only after the transaction holding its events
has committed. One writer and one commit for a burst, instead of one contended
write lock and one commit per request, is what lets SQLite keep up with LINE.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import event_store
from madoguchi.shared.db import unit_of_work

_Item = tuple[list[dict[str, Any]], asyncio.Future[int], asyncio.AbstractEventLoop]


class GroupCommitWriter:
    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 500) -> None:
        self.factory = factory
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def store(self, events: list[dict[str, Any]]) -> int:
        """Store the events durably; returns how many were new across the committed batch."""
        self._ensure_thread()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._queue.put((events, future, loop))
        return await future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="webhook-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            size = len(first[0])
            while size < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
                size += len(item[0])
            self._write(batch)

    def _write(self, batch: list[_Item]) -> None:
        try:
            with unit_of_work(self.factory) as session:
                new = event_store.store(session, events=[ev for events, _, _ in batch for ev in events])
        except Exception as exc:
            for _, future, loop in batch:
                loop.call_soon_threadsafe(_set_exception, future, exc)
            return
        for _, future, loop in batch:
            loop.call_soon_threadsafe(_set_result, future, new)


def _set_result(future: asyncio.Future[int], value: int) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future[int], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
