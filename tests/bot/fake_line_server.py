"""Serve an ASGI app on a real loopback port for a test, and the `fake_line` fixture built on it.

The real line-bot-sdk talks aiohttp, which in-process transports cannot intercept: point it at a real
server. Use:

    from tests.bot.fake_line_server import serve_app

    with serve_app(app) as base_url:      # uvicorn in a thread, on a free port
        ...

    def test_x(fake_line):                 # fixture (tests/bot/conftest.py re-exports it)
        fake_line.url                      # http://127.0.0.1:PORT  -> Configuration(host=fake_line.url)
        fake_line.state                    # FakeLineState: chats, requests, faults, assert_all_valid()

`fake_line` fails the test if any request it received was invalid. Ports: the OS picks one, unless
MADOGUCHI_TEST_PORTS=8100-8199 restricts them to a range.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn

from madoguchi.bot.fake_line import FakeLineState, create_fake_line_app

FAKE_TOKEN = "fake-line-test-token"
# The same stack as `madoguchi serve` (uvloop + httptools), so faults behave as they will in production.
LOOP = "uvloop"


def bind_free_port(host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on a free port (from MADOGUCHI_TEST_PORTS=LOW-HIGH when set)."""
    span = os.environ.get("MADOGUCHI_TEST_PORTS")
    candidates = [0]
    if span:
        low, high = (int(p) for p in span.split("-"))
        candidates = list(range(low, high + 1))
    for port in candidates:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock
    raise RuntimeError(f"no free port in {span}")


@contextmanager
def serve_app(app, host: str = "127.0.0.1", *, sock: socket.socket | None = None) -> Iterator[str]:
    """Run `app` under uvicorn in a daemon thread; yield its base URL; stop it afterwards.

    Pass a socket from bind_free_port() when the app must know its own port before it is served.
    """
    sock = sock or bind_free_port(host)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(app, log_level="warning", loop=LOOP, lifespan="auto", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@dataclass
class FakeLine:
    url: str
    state: FakeLineState
    token: str = FAKE_TOKEN


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    """The fake LINE API served on a real port; at the end, every request it got must have been valid."""
    state = FakeLineState(access_token=FAKE_TOKEN)
    with serve_app(create_fake_line_app(state)) as url:
        yield FakeLine(url, state)
    state.assert_all_valid()
