"""A resident talking to madoguchi through the real webhook, worker and outbox, against the fake LINE API.

    def test_x(town):                      # the bot with the demo knowledge base loaded
        r = Resident(town)
        r.say("家賃が払えません")
        ack, places, numbers = r.next(3)   # the bot's next three messages, in order
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from madoguchi.bot import compose
from madoguchi.bot.models import Conversation, Message
from madoguchi.bot.models import Resident as ResidentRow
from madoguchi.bot.simulator import events as line_events
from madoguchi.bot.simulator.events import new_user_id
from madoguchi.shared import clock
from tests.bot.bot_server import BotServer

TOKYO = ZoneInfo("Asia/Tokyo")


def now_ms() -> int:
    return int(clock.now().timestamp() * 1000)


@contextmanager
def clock_at(local: datetime) -> Iterator[None]:
    """Our clock starts at this Tokyo time and runs on at real speed (the window and retries still work)."""
    start = local.replace(tzinfo=TOKYO).astimezone(UTC)
    origin = time.monotonic()
    clock.set_source(lambda: start + timedelta(seconds=time.monotonic() - origin))
    try:
        yield
    finally:
        clock.set_source(None)


def text_of(message: dict[str, Any]) -> str:
    """What the resident reads of a message: its text, or a Flex/template's alt text and every text in it."""
    if message["type"] == "text":
        return message["text"]
    parts = [message.get("altText", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and "text" in node:
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("contents") or message.get("template"))
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action in a message (Flex buttons, template actions)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "action" in node and isinstance(node["action"], dict):
                found.append(node["action"])
            for key, value in node.items():
                if key != "quickReply":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message)
    if message.get("type") == "template":
        found += message["template"].get("actions", [])
    return found


def quick_labels(message: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in (message.get("quickReply") or {}).get("items", [])]


class Resident:
    def __init__(self, bot: BotServer, uid: str | None = None) -> None:
        self.bot = bot
        self.uid = uid or new_user_id()
        self.seen = 0

    # --- what the resident does ---------------------------------------------------------

    def say(self, text: str) -> dict[str, Any]:
        event = line_events.text_event(
            self.uid, text, reply_token=self.bot.fake.state.issue_reply_token(self.uid), timestamp_ms=now_ms()
        )
        self.bot.send(event)
        return event

    def tap(self, action: str, display: str = "", **params: Any) -> dict[str, Any]:
        event = line_events.postback_event(
            self.uid, compose.postback_data(action, **params),
            reply_token=self.bot.fake.state.issue_reply_token(self.uid), timestamp_ms=now_ms(),
        )
        self.bot.send(event)
        return event

    def follow(self, *, unblocked: bool = False) -> None:
        self.bot.send(line_events.follow_event(
            self.uid, reply_token=self.bot.fake.state.issue_reply_token(self.uid), unblocked=unblocked,
            timestamp_ms=now_ms(),
        ))

    def unfollow(self) -> None:
        self.bot.send(line_events.unfollow_event(self.uid, timestamp_ms=now_ms()))

    def send(self, event: dict[str, Any]) -> None:
        self.bot.send(event)

    # --- what the resident receives ------------------------------------------------------

    def next(self, count: int, timeout: float = 8.0) -> list[dict[str, Any]]:
        """The bot's next `count` messages (fails if they do not arrive)."""
        got = self.bot.fake.state.wait_for_messages(self.uid, self.seen + count, timeout=timeout)
        new = got[self.seen : self.seen + count]
        self.seen += count
        return new

    def nothing_more(self, wait: float = 0.8) -> None:
        time.sleep(wait)
        extra = self.bot.fake.state.sent_to(self.uid)[self.seen :]
        assert extra == [], f"unexpected messages: {[text_of(m)[:60] for m in extra]}"

    def received(self) -> list[dict[str, Any]]:
        return self.bot.fake.state.sent_to(self.uid)

    # --- what the database holds ---------------------------------------------------------

    def row(self) -> ResidentRow | None:
        from madoguchi.bot import residents

        with self.bot.factory() as s:
            return residents.find(s, line_user_id=self.uid)

    def conversations(self) -> list[Conversation]:
        row = self.row()
        assert row is not None
        with self.bot.factory() as s:
            return list(s.scalars(select(Conversation).where(Conversation.resident_id == row.id)
                                  .order_by(Conversation.id)))

    def conversation(self) -> Conversation:
        return self.conversations()[-1]

    def messages(self, sender: str = "resident") -> list[Message]:
        row = self.row()
        assert row is not None
        with self.bot.factory() as s:
            return list(s.scalars(select(Message).where(Message.resident_id == row.id, Message.sender == sender)
                                  .order_by(Message.id)))


def wait_until(predicate: Any, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.03)
    raise AssertionError("condition not met in time")
