"""Webhook ingest: signed events at concurrency 16 and 64, ours against the echo-bot floor.

Both servers run as one uvicorn process with the same loop (uvloop) and HTTP
parser (httptools); the load comes from one asyncio client process on loopback.
Every request carries one event with a unique webhookEventId; after the run
the database must hold every event that got a 200 (durable before the 200).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

SECRET = "bench-channel-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _body(i: int) -> bytes:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": "U" + uuid.uuid4().hex},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": {"id": str(10**15 + i), "type": "text", "quoteToken": "q", "text": f"家賃が払えません {i}"},
    }
    return json.dumps({"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False).encode()


def _sign(raw: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()


async def _load(url: str, concurrency: int, *, seconds: float, max_requests: int) -> dict[str, Any]:
    bodies = [(b, _sign(b)) for b in (_body(i) for i in range(max_requests))]
    latencies: list[float] = []
    errors = 0
    next_index = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal next_index, errors
            while time.perf_counter() < deadline and next_index < len(bodies):
                raw, sig = bodies[next_index]
                next_index += 1
                t0 = time.perf_counter()
                async with session.post(
                    url, data=raw, headers={"x-line-signature": sig, "content-type": "application/json"}
                ) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                        continue
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "events_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else None,
    }


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _serve(app: str, port: int, env: dict[str, str], *, factory: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
           "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, env=env)
    _wait_ready(port, proc)
    return proc


def _count_events(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM webhook_receipts")).scalar_one()
    engine.dispose()
    return int(n)


@contextmanager
def _throwaway_pg_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server of `server_url`, dropped afterwards (the given one is never touched)."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url)
    name = f"madoguchi_bench_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(*, seconds: float = 8.0, max_requests: int = 20000, database_url: str | None = None) -> dict[str, Any]:
    if database_url and database_url.startswith("postgresql"):
        with _throwaway_pg_database(database_url) as url:
            return _run(seconds=seconds, max_requests=max_requests, database_url=url)
    return _run(seconds=seconds, max_requests=max_requests, database_url=database_url)


def _run(*, seconds: float, max_requests: int, database_url: str | None) -> dict[str, Any]:
    from madoguchi.shared.crypto import new_key
    from madoguchi.shared.migrate import upgrade

    results: dict[str, Any] = {"floor": [], "madoguchi": []}
    with tempfile.TemporaryDirectory() as tmp:
        db = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(db)
        base_env = {**os.environ, "BENCH_CHANNEL_SECRET": SECRET}
        env = {
            **base_env,
            "DATABASE_URL": db,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
            "MADOGUCHI_SECRET_KEY": "bench-secret-key-bench-secret-key",
            "MADOGUCHI_DATA_KEY": new_key(),
            "MADOGUCHI_IN_PROCESS_WORKER": "0",
            "MADOGUCHI_VAR_DIR": tmp,
        }
        for name, app, proc_env, factory in (
            ("floor", "madoguchi.bench.echo_floor:app", base_env, False),
            ("madoguchi", "madoguchi.app:create_app", env, True),
        ):
            port = _free_port()
            proc = _serve(app, port, proc_env, factory=factory)
            try:
                for concurrency in (16, 64):
                    results[name].append(
                        asyncio.run(
                            _load(f"http://127.0.0.1:{port}/callback", concurrency,
                                  seconds=seconds, max_requests=max_requests)
                        )
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        answered = sum(r["requests"] for r in results["madoguchi"])
        results["durable"] = {"answered_200": answered, "stored": _count_events(db)}
    results["database"] = "postgresql" if (database_url or "").startswith("postgresql") else "sqlite"
    return results


def report(results: dict[str, Any]) -> None:
    print(f"\n## Webhook ingest ({results['database']}; one uvicorn process, uvloop + httptools, loopback)")
    print("| server | concurrency | events/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for name in ("floor", "madoguchi"):
        for r in results[name]:
            cells = [name, r["concurrency"], r["events_per_s"], r["p50_ms"], r["p99_ms"], r["errors"]]
            print("| " + " | ".join(str(c) for c in cells) + " |")
    d = results["durable"]
    print(f"durable: {d['stored']} events stored for {d['answered_200']} answered 200")
