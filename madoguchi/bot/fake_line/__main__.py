"""Serve the fake LINE API on its own: `python -m madoguchi.bot.fake_line --port 8101`.

The slow tests run it in its own process so that it keeps running while they kill -9 madoguchi.
"""

from __future__ import annotations

import argparse

import uvicorn

from madoguchi.bot.fake_line.app import create_fake_line_app
from madoguchi.bot.fake_line.state import FakeLineState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m madoguchi.bot.fake_line", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default=None, help="the only channel access token accepted (default: any)")
    parser.add_argument("--reply-token-ttl", type=float, default=60.0, help="seconds a reply token stays valid")
    args = parser.parse_args(argv)
    state = FakeLineState(access_token=args.token, reply_token_ttl_s=args.reply_token_ttl)
    uvicorn.run(create_fake_line_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
