"""The fake answers as LINE does: reply tokens, retry keys, auth, quota, faults, recording, control API."""

from __future__ import annotations

import uuid
import warnings

import httpx
import pytest

with warnings.catch_warnings():
    # Starlette 1.x nudges towards httpx2 for its TestClient; httpx is what we pin.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from madoguchi.bot.fake_line import ConnectionDropped, FakeLineState, create_fake_line_app, new_user_id

TOKEN = "tok"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def state(clock):
    return FakeLineState(access_token=TOKEN, clock=clock)


@pytest.fixture
def client(state):
    with TestClient(create_fake_line_app(state), raise_server_exceptions=True) as c:
        yield c


def msg(text="はい"):
    return {"type": "text", "text": text}


def reply(client, token, messages=None, headers=None):
    return client.post(
        "/v2/bot/message/reply",
        json={"replyToken": token, "messages": messages or [msg()]},
        headers={**AUTH, **(headers or {})},
    )


def push(client, to, messages=None, key=None):
    headers = {**AUTH, **({"X-Line-Retry-Key": key} if key else {})}
    return client.post("/v2/bot/message/push", json={"to": to, "messages": messages or [msg()]}, headers=headers)


def test_reply_token_is_single_use(client, state):
    user = new_user_id()
    token = state.issue_reply_token(user)
    first = reply(client, token)
    assert first.status_code == 200
    sent = first.json()["sentMessages"]
    assert len(sent) == 1 and sent[0]["id"].isdigit() and sent[0]["quoteToken"]
    assert first.headers["x-line-request-id"]
    again = reply(client, token)
    assert again.status_code == 400 and again.json() == {"message": "Invalid reply token"}
    assert state.sent_to(user) == [msg()]
    state.assert_all_valid()  # an invalid token is LINE's answer, not the bot's mistake


def test_reply_token_expires(client, state, clock):
    user = new_user_id()
    token = state.issue_reply_token(user)
    clock.now += 61
    assert reply(client, token).json() == {"message": "Invalid reply token"}
    assert reply(client, "never-issued").status_code == 400
    assert state.sent_to(user) == []


def test_retry_key_on_reply_is_rejected_and_recorded_invalid(client, state):
    token = state.issue_reply_token(new_user_id())
    r = reply(client, token, headers={"X-Line-Retry-Key": str(uuid.uuid4())})
    assert r.status_code == 400
    assert len(state.invalid_requests) == 1
    with pytest.raises(AssertionError, match="invalid request"):
        state.assert_all_valid()
    assert len(state.take_invalid_requests()) == 1
    state.assert_all_valid()  # acknowledged by the test
    assert len(state.invalid_requests) == 1  # still recorded


def test_push_retry_key_conflict(client, state):
    user = new_user_id()
    key = str(uuid.uuid4())
    first = push(client, user, key=key)
    assert first.status_code == 200
    second = push(client, user, key=key)
    assert second.status_code == 409
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert second.json()["sentMessages"] == first.json()["sentMessages"]
    assert state.sent_to(user) == [msg()]  # delivered once
    assert push(client, user, key="not-a-uuid").status_code == 400


def test_auth(client, state):
    r = client.post(
        "/v2/bot/message/push",
        json={"to": new_user_id(), "messages": [msg()]},
        headers={"Authorization": "Bearer wrong"},
    )
    assert r.status_code == 401
    r = client.get("/v2/bot/message/quota")
    assert r.status_code == 401
    assert len(state.invalid_requests) == 2


def test_invalid_body_gets_line_style_400(client, state):
    r = push(client, new_user_id(), messages=[{"type": "text"}, {"type": "sticker"}])
    assert r.status_code == 400
    body = r.json()
    assert body["message"].startswith("The request body has")
    assert {"message": "Must be specified", "property": "messages[0].text"} in body["details"]
    assert state.invalid_requests[0].problems == body["details"]
    assert state.chat(r.request.url.path) == []


def test_malformed_json_and_oversize(client, state):
    r = client.post("/v2/bot/message/push", content=b"{nope", headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400
    big = {"to": new_user_id(), "messages": [msg("a" * 1000)], "pad": "x" * (2 * 1024 * 1024)}
    assert client.post("/v2/bot/message/push", json=big, headers=AUTH).status_code == 413


def test_blocked_resident_receives_nothing_but_push_answers_200(client, state):
    user = new_user_id()
    state.set_blocked(user)
    assert push(client, user).status_code == 200
    assert state.sent_to(user) == []


def test_fail_next_500_then_recovers(client, state):
    user = new_user_id()
    state.fail_next(2, path="/v2/bot/message/push")
    assert client.get("/v2/bot/message/quota", headers=AUTH).status_code == 200  # other paths unaffected
    assert [push(client, user).status_code for _ in range(3)] == [500, 500, 200]
    assert len(state.sent_to(user)) == 1


def test_429_with_and_without_retry_after(client, state):
    user = new_user_id()
    state.rate_limit_next(1, retry_after=3)
    state.rate_limit_next(1)
    first, second = push(client, user), push(client, user)
    assert first.status_code == second.status_code == 429
    assert first.headers["retry-after"] == "3"
    assert "retry-after" not in second.headers


def test_quota_exhausted_stops_pushes_not_replies(client, state):
    user = new_user_id()
    state.exhaust_quota()
    r = push(client, user)
    assert r.status_code == 429 and r.json() == {"message": "You have reached your monthly limit."}
    assert push(client, user).status_code == 429
    assert reply(client, state.issue_reply_token(user)).status_code == 200
    state.restore_quota()
    assert push(client, user).status_code == 200
    assert len(state.sent_to(user)) == 2


def test_quota_limit_counts_pushes(client, state):
    state.set_quota_limit(2)
    user = new_user_id()
    assert [push(client, user).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/v2/bot/message/quota", headers=AUTH).json() == {"type": "limited", "value": 2}
    assert client.get("/v2/bot/message/quota/consumption", headers=AUTH).json() == {"totalUsage": 2}


def test_drop_without_uvicorn_raises_in_process(client, state):
    state.drop_next(1)
    with pytest.raises(ConnectionDropped):
        push(client, new_user_id())


def test_drop_after_accept_delivers_then_drops(client, state):
    user = new_user_id()
    state.drop_next(1, after_accept=True)
    with pytest.raises(ConnectionDropped):
        push(client, user, key=str(uuid.uuid4()))
    assert state.sent_to(user) == [msg()]


def test_other_endpoints(client, state):
    user = new_user_id()
    assert (
        client.post("/v2/bot/chat/loading/start", json={"chatId": user, "loadingSeconds": 5}, headers=AUTH).status_code
        == 202
    )
    assert client.post(f"/v2/bot/group/C{'0' * 32}/leave", headers=AUTH).status_code == 200
    assert client.post(f"/v2/bot/room/R{'0' * 32}/leave", headers=AUTH).status_code == 200
    assert client.get(f"/v2/bot/profile/{user}", headers=AUTH).status_code == 404
    state.set_profile(user, "住民A")
    assert client.get(f"/v2/bot/profile/{user}", headers=AUTH).json()["displayName"] == "住民A"
    assert client.post("/v2/bot/message/markAsRead", json={"chat": {"userId": user}}, headers=AUTH).status_code == 200
    assert client.post("/v2/bot/chat/markAsRead", json={"markAsReadToken": "t"}, headers=AUTH).status_code == 200
    assert client.get("/v2/bot/nope", headers=AUTH).status_code == 404
    assert len(state.invalid_requests) == 1  # only the unknown endpoint


def test_rich_menu_lifecycle(client, state):
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "main",
        "chatBarText": "メニュー",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
                "action": {"type": "message", "label": "相談する", "text": "相談したい"},
            }
        ],
    }
    menu_id = client.post("/v2/bot/richmenu", json=menu, headers=AUTH).json()["richMenuId"]
    assert client.post(f"/v2/bot/user/all/richmenu/{menu_id}", headers=AUTH).status_code == 400  # no image yet
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    r = client.post(f"/v2/bot/richmenu/{menu_id}/content", content=png, headers={**AUTH, "Content-Type": "image/png"})
    assert r.status_code == 200
    assert client.post(f"/v2/bot/user/all/richmenu/{menu_id}", headers=AUTH).status_code == 200
    assert client.get("/v2/bot/user/all/richmenu", headers=AUTH).json() == {"richMenuId": menu_id}
    assert client.get(f"/v2/bot/richmenu/{menu_id}/content", headers=AUTH).content == png
    assert [m["richMenuId"] for m in client.get("/v2/bot/richmenu/list", headers=AUTH).json()["richmenus"]] == [menu_id]
    assert state.default_rich_menu().body["chatBarText"] == "メニュー"
    assert client.delete(f"/v2/bot/richmenu/{menu_id}", headers=AUTH).status_code == 200
    assert state.default_rich_menu() is None
    bad = {**menu, "chatBarText": "あ" * 15}
    assert client.post("/v2/bot/richmenu", json=bad, headers=AUTH).status_code == 400


def test_control_api(client, state):
    user = new_user_id()
    token = client.post("/_fake/reply-tokens", json={"userId": user}).json()["replyToken"]
    client.post("/_fake/resident-messages", json={"userId": user, "message": {"type": "text", "text": "相談です"}})
    assert reply(client, token).status_code == 200
    chat = client.get("/_fake/messages", params={"to": user}).json()["items"]
    assert [(e["sender"], e["message"]["text"]) for e in chat] == [("resident", "相談です"), ("bot", "はい")]
    after = chat[0]["seq"]
    assert len(client.get("/_fake/messages", params={"to": user, "after": after}).json()["items"]) == 1
    client.post("/_fake/faults", json={"kind": "500", "count": 1})
    assert push(client, user).status_code == 500
    client.post("/_fake/faults", json={"kind": "429", "count": 1, "retryAfter": 2})
    assert push(client, user).headers["retry-after"] == "2"
    client.post("/_fake/quota", json={"exhausted": True})
    assert push(client, user).status_code == 429
    client.post("/_fake/quota", json={"exhausted": False})
    client.post("/_fake/blocked", json={"userId": user, "blocked": True})
    assert push(client, user).status_code == 200
    requests = client.get("/_fake/requests").json()["items"]
    assert [r["status"] for r in requests] == [200, 500, 429, 429, 200]
    assert requests[0]["body"]["replyToken"] == token
    assert client.get("/_fake/requests", params={"invalid": "1"}).json()["items"] == []
    client.post("/_fake/reset")
    assert state.requests == [] and state.chat(user) == []


def test_fake_served_by_uvicorn_drops_connections(fake_line):
    state = fake_line.state
    state.drop_next(1)
    state.drop_next(1, after_accept=True)
    user = new_user_id()
    headers = {"Authorization": f"Bearer {fake_line.token}"}
    body = {"to": user, "messages": [msg()]}
    with httpx.Client(base_url=fake_line.url, headers=headers, timeout=5) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/v2/bot/message/push", json=body)
        assert state.sent_to(user) == []
        with pytest.raises(httpx.TransportError):
            http.post("/v2/bot/message/push", json=body)
        assert state.sent_to(user) == [msg()]  # accepted, but the sender never heard
        state.delay_next(1, seconds=1.0)
        with pytest.raises(httpx.ReadTimeout):
            http.post("/v2/bot/message/push", json=body, timeout=0.3)
        assert http.post("/v2/bot/message/push", json=body).status_code == 200
