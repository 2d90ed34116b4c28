"""What a handler gets: the event, the resident, a session, and a way to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from madoguchi.bot import outbox
from madoguchi.bot.models import Resident
from madoguchi.shared.settings import Settings

# LINE keeps a reply token about a minute, and up to 20 minutes for a redelivered event.
REDELIVERY_TOKEN_TTL = timedelta(minutes=19)


@dataclass
class HandlerContext:
    session: Session
    settings: Settings
    event: dict[str, Any]
    resident: Resident | None
    _reply_token: str | None = field(default=None, repr=False)

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
        issued = self.event_time
        if (self.event.get("deliveryContext") or {}).get("isRedelivery"):
            issued += REDELIVERY_TOKEN_TTL - outbox.REPLY_TOKEN_TTL
        return token, issued

    def answer(self, messages: list[dict[str, Any]]) -> None:
        """Queue messages to the resident: by reply while the token is fresh and unused, else push."""
        if self.resident is None or not messages:
            return
        token, issued = self.take_reply_token()
        outbox.enqueue(self.session, resident=self.resident, messages=messages, reply_token=token, received_at=issued)
