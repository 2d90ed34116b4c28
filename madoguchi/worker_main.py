"""A standalone worker process: the same loops the server runs inside itself."""

from __future__ import annotations

import asyncio
import logging
import signal

from madoguchi.runtime import Runtime
from madoguchi.shared import crypto
from madoguchi.shared.db import make_engine, make_session_factory
from madoguchi.shared.settings import Settings

log = logging.getLogger("madoguchi.worker")


async def run_worker(settings: Settings) -> None:
    crypto.configure(settings.data_keys())
    engine = make_engine(settings.database_url)
    runtime = Runtime(
        settings=settings, factory=make_session_factory(engine), api_base_url=settings.line_api_base_url
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    log.info("worker %s started", runtime.name)
    await stop.wait()
    await runtime.stop()
    engine.dispose()
