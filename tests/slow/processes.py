"""Real processes for the slow tests: the fake LINE API and madoguchi servers/workers, killable with -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from madoguchi.bot.simulator import events as line_events
from tests.bot.fake_line_server import bind_free_port
from tests.conftest import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parents[2]
CHANNEL_SECRET = "slow-test-channel-secret"
ACCESS_TOKEN = "slow-test-token"


def free_port() -> int:
    sock = bind_free_port()
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@dataclass
class FakeLineProcess:
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def issue_reply_token(self, user_id: str) -> str:
        response = httpx.post(f"{self.url}/_fake/reply-tokens", json={"userId": user_id}, timeout=10)
        response.raise_for_status()
        return str(response.json()["replyToken"])

    def requests(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.url}/_fake/requests", timeout=30).json()["items"])

    def faults(self, body: dict[str, Any] | None = None, *, clear: bool = False) -> None:
        if clear:
            httpx.delete(f"{self.url}/_fake/faults", timeout=10).raise_for_status()
        if body:
            httpx.post(f"{self.url}/_fake/faults", json=body, timeout=10).raise_for_status()

    def assert_all_valid(self) -> None:
        """Every request the bot made was valid against LINE's spec and limits."""
        invalid = httpx.get(f"{self.url}/_fake/requests", params={"invalid": "1"}, timeout=30).json()["items"]
        assert invalid == [], f"{len(invalid)} invalid request(s), first: {invalid[0]}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def start_fake_line() -> FakeLineProcess:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "madoguchi.bot.fake_line", "--port", str(port), "--token", ACCESS_TOKEN,
         "--reply-token-ttl", "600"],
        cwd=ROOT,
    )
    wait_port(port, proc)
    return FakeLineProcess(port, proc)


@dataclass
class Madoguchi:
    """`madoguchi serve` / `madoguchi worker` processes sharing one database."""

    database_url: str
    line_url: str
    var_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "LINE_API_BASE_URL": self.line_url,
            "MADOGUCHI_SECRET_KEY": "slow-test-secret-key-slow-test-secret",
            "MADOGUCHI_DATA_KEY": TEST_DATA_KEY,
            "MADOGUCHI_VAR_DIR": str(self.var_dir),
            "MADOGUCHI_WORKER_POLL_S": "0.05",
            "MADOGUCHI_OUTBOX_BACKOFF_CAP_S": "0.5",
            "MADOGUCHI_COALESCE_WINDOW_S": "0.3",
            **self.extra_env,
        }

    def serve(self, port: int, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "madoguchi.cli", "serve", "--port", str(port), *args], cwd=ROOT, env=self.env()
        )
        self.procs.append(proc)
        wait_port(port, proc)
        return proc

    def worker(self, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "madoguchi.cli", "worker", *args], cwd=ROOT, env=self.env())
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def kill9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def signed(events: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
    body = line_events.webhook_body(events)
    return body, {"x-line-signature": line_events.sign(body, CHANNEL_SECRET), "content-type": "application/json"}
