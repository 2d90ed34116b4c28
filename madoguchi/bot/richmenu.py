"""The rich menu: 相談する, 人と話したい, 窓口をさがす, 使い方・データ削除.

Its image is drawn here with Pillow and a Japanese font found at run time (fonts-noto-cjk; `fc-match`,
then a search of the usual font folders). `madoguchi line richmenu` creates it and makes it the default;
in simulator mode the runtime gives it to the built-in fake at start.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

from madoguchi.bot import compose

WIDTH, HEIGHT = 2500, 843
NAME = "madoguchi-main"
CHAT_BAR_TEXT = "メニュー"
# (label, sub-label, postback action, what the resident's chat shows when tapped)
ITEMS = [
    ("相談する", "困りごとを送る", "start", "相談したい"),
    ("人と話したい", "相談員につなぐ", "talk", "人と話したい"),
    ("窓口をさがす", "テーマからさがす", "topics", "窓口をさがしたい"),
    ("使い方", "データ削除", "howto", "使い方・データ削除"),
]
AREA_LABELS = ["相談する", "人と話したい", "窓口をさがす", "使い方・データ削除"]
COLORS = ["#2E7D5B", "#E07A2E", "#2F6DB5", "#6B6B6B"]
FONT_CANDIDATES = ("Noto Sans CJK JP:style=Bold", "Noto Sans CJK JP", "Noto Sans JP", "IPAGothic", "TakaoGothic")
FONT_FILES = ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJK*.ttc", "*CJK*JP*.otf", "ipag*.ttf")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))


class FontMissing(RuntimeError):
    pass


def find_japanese_font() -> Path:
    """A font file that draws Japanese; FontMissing saying how to install one otherwise."""
    if shutil.which("fc-match"):
        for name in FONT_CANDIDATES:
            try:
                out = subprocess.run(
                    ["fc-match", "-f", "%{file}\n%{lang}", name], capture_output=True, text=True, timeout=10
                ).stdout
            except (OSError, subprocess.SubprocessError):
                break
            path, _, langs = out.partition("\n")
            if path and Path(path).exists() and "ja" in langs.split("|"):
                return Path(path)
    for folder in FONT_DIRS:
        base = Path(folder)
        if not base.is_dir():
            continue
        for pattern in FONT_FILES:
            found = sorted(base.rglob(pattern))
            if found:
                return found[0]
    raise FontMissing(
        "no Japanese font found for the rich menu image: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk)"
    )


def build_image(font_path: Path | None = None) -> bytes:
    """The menu image as PNG (2500x843, four tiles)."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = font_path or find_japanese_font()
    image = Image.new("RGB", (WIDTH, HEIGHT), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    big = ImageFont.truetype(str(font_path), 92)
    small = ImageFont.truetype(str(font_path), 64)
    tile = WIDTH // len(ITEMS)
    for i, ((label, sub, _action, _display), color) in enumerate(zip(ITEMS, COLORS, strict=True)):
        x0 = i * tile
        draw.rectangle([x0 + 12, 12, x0 + tile - 12, HEIGHT - 12], fill=color)
        cx = x0 + tile // 2
        draw.text((cx, HEIGHT // 2 - 70), label, font=big, fill="#FFFFFF", anchor="mm")
        draw.text((cx, HEIGHT // 2 + 110), sub, font=small, fill="#FFFFFF", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _width(i: int, tile: int) -> int:
    return tile if i < len(ITEMS) - 1 else WIDTH - i * tile


def menu_body() -> dict[str, Any]:
    tile = WIDTH // len(ITEMS)
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": NAME,
        "chatBarText": CHAT_BAR_TEXT,
        "areas": [
            {
                "bounds": {"x": i * tile, "y": 0, "width": _width(i, tile), "height": HEIGHT},
                "action": {
                    "type": "postback",
                    "label": AREA_LABELS[i],
                    "data": compose.postback_data(action),
                    "displayText": display,
                },
            }
            for i, (_label, _sub, action, display) in enumerate(ITEMS)
        ],
    }


async def ensure_default(api: Any, client: Any, *, timeout: float = 10.0, image: bytes | None = None) -> str:
    """Create the menu, upload its image and make it the default; returns the rich menu id."""
    from linebot.v3.messaging import AsyncMessagingApiBlob, RichMenuRequest

    image = image or build_image()
    created = await api.create_rich_menu(RichMenuRequest.from_dict(menu_body()), _request_timeout=timeout)
    blob = AsyncMessagingApiBlob(client)
    await blob.set_rich_menu_image(
        created.rich_menu_id, body=image, _headers={"Content-Type": "image/png"}, _request_timeout=timeout
    )
    await api.set_default_rich_menu(created.rich_menu_id, _request_timeout=timeout)
    return created.rich_menu_id
