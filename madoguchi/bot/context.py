"""What a handler gets: the event, the resident, a session, and a way to answer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from madoguchi.bot import outbox
from madoguchi.bot.models import Resident
from madoguchi.shared.settings import Settings

if TYPE_CHECKING:
    from madoguchi.classifier import Classifier

# LINE keeps a reply token about a minute, and up to 20 minutes for a redelivered event.
REDELIVERY_TOKEN_TTL = timedelta(minutes=19)


@dataclass
class HandlerContext:
    session: Session
    settings: Settings
    event: dict[str, Any]
    resident: Resident | None
    _reply_token: str | None = field(default=None, repr=False)
    classifier: Classifier | None = None
    # Best effort, not a message: LINE's loading animation in the resident's chat (chat id, seconds).
    show_loading: Callable[[str, int], None] | None = None
    # The stored event's row id and when it arrived (the coalescing window counts from arrivals).
    event_id: int | None = None
    received_at: datetime | None = None
    deferred_before: bool = False
    # Set by a handler: do not finish the event now, look at it again at this time (coalescing window).
    defer_until: datetime | None = None
    # With defer_until: how many later events of the resident this handling read (more wakes it at once).
    defer_seen: int = 0
    # Later stored events of the same resident that this handling read too (deleted with this one).
    consumed_event_ids: list[int] = field(default_factory=list)
    # Bot messages queued through answer() join this conversation's thread.
    conversation_id: int | None = None
    # The event whose reply token answer() uses (the freshest of a coalesced group).
    _token_event: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def event_type(self) -> str:
        return str(self.event.get("type", ""))

    @property
    def message(self) -> dict[str, Any]:
        return self.event.get("message") or {}

    @property
    def event_time(self) -> datetime:
        return datetime.fromtimestamp(int(self.event.get("timestamp", 0)) / 1000, UTC)

    @property
    def is_standby(self) -> bool:
        return self.event.get("mode") == "standby"

    def take_reply_token(self) -> tuple[str | None, datetime | None]:
        """The event's reply token, once (it is single use); with the time it was issued."""
        token, self._reply_token = self._reply_token, None
        if token is None:
            return None, None
        source = self._token_event or self.event
        issued = datetime.fromtimestamp(int(source.get("timestamp", 0)) / 1000, UTC)
        if (source.get("deliveryContext") or {}).get("isRedelivery"):
            issued += REDELIVERY_TOKEN_TTL - outbox.REPLY_TOKEN_TTL
        return token, issued

    def use_reply_token_of(self, event: dict[str, Any]) -> None:
        """Answer with this (later, fresher) event's reply token instead."""
        self._reply_token = event.get("replyToken")
        self._token_event = event

    def answer(self, messages: list[dict[str, Any]]) -> None:
        """Queue messages to the resident: by reply while the token is fresh and unused, else push."""
        if self.resident is None or not messages:
            return
        token, issued = self.take_reply_token()
        outbox.enqueue(
            self.session,
            resident=self.resident,
            messages=messages,
            reply_token=token,
            received_at=issued,
            conversation_id=self.conversation_id,
        )

    def loading(self, seconds: int = 10) -> None:
        """Start LINE's loading animation before slow work (one-to-one chats only; failures ignored)."""
        user_id = (self.event.get("source") or {}).get("userId")
        if self.show_loading is not None and user_id and not self.is_standby:
            with contextlib.suppress(Exception):
                self.show_loading(user_id, seconds)
