"""The FastAPI app factory (composition root)."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from madoguchi import health
from madoguchi.bot.webhook import make_router as webhook_router
from madoguchi.classifier.service import MODEL_FILENAME
from madoguchi.runtime import Runtime
from madoguchi.shared import crypto
from madoguchi.shared.db import SQLiteCheckpointer, make_engine, make_session_factory
from madoguchi.shared.settings import Settings, get_settings

log = logging.getLogger("madoguchi.app")


def create_app(
    settings: Settings | None = None, *, run_worker: bool | None = None, classifier: object | None = None
) -> FastAPI:
    """The app; `classifier` lets tests share one loaded model (otherwise the runtime loads it)."""
    settings = settings or get_settings()
    settings.require_live_keys()
    crypto.configure(settings.data_keys())
    if run_worker is None:
        run_worker = os.environ.get("MADOGUCHI_IN_PROCESS_WORKER", "1") != "0"
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    checkpointer = SQLiteCheckpointer(engine)
    model_path = Path(settings.var_dir) / "models" / MODEL_FILENAME
    api_base_url = settings.line_api_base_url
    runtime: Runtime | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal runtime
        # Everything imported and built so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise pause every request for tens of milliseconds.
        gc.freeze()
        checkpointer.start()
        if run_worker:
            runtime = Runtime(
                settings=settings, factory=factory, api_base_url=app.state.line_api_base_url, classifier=classifier
            )
            await runtime.start()
            app.state.runtime = runtime
        try:
            yield
        finally:
            if runtime is not None:
                await runtime.stop()
            checkpointer.stop()
            engine.dispose()

    app = FastAPI(
        title="madoguchi",
        version="0.1.0",
        description="LINE の相談窓口: webhook, simulator, console and API",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.line_api_base_url = api_base_url
    app.state.expects_worker = True

    def on_stored() -> None:
        if runtime is not None:
            runtime.wake()

    if settings.mode == "simulator":
        # No LINE credentials: LINE's side is simulated in this process (fake API under /_line, chat page).
        from madoguchi.bot.simulator import mount_simulator

        simulated = mount_simulator(app, settings)
        if not settings.line_api_base_url:
            app.state.line_api_base_url = simulated

    app.include_router(webhook_router(factory=factory, channel_secret=settings.channel_secret(), on_stored=on_stored))

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        problems = health.problems(factory, model_path=model_path)
        if problems:
            return JSONResponse({"status": "unavailable", "reasons": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    return app
