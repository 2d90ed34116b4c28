"""A served app with the simulator mounted and the echo stand-in (tests/bot/simulator/echo_bot.py) as its /callback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from madoguchi.bot.fake_line import FakeLineState
from madoguchi.bot.simulator import mount_simulator
from madoguchi.shared.settings import Settings
from tests.bot.fake_line_server import bind_free_port, serve_app
from tests.bot.simulator.echo_bot import add_echo_callback


@dataclass
class SimulatorServer:
    url: str
    line_api_url: str
    state: FakeLineState
    settings: Settings
    received: list


@pytest.fixture
def simulator_server(tmp_path) -> Iterator[SimulatorServer]:
    settings = Settings(MADOGUCHI_VAR_DIR=str(tmp_path / "var"))
    app = FastAPI()
    sock = bind_free_port()
    line_api_url = mount_simulator(app, settings, port=sock.getsockname()[1])
    received = add_echo_callback(
        app,
        channel_secret=settings.channel_secret(),
        line_api_url=line_api_url,
        access_token=settings.channel_access_token(),
    )
    with serve_app(app, sock=sock) as url:
        yield SimulatorServer(url, line_api_url, app.state.fake_line, settings, received)
    app.state.fake_line.assert_all_valid()
