"""serve, worker, events and outbox commands (composition root)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys

from madoguchi.shared.settings import get_settings


def _setup_logging() -> None:
    # Message text and LINE ids never reach a log line: handlers log types, ids of our rows, counts.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _prepare() -> None:
    """Migrate and train what is missing, so a fresh clone serves at once."""
    from madoguchi import bootstrap

    bootstrap.prepare(get_settings())


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _setup_logging()
    settings = get_settings()
    settings.require_live_keys()
    if settings.mode == "simulator" and args.workers > 1:
        print("madoguchi: the simulator keeps LINE's side in one process: serve it with --workers 1", file=sys.stderr)
        return 2
    _prepare()
    # The app factory reads these: the simulator tells the SDK where its fake LINE API is served.
    os.environ["HOST"], os.environ["PORT"] = args.host, str(args.port)
    worker_proc = None
    if args.workers > 1 or args.no_worker:
        # Web processes only; one separate worker process serves them all (unless --no-worker).
        os.environ["MADOGUCHI_IN_PROCESS_WORKER"] = "0"
        if not args.no_worker:
            worker_proc = subprocess.Popen([sys.executable, "-m", "madoguchi.cli", "worker"])
    try:
        uvicorn.run(
            "madoguchi.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            log_level="info",
            # Paths only, but a request log per webhook is noise at LINE's volumes.
            access_log=False,
        )
    finally:
        if worker_proc is not None:
            worker_proc.terminate()
            worker_proc.wait(timeout=10)
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    _setup_logging()
    settings = get_settings()
    settings.require_live_keys()
    _prepare()
    if args.concurrency > 1:
        procs = [subprocess.Popen([sys.executable, "-m", "madoguchi.cli", "worker"]) for _ in range(args.concurrency)]

        def stop(*_: object) -> None:
            for p in procs:
                p.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        return max(p.wait() for p in procs)
    from madoguchi.worker_main import run_worker

    asyncio.run(run_worker(settings))
    return 0


def _cmd_outbox_resend(args: argparse.Namespace) -> int:
    from madoguchi.bootstrap import open_database
    from madoguchi.bot import outbox
    from madoguchi.shared.db import unit_of_work

    factory = open_database()
    try:
        with unit_of_work(factory) as session:
            row = outbox.resend(session, outbox_id=args.id)
            print(f"outbox {row.id}: queued again as a push")
    except (LookupError, ValueError) as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_outbox_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from madoguchi.bootstrap import open_database
    from madoguchi.bot.models import OutboxMessage
    from madoguchi.shared.db import read_only

    factory = open_database()
    with read_only(factory) as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == args.status).order_by(OutboxMessage.id)
        )
        for row in rows:
            print(f"{row.id}\t{row.status}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.attempts}\t{row.last_error or ''}")
    return 0


def _cmd_events_failed(args: argparse.Namespace) -> int:
    from madoguchi.bootstrap import open_database
    from madoguchi.bot import event_store
    from madoguchi.shared.db import unit_of_work

    factory = open_database()
    with unit_of_work(factory) as session:
        if args.rerun is not None:
            n = event_store.rerun(session, event_id=None if args.rerun == "all" else int(args.rerun))
            print(f"{n} event(s) queued again")
            return 0
        for row in event_store.list_failed(session):
            print(f"{row.id}\t{row.event_type}\t{row.received_at:%Y-%m-%d %H:%M}\t{row.attempts}\t{row.last_error}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="serve the webhook, simulator and console")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1, help="web processes")
    serve.add_argument("--no-worker", action="store_true", help="do not run the event/outbox worker")
    serve.set_defaults(func=_cmd_serve)

    worker = sub.add_parser("worker", help="run event and outbox workers as separate processes")
    worker.add_argument("--concurrency", type=int, default=1, help="worker processes")
    worker.set_defaults(func=_cmd_worker)

    ob = sub.add_parser("outbox", help="outgoing messages").add_subparsers(dest="outbox_command", required=True)
    resend = ob.add_parser("resend", help="send a failed message again (as a push)")
    resend.add_argument("id", type=int)
    resend.set_defaults(func=_cmd_outbox_resend)
    ls = ob.add_parser("list", help="list messages by status")
    ls.add_argument("--status", default="failed", choices=["pending", "sending", "sent", "failed", "skipped"])
    ls.set_defaults(func=_cmd_outbox_list)

    ev = sub.add_parser("events", help="stored webhook events").add_subparsers(dest="events_command", required=True)
    failed = ev.add_parser("failed", help="list parked events, or --rerun ID|all")
    failed.add_argument("--rerun", metavar="ID|all")
    failed.set_defaults(func=_cmd_events_failed)
