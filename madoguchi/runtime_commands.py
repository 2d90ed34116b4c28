"""serve, worker and outbox commands (composition root)."""

from __future__ import annotations

import argparse


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("madoguchi.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="serve the webhook, simulator and console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-worker", action="store_true")
    serve.set_defaults(func=_cmd_serve)
