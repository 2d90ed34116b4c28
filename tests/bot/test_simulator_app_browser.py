"""The simulator against madoguchi itself (simulator mode: no LINE credentials), in Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.app import create_app
from madoguchi.shared.settings import Settings
from tests.bot.fake_line_server import bind_free_port, serve_app
from tests.conftest import TEST_DATA_KEY

pytestmark = pytest.mark.browser


@pytest.fixture
def simulator_app(
    db_url: str, committing_db: sessionmaker[Session], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
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
    app = create_app(settings, run_worker=True)
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
    expect(bot.last).to_contain_text("受け取りました")
    assert errors == []
