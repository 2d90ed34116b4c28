"""`madoguchi line richmenu`: create the rich menu and make it the default (composition via the CLI)."""

from __future__ import annotations

import argparse
import asyncio
import sys


def _cmd_richmenu(args: argparse.Namespace) -> int:
    from madoguchi.bot import richmenu
    from madoguchi.bot.sender import make_api_client
    from madoguchi.shared.settings import get_settings

    settings = get_settings()
    try:
        image = richmenu.build_image()
    except richmenu.FontMissing as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 1
    if args.image_out:
        with open(args.image_out, "wb") as f:
            f.write(image)
    base_url = settings.line_api_base_url
    if settings.mode == "simulator" and not base_url:
        print("madoguchi: no LINE credentials: the simulator sets the rich menu itself when it starts.",
              file=sys.stderr)
        return 0

    async def run() -> str:
        from linebot.v3.messaging import AsyncMessagingApi

        client = make_api_client(access_token=settings.channel_access_token(), base_url=base_url)
        try:
            return await richmenu.ensure_default(AsyncMessagingApi(client), client, image=image)
        finally:
            await client.close()

    rich_menu_id = asyncio.run(run())
    print(f"rich menu {rich_menu_id} is now the default")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    line = sub.add_parser("line", help="the LINE channel").add_subparsers(dest="line_command", required=True)
    menu = line.add_parser(
        "richmenu", help="create the rich menu (image drawn with a Japanese font) and set it as the default"
    )
    menu.add_argument("--image-out", help="also write the generated PNG here")
    menu.set_defaults(func=_cmd_richmenu)
