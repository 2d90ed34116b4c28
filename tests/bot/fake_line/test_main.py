"""`python -m madoguchi.bot.fake_line` serves the fake in its own process (slow tests kill -9 madoguchi beside it)."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from tests.bot.fake_line_server import bind_free_port


def test_standalone_fake_serves_and_records():
    sock = bind_free_port()
    port = sock.getsockname()[1]
    sock.close()  # the child binds it again
    proc = subprocess.Popen(
        [sys.executable, "-m", "madoguchi.bot.fake_line", "--port", str(port), "--token", "t"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(base + "/_fake/state", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "the fake did not start"
                time.sleep(0.1)
        user = "U" + "1" * 32
        token = httpx.post(base + "/_fake/reply-tokens", json={"userId": user}).json()["replyToken"]
        answer = httpx.post(
            base + "/v2/bot/message/reply",
            json={"replyToken": token, "messages": [{"type": "text", "text": "はい"}]},
            headers={"Authorization": "Bearer t"},
        )
        assert answer.status_code == 200
        items = httpx.get(base + "/_fake/messages", params={"to": user}).json()["items"]
        assert [i["message"]["text"] for i in items] == ["はい"]
        assert httpx.get(base + "/_fake/requests", params={"invalid": "1"}).json()["items"] == []
    finally:
        proc.kill()
        proc.wait(timeout=5)
