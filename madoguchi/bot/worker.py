"""The event worker: claims stored events in per-resident order and hands them to the handlers."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import event_store, residents
from madoguchi.bot.context import HandlerContext
from madoguchi.bot.handlers import dispatch
from madoguchi.shared.db import unit_of_work
from madoguchi.shared.settings import Settings

log = logging.getLogger("madoguchi.worker")


def describe_failure(exc: BaseException) -> str:
    """The exception type and the deepest frame of our own code: enough to find the bug, no data."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/madoguchi/" in f.filename and "/site-packages/" not in f.filename]
    where = (ours or frames)[-1] if frames else None
    place = f" at {where.filename.rsplit('/madoguchi/', 1)[-1]}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}{place}"


class EventWorker:
    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        *,
        batch: int = 16,
        classifier: Any = None,
        show_loading: Callable[[str, int], None] | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.batch = batch
        self._classifier = classifier
        self.show_loading = show_loading

    @property
    def classifier(self) -> Any:
        """The loaded model (loaded here on first use when the runtime did not pass one)."""
        if self._classifier is None:
            from madoguchi.classifier import load_classifier
            from madoguchi.classifier.service import MODEL_FILENAME

            self._classifier = load_classifier(Path(self.settings.var_dir) / "models" / MODEL_FILENAME)
        return self._classifier

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
                ctx = self._context(session, item)
                dispatch(ctx)
                if ctx.defer_until is not None:
                    # The coalescing window is still open: nothing was answered, the event waits.
                    event_store.defer(session, event_id=item.id, until=ctx.defer_until, seen=ctx.defer_seen)
                else:
                    event_store.finish(session, event_id=item.id)
                    for later_id in ctx.consumed_event_ids:
                        event_store.finish(session, event_id=later_id)
        except Exception as exc:
            # The type and the place only: an exception message could quote resident text.
            error = describe_failure(exc)
            with unit_of_work(self.factory) as session:
                parked = event_store.fail(
                    session, event_id=item.id, error=error, max_attempts=self.settings.event_max_attempts
                )
            if parked:
                log.error("event %s parked as failed after %s attempts: %s", item.id, item.attempts, error)
            else:
                log.warning("event %s failed (attempt %s), will retry: %s", item.id, item.attempts, error)

    def _context(self, session: Session, item: event_store.Claimed) -> HandlerContext:
        event = item.event
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
            classifier=self.classifier if event.get("type") == "message" else self._classifier,
            show_loading=self.show_loading,
            event_id=item.id,
            received_at=item.received_at,
            deferred_before=item.deferred,
        )
