"""The simulator against madoguchi itself (simulator mode: no LINE credentials), in Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.app import create_app
from madoguchi.knowledge.demo import load_demo
from madoguchi.shared.settings import Settings
from tests.bot.fake_line_server import bind_free_port, serve_app
from tests.conftest import TEST_DATA_KEY

pytestmark = pytest.mark.browser


@pytest.fixture
def simulator_app(
    db_url: str, committing_db: sessionmaker[Session], tmp_path: Any, monkeypatch: pytest.MonkeyPatch, classifier: Any
) -> Iterator[str]:
    sock = bind_free_port()
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", str(sock.getsockname()[1]))
    settings = Settings(
        database_url=db_url,
        madoguchi_data_key=TEST_DATA_KEY,
        MADOGUCHI_VAR_DIR=str(tmp_path / "var"),
        MADOGUCHI_WORKER_POLL_S=0.05,
    )
    assert settings.mode == "simulator"
    with committing_db() as s, s.begin():
        load_demo(s)
    app = create_app(settings, run_worker=True, classifier=classifier)
    with serve_app(app, sock=sock) as url:
        yield url
    app.state.fake_line.assert_all_valid()


def test_a_resident_follows_types_and_sees_madoguchis_answer(simulator_app: str, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(simulator_app + "/simulator")
    page.get_by_role("button", name="＋ 新しい住民（友だち追加）").click()
    bot = page.locator("#chat li.bot .message")
    expect(bot.first).to_contain_text("匿名で相談できる窓口")
    page.get_by_label("メッセージ").fill("<b>家賃</b>が払えません")
    page.get_by_label("メッセージ").press("Enter")
    expect(page.locator("#chat li.resident .message").last).to_have_text("<b>家賃</b>が払えません")
    expect(bot.last).to_contain_text("電話番号")  # the places for the worry, numbers in plain text last
    expect(page.locator("#chat .flex-bubble").first).to_be_visible()
    assert errors == []


def test_a_crisis_message_shows_the_crisis_lines_as_the_first_answer(simulator_app: str, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(simulator_app + "/simulator")
    page.get_by_role("button", name="＋ 新しい住民（友だち追加）").click()
    bot = page.locator("#chat li.bot")
    expect(bot).to_have_count(2)  # greeting and the privacy notice
    # The rich menu madoguchi set in the simulator's LINE at start.
    expect(page.locator("#rich-menu").get_by_role("button", name="人と話したい")).to_be_visible()
    page.get_by_label("メッセージ").fill("もう死にたい")
    page.get_by_label("メッセージ").press("Enter")
    expect(bot).to_have_count(5)
    first_answer = bot.nth(2)
    expect(first_answer).to_contain_text("心配")
    lines = bot.nth(3)
    expect(lines.locator(".flex-bubble").first).to_contain_text("よりそいホットライン")
    expect(lines.get_by_role("button", name="電話する").first).to_be_visible()
    expect(bot.nth(4)).to_contain_text("110")
