"""The fake LINE platform's memory: what it received, what each resident sees, and the faults it will play.

One `FakeLineState` per fake. Everything is in memory and guarded by a lock, because tests read it from
their own thread while uvicorn serves the fake in another.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["500", "429", "quota", "delay", "drop", "drop_after_accept"]
REPLY_TOKEN_TTL_S = 60.0
RETRY_KEY_TTL_S = 24 * 3600.0
QUOTA_MESSAGE = "You have reached your monthly limit."


def new_user_id() -> str:
    """A LINE-like user id: U + 32 hex digits."""
    return "U" + secrets.token_hex(16)


def new_message_id() -> str:
    return str(secrets.randbelow(9 * 10**17) + 10**17)


def new_quote_token() -> str:
    return secrets.token_urlsafe(48)


def new_request_id() -> str:
    return str(uuid.uuid4())


@dataclass
class RecordedRequest:
    """One request as the fake received it and answered it."""

    seq: int
    at: float
    method: str
    path: str
    operation_id: str | None
    authorization: str | None
    retry_key: str | None
    body: Any
    valid: bool
    problems: list[dict[str, str]]
    status: int | None
    response: Any
    request_id: str
    fault: str | None = None
    # Set by take_invalid_requests(): a test that sent it on purpose has looked at it.
    expected: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChatEntry:
    """One message in a resident's chat, as the resident sees it (both directions)."""

    seq: int
    at: float
    sender: Literal["resident", "bot"]
    via: str  # reply | push | resident
    message: dict[str, Any]
    message_id: str
    request_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReplyToken:
    user_id: str
    issued_at: float
    ttl_s: float
    used: bool = False


@dataclass
class AcceptedRetryKey:
    accepted_at: float
    request_id: str
    sent_messages: list[dict[str, str]]


@dataclass
class Fault:
    """A fault the fake plays on the next `remaining` matching requests (None: until cleared)."""

    kind: FaultKind
    remaining: int | None = 1
    path: str | None = None  # a path prefix under /v2/..., e.g. /v2/bot/message/push
    retry_after: int | None = None  # for 429
    seconds: float = 0.0  # for delay

    def matches(self, path: str) -> bool:
        return self.remaining != 0 and (self.path is None or path.startswith(self.path))


class InvalidRequestsError(AssertionError):
    pass


@dataclass
class RichMenu:
    rich_menu_id: str
    body: dict[str, Any]
    image: bytes | None = None
    image_type: str | None = None


class FakeLineState:
    """In-memory state of one fake LINE platform. Direct calls here and the `/_fake/...` API are equivalent."""

    def __init__(
        self,
        *,
        access_token: str | None = None,
        reply_token_ttl_s: float = REPLY_TOKEN_TTL_S,
        clock: Callable[[], float] = time.time,
        bot_user_id: str | None = None,
    ):
        # None accepts any bearer token; a string must match exactly.
        self.access_token = access_token
        self.reply_token_ttl_s = reply_token_ttl_s
        self.clock = clock
        self.bot_user_id = bot_user_id or new_user_id()
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.reset()

    def reset(self) -> None:
        """Forget everything received and every fault; keep the token, the clock and the bot's id."""
        with self.lock:
            self.requests: list[RecordedRequest] = []
            self.chats: dict[str, list[ChatEntry]] = {}
            self.reply_tokens: dict[str, ReplyToken] = {}
            self.retry_keys: dict[str, AcceptedRetryKey] = {}
            self.faults: list[Fault] = []
            self.blocked: set[str] = set()
            self.profiles: dict[str, str] = {}
            self.quota_limit: int | None = None
            self.quota_used = 0
            self.quota_exhausted = False
            self.rich_menus: dict[str, RichMenu] = {}
            self.default_rich_menu_id: str | None = None
            self.loading: list[dict[str, Any]] = []
            self.left_chats: list[str] = []
            self._seq = 0
            self._changed.notify_all()

    def next_seq(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    def notify(self) -> None:
        with self.lock:
            self._changed.notify_all()

    # --- what was received ------------------------------------------------------------

    @property
    def invalid_requests(self) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if not r.valid]

    def take_invalid_requests(self) -> list[RecordedRequest]:
        """The invalid requests so far, marked as expected (for tests that send them on purpose)."""
        with self.lock:
            bad = [r for r in self.requests if not r.valid and not r.expected]
            for r in bad:
                r.expected = True
            return bad

    def assert_all_valid(self) -> None:
        """Fail (AssertionError) if any request the fake received broke the spec or LINE's limits."""
        with self.lock:
            bad = [r for r in self.requests if not r.valid and not r.expected]
        if bad:
            lines = [f"{r.method} {r.path} -> {r.status}: {r.problems}" for r in bad[:10]]
            raise InvalidRequestsError(f"{len(bad)} invalid request(s) reached the fake LINE API:\n" + "\n".join(lines))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def chat(self, user_id: str) -> list[ChatEntry]:
        """Everything in this resident's chat, in order: their own messages and the bot's."""
        with self.lock:
            return list(self.chats.get(user_id, []))

    def sent_to(self, user_id: str) -> list[dict[str, Any]]:
        """The bot's message objects that reached this resident, in order."""
        return [e.message for e in self.chat(user_id) if e.sender == "bot"]

    def texts_to(self, user_id: str) -> list[str]:
        return [m.get("text") or m.get("altText", "") for m in self.sent_to(user_id)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block (a test thread) until predicate() is true or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    def wait_for_messages(self, user_id: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The bot's messages to this resident once there are at least `count` (AssertionError otherwise)."""
        if not self.wait_for(lambda: len(self.sent_to(user_id)) >= count, timeout):
            raise AssertionError(f"expected {count} message(s) to the resident, got {len(self.sent_to(user_id))}")
        return self.sent_to(user_id)

    # --- residents (driven by the simulator and the tests) ------------------------------

    def issue_reply_token(self, user_id: str, *, ttl_s: float | None = None, token: str | None = None) -> str:
        """Register a reply token for a webhook event to this resident (as LINE issues one per event)."""
        token = token or secrets.token_hex(16)
        with self.lock:
            self.reply_tokens[token] = ReplyToken(
                user_id, self.clock(), self.reply_token_ttl_s if ttl_s is None else ttl_s
            )
        return token

    def record_resident_message(self, user_id: str, message: dict[str, Any], *, message_id: str | None = None) -> str:
        """Put the resident's own message in their chat log (the simulator shows both sides)."""
        message_id = message_id or new_message_id()
        with self.lock:
            self.chats.setdefault(user_id, []).append(
                ChatEntry(self.next_seq(), self.clock(), "resident", "resident", message, message_id)
            )
            self._changed.notify_all()
        return message_id

    def set_blocked(self, user_id: str, blocked: bool = True) -> None:
        """A resident who blocked the account receives nothing (push still answers 200, as LINE does)."""
        with self.lock:
            (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def set_profile(self, user_id: str, display_name: str) -> None:
        with self.lock:
            self.profiles[user_id] = display_name

    # --- faults -------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def fail_next(self, count: int | None = 1, *, path: str | None = None) -> Fault:
        """The next `count` matching requests answer 500."""
        return self.add_fault(Fault("500", count, path))

    def rate_limit_next(
        self, count: int | None = 1, *, retry_after: int | None = None, path: str | None = None
    ) -> Fault:
        """The next `count` matching requests answer 429 (with Retry-After when given)."""
        return self.add_fault(Fault("429", count, path, retry_after=retry_after))

    def delay_next(self, count: int | None = 1, *, seconds: float, path: str | None = None) -> Fault:
        return self.add_fault(Fault("delay", count, path, seconds=seconds))

    def drop_next(self, count: int | None = 1, *, path: str | None = None, after_accept: bool = False) -> Fault:
        """Close the connection without an answer; with after_accept, only after delivering the message."""
        return self.add_fault(Fault("drop_after_accept" if after_accept else "drop", count, path))

    def exhaust_quota(self) -> None:
        """Pushes answer 429 'monthly limit' until restore_quota(); replies still work."""
        with self.lock:
            self.quota_exhausted = True

    def restore_quota(self) -> None:
        with self.lock:
            self.quota_exhausted = False
            self.quota_used = 0

    def set_quota_limit(self, limit: int | None) -> None:
        """Pushes count against `limit` per month; at the limit they answer 429 like exhaust_quota()."""
        with self.lock:
            self.quota_limit = limit

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def quota_is_exhausted(self) -> bool:
        with self.lock:
            return self.quota_exhausted or (self.quota_limit is not None and self.quota_used >= self.quota_limit)

    def take_fault(self, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """Consume one use of the first active fault of these kinds that matches the path."""
        with self.lock:
            for fault in self.faults:
                if fault.kind in kinds and fault.matches(path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # --- rich menu ---------------------------------------------------------------------

    def default_rich_menu(self) -> RichMenu | None:
        with self.lock:
            return self.rich_menus.get(self.default_rich_menu_id) if self.default_rich_menu_id else None

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": len(self.requests),
                "invalid": len(self.invalid_requests),
                "residents": len(self.chats),
                "reply_tokens": len(self.reply_tokens),
                "faults": [asdict(f) for f in self.faults if f.remaining != 0],
                "quota": {"limit": self.quota_limit, "used": self.quota_used, "exhausted": self.quota_is_exhausted()},
                "default_rich_menu_id": self.default_rich_menu_id,
                "bot_user_id": self.bot_user_id,
            }
