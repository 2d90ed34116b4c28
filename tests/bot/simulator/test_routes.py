"""The simulator's API sends real signed webhooks to /callback and shows what the bot sent through the fake."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from madoguchi.bot.fake_line.state import RichMenu
from madoguchi.bot.simulator import mount_simulator
from madoguchi.shared.settings import Settings


def wait_chat(http: httpx.Client, state, user_id: str, count: int) -> list[dict]:
    state.wait_for(lambda: len(state.chat(user_id)) >= count, timeout=5)
    return http.get(f"/simulator/api/residents/{user_id}/messages").json()["items"]


def test_mount_returns_the_sdk_base_url(tmp_path):
    app = FastAPI()
    url = mount_simulator(app, Settings(MADOGUCHI_VAR_DIR=str(tmp_path)), host="127.0.0.1", port=8123)
    assert url == "http://127.0.0.1:8123/_line"
    assert app.state.fake_line.access_token == Settings(MADOGUCHI_VAR_DIR=str(tmp_path)).channel_access_token()


def test_page_is_japanese_and_self_contained(simulator_server):
    with httpx.Client(base_url=simulator_server.url) as http:
        page = http.get("/simulator")
        assert page.status_code == 200
        assert '<html lang="ja">' in page.text and "LINEシミュレーター" in page.text
        assert "http" not in page.text.replace(simulator_server.url, "")  # no CDN
        assert http.get("/simulator/static/simulator.js").status_code == 200
        assert "innerHTML" not in http.get("/simulator/static/simulator.js").text


def test_conversation_through_the_api(simulator_server):
    state = simulator_server.state
    with httpx.Client(base_url=simulator_server.url, timeout=10) as http:
        resident = http.post("/simulator/api/residents", json={"name": "住民A"}).json()
        user = resident["userId"]
        assert resident["delivery"]["status"] == 200
        assert resident["following"] is True
        chat = wait_chat(http, state, user, 1)
        assert chat[0]["message"]["text"] == "友だち追加ありがとうございます"

        sent = http.post(f"/simulator/api/residents/{user}/text", json={"text": "<b>介護</b>の相談"}).json()
        assert sent["status"] == 200
        chat = wait_chat(http, state, user, 3)
        assert [(e["sender"], e["message"]["text"]) for e in chat[1:]] == [
            ("resident", "<b>介護</b>の相談"),
            ("bot", "「<b>介護</b>の相談」を受け付けました"),
        ]
        quick = chat[2]["message"]["quickReply"]["items"]
        assert [i["action"]["label"] for i in quick] == ["はい", "いいえ"]

        # Tapping the postback quick reply: displayText shows as the resident's, the event is a postback.
        http.post(f"/simulator/api/residents/{user}/postback", json={"data": "answer=no", "displayText": "いいえ"})
        chat = wait_chat(http, state, user, 5)
        assert [(e["sender"], e["message"]["text"]) for e in chat[3:]] == [
            ("resident", "いいえ"),
            ("bot", "postback: answer=no"),
        ]
        assert http.get(f"/simulator/api/residents/{user}/messages", params={"after": chat[3]["seq"]}).json()[
            "items"
        ] == [chat[4]]

        # Block: an unfollow event, and the resident can no longer send.
        assert http.post(f"/simulator/api/residents/{user}/unfollow").json()["status"] == 200
        assert http.post(f"/simulator/api/residents/{user}/text", json={"text": "x"}).status_code == 409
        assert http.post(f"/simulator/api/residents/{user}/follow").json()["status"] == 200

    kinds = [type(e).__name__ for e in simulator_server.received]
    assert kinds == ["FollowEvent", "MessageEvent", "PostbackEvent", "UnfollowEvent", "FollowEvent"]
    assert simulator_server.received[-1].follow.is_unblocked is True
    assert simulator_server.received[1].source.user_id == user
    assert len({e.webhook_event_id for e in simulator_server.received}) == 5


def test_several_residents_have_separate_chats(simulator_server):
    state = simulator_server.state
    with httpx.Client(base_url=simulator_server.url, timeout=10) as http:
        a = http.post("/simulator/api/residents", json={}).json()["userId"]
        b = http.post("/simulator/api/residents", json={"follow": False}).json()["userId"]
        assert http.post(f"/simulator/api/residents/{b}/text", json={"text": "x"}).status_code == 409
        http.post(f"/simulator/api/residents/{a}/sticker", json={})
        wait_chat(http, state, a, 2)
        names = [r["name"] for r in http.get("/simulator/api/residents").json()["items"]]
        assert names == ["住民1", "住民2"]
        assert state.chat(b) == []
        assert http.get("/simulator/api/residents/Unope/messages").status_code == 404


def test_rich_menu_endpoint(simulator_server):
    with httpx.Client(base_url=simulator_server.url) as http:
        assert http.get("/simulator/api/richmenu").json() == {"richMenu": None}
    state = simulator_server.state
    state.rich_menus["richmenu-1"] = RichMenu(
        "richmenu-1", {"chatBarText": "メニュー", "areas": []}, b"png", "image/png"
    )
    state.default_rich_menu_id = "richmenu-1"
    with httpx.Client(base_url=simulator_server.url) as http:
        data = http.get("/simulator/api/richmenu").json()
        assert data["richMenu"]["chatBarText"] == "メニュー" and data["hasImage"] is True
        assert http.get("/simulator/api/richmenu/image").content == b"png"
