"""Group commit for the webhook: the events of all requests waiting at a moment share one transaction.

Each request still gets its 200 only after the transaction holding its events
has committed. The write runs on the event loop's own thread, deliberately:
a writer thread fought the loop for the GIL around every SQLite call and
turned a 3 ms batch into hundreds of milliseconds under load. While one batch
commits, the next requests gather, and go together in the next one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import event_store
from madoguchi.shared.db import unit_of_work


class GroupCommitWriter:
    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 500) -> None:
        self.factory = factory
        self.max_batch = max_batch
        self._pending: list[tuple[list[dict[str, Any]], asyncio.Future[int]]] = []
        self._scheduled = False

    async def store(self, events: list[dict[str, Any]]) -> int:
        """Store the events durably; returns how many were new in the committed batch."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.append((events, future))
        if not self._scheduled:
            self._scheduled = True
            # After the requests already read in this turn of the loop have joined the batch.
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        while self._pending:
            batch, size = [], 0
            while self._pending and size < self.max_batch:
                item = self._pending.pop(0)
                batch.append(item)
                size += len(item[0])
            self._write(batch)

    def _write(self, batch: list[tuple[list[dict[str, Any]], asyncio.Future[int]]]) -> None:
        try:
            with unit_of_work(self.factory) as session:
                new = event_store.store(session, events=[ev for events, _ in batch for ev in events])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(new)
