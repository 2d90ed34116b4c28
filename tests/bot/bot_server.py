"""The real madoguchi app served on a port, its worker running, talking to the fake LINE API.

    def test_x(bot):                       # fixture (re-exported by tests/bot/conftest.py)
        uid = new_user_id()
        bot.say(uid, "こんにちは")           # a signed text event with a fresh reply token, through /callback
        bot.fake.state.wait_for_messages(uid, 1)

Retries are sped up (backoff cap, quota pause and poll interval in tenths of a second), so fault
tests run in seconds; nothing of our own code is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.app import create_app
from madoguchi.bot.simulator import events as line_events
from madoguchi.shared.settings import Settings
from tests.bot.fake_line_server import FakeLine, serve_app
from tests.conftest import TEST_DATA_KEY

CHANNEL_SECRET = "bot-test-channel-secret"


@dataclass
class BotServer:
    url: str
    fake: FakeLine
    settings: Settings
    factory: sessionmaker[Session]

    def post(self, events: list[dict[str, Any]]) -> httpx.Response:
        body = line_events.webhook_body(events)
        return httpx.post(
            f"{self.url}/callback",
            content=body,
            headers={"x-line-signature": line_events.sign(body, CHANNEL_SECRET), "content-type": "application/json"},
            timeout=10,
        )

    def send(self, *events: dict[str, Any]) -> None:
        response = self.post(list(events))
        assert response.status_code == 200, response.text

    def say(self, user_id: str, text: str, **kwargs: Any) -> dict[str, Any]:
        """The resident sends text (with a reply token the fake knows); returns the event."""
        event = line_events.text_event(user_id, text, reply_token=self.fake.state.issue_reply_token(user_id), **kwargs)
        self.send(event)
        return event

    def follow(self, user_id: str) -> dict[str, Any]:
        event = line_events.follow_event(user_id, reply_token=self.fake.state.issue_reply_token(user_id))
        self.send(event)
        return event


def bot_settings(db_url: str, fake_url: str, tmp_path: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "line_channel_secret": CHANNEL_SECRET,
        "line_channel_access_token": "fake-line-test-token",
        "line_api_base_url": fake_url,
        "madoguchi_secret_key": "s" * 32,
        "madoguchi_data_key": TEST_DATA_KEY,
        "MADOGUCHI_VAR_DIR": str(tmp_path),
        "MADOGUCHI_OUTBOX_BACKOFF_CAP_S": 0.2,
        "MADOGUCHI_OUTBOX_QUOTA_PAUSE_S": 0.5,
        "MADOGUCHI_WORKER_POLL_S": 0.05,
        "MADOGUCHI_LINE_TIMEOUT_S": 2.0,
        # Short, so conversations read fragments together without slowing the suite (one test uses 3 s).
        "MADOGUCHI_COALESCE_WINDOW_S": 0.3,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def classifier(classifier_model_path: Path) -> Any:
    """The run's one trained model, loaded once (training takes a while; never per test)."""
    from madoguchi.classifier import Classifier

    return Classifier.load(classifier_model_path)


@contextmanager
def running_bot(
    db_url: str, factory: sessionmaker[Session], fake: FakeLine, tmp_path: Any, classifier: Any, **overrides: Any
) -> Iterator[BotServer]:
    settings = bot_settings(db_url, fake.url, tmp_path, **overrides)
    app = create_app(settings, run_worker=True, classifier=classifier)
    with serve_app(app) as url:
        yield BotServer(url, fake, settings, factory)


@pytest.fixture
def bot(
    db_url: str, committing_db: sessionmaker[Session], fake_line: FakeLine, tmp_path: Any, classifier: Any
) -> Iterator[BotServer]:
    with running_bot(db_url, committing_db, fake_line, tmp_path, classifier) as server:
        yield server
