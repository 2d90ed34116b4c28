"""The event worker: claims stored events in per-resident order and hands them to the handlers."""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import event_store, residents
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import dispatch
from madoguchi.shared.db import unit_of_work
from madoguchi.shared.settings import Settings

log = logging.getLogger("madoguchi.worker")


class EventWorker:
    def __init__(self, factory: sessionmaker[Session], settings: Settings, *, batch: int = 16) -> None:
        self.factory = factory
        self.settings = settings
        self.batch = batch

    def run_once(self) -> int:
        """Claim and handle what is due; returns how many events were taken."""
        with unit_of_work(self.factory) as session:
            claimed = event_store.claim(session, limit=self.batch)
        for item in claimed:
            self._handle(item)
        return len(claimed)

    def _handle(self, item: event_store.Claimed) -> None:
        try:
            with unit_of_work(self.factory) as session:
                ctx = self._context(session, item.event)
                dispatch(ctx)
                event_store.finish(session, event_id=item.id)
        except Exception as exc:
            # The type and the place only: an exception message could quote resident text.
            where = traceback.extract_tb(exc.__traceback__)[-1]
            error = f"{type(exc).__name__} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}"
            with unit_of_work(self.factory) as session:
                parked = event_store.fail(
                    session, event_id=item.id, error=error, max_attempts=self.settings.event_max_attempts
                )
            if parked:
                log.error("event %s parked as failed after %s attempts: %s", item.id, item.attempts, error)
            else:
                log.warning("event %s failed (attempt %s), will retry: %s", item.id, item.attempts, error)

    def _context(self, session: Session, event: dict) -> HandlerContext:  # type: ignore[type-arg]
        source = event.get("source") or {}
        resident = None
        user_id = source.get("userId")
        if source.get("type") == "user" and user_id:
            resident, _ = residents.get_or_create(session, line_user_id=user_id)
        return HandlerContext(
            session=session,
            settings=self.settings,
            event=event,
            resident=resident,
            _reply_token=event.get("replyToken"),
        )
