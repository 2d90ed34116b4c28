"""The rich menu: drawn with a Japanese font, created and set as default through the real SDK."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from linebot.v3.messaging import AsyncMessagingApi

from madoguchi.bot import richmenu
from madoguchi.bot.sender import make_api_client
from tests.bot.fake_line_server import FakeLine


def test_the_image_is_drawn_with_a_japanese_font() -> None:
    from PIL import Image

    font = richmenu.find_japanese_font()
    image = Image.open(io.BytesIO(richmenu.build_image(font)))
    assert image.size == (2500, 843) and image.format == "PNG"


def test_a_missing_font_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(richmenu.shutil, "which", lambda name: None)
    monkeypatch.setattr(richmenu, "FONT_DIRS", (str(Path("/nonexistent")),))
    with pytest.raises(richmenu.FontMissing, match="fonts-noto-cjk"):
        richmenu.find_japanese_font()


def test_the_menu_is_created_and_made_the_default(fake_line: FakeLine) -> None:
    async def run() -> str:
        client = make_api_client(access_token=fake_line.token, base_url=fake_line.url)
        try:
            return await richmenu.ensure_default(AsyncMessagingApi(client), client)
        finally:
            await client.close()

    menu_id = asyncio.run(run())
    menu = fake_line.state.default_rich_menu()
    assert menu is not None and menu.rich_menu_id == menu_id and menu.image
    labels = [a["action"]["label"] for a in menu.body["areas"]]
    assert labels == ["相談する", "人と話したい", "窓口をさがす", "使い方・データ削除"]


def test_the_command_sets_the_menu(fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from madoguchi.cli import main
    from madoguchi.shared.settings import get_settings

    monkeypatch.setenv("LINE_CHANNEL_SECRET", "s" * 32)
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", fake_line.token)
    monkeypatch.setenv("LINE_API_BASE_URL", fake_line.url)
    monkeypatch.setenv("MADOGUCHI_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert main(["line", "richmenu", "--image-out", str(tmp_path / "menu.png")]) == 0
    finally:
        get_settings.cache_clear()
    assert fake_line.state.default_rich_menu() is not None
    assert (tmp_path / "menu.png").read_bytes().startswith(b"\x89PNG")
