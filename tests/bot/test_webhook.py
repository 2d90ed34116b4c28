"""POST /callback: signature, size, JSON, verify request, durability and dedup of events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.app import create_app
from madoguchi.bot.models import WebhookEvent, WebhookReceipt
from madoguchi.shared.settings import Settings
from tests import factories
from tests.conftest import TEST_DATA_KEY, install_model

SECRET = "test-channel-secret"


@pytest.fixture
def client(db_url: str, committing_db: sessionmaker[Session], tmp_path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url,
        line_channel_secret=SECRET,
        line_channel_access_token="token",
        madoguchi_secret_key="k" * 32,
        madoguchi_data_key=TEST_DATA_KEY,
        MADOGUCHI_VAR_DIR=tmp_path,
    )
    with TestClient(create_app(settings, run_worker=False)) as c:
        yield c


def post(client: TestClient, raw: bytes, signature: str | None = "auto") -> int:
    headers = {"content-type": "application/json"}
    if signature == "auto":
        headers["x-line-signature"] = factories.sign(raw, SECRET)
    elif signature is not None:
        headers["x-line-signature"] = signature
    return client.post("/callback", content=raw, headers=headers).status_code


def stored(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


def test_verify_request_with_no_events_is_ok(client: TestClient, committing_db) -> None:
    assert post(client, factories.body([])) == 200
    assert stored(committing_db) == 0


def test_event_is_stored_once_even_when_redelivered(client: TestClient, committing_db) -> None:
    ev = factories.text_event(factories.user_id(), "こんにちは")
    assert post(client, factories.body([ev])) == 200
    redelivered = {**ev, "deliveryContext": {"isRedelivery": True}}
    assert post(client, factories.body([redelivered])) == 200
    assert post(client, factories.body([ev, ev])) == 200
    assert stored(committing_db) == 1
    with committing_db() as s:
        assert s.scalar(select(func.count()).select_from(WebhookReceipt)) == 1


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "auto-wrong"])
def test_bad_or_missing_signature_is_400_and_nothing_stored(client: TestClient, committing_db, signature) -> None:
    raw = factories.body([factories.text_event(factories.user_id(), "x")])
    if signature == "auto-wrong":
        signature = factories.sign(raw, "another-secret")
    response = client.post("/callback", content=raw, headers={"x-line-signature": signature} if signature else {})
    assert response.status_code == 400
    assert "signature" in response.json()["detail"]
    assert stored(committing_db) == 0


def test_body_over_one_mebibyte_is_413(client: TestClient, committing_db) -> None:
    raw = factories.body([factories.text_event(factories.user_id(), "あ" * (400 * 1024))])
    assert len(raw) > 1024 * 1024
    assert post(client, raw) == 413
    assert stored(committing_db) == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"events": "no"}', b'{"events": [{"type": "x"}]}'])
def test_malformed_bodies_are_400(client: TestClient, committing_db, raw: bytes) -> None:
    response = client.post("/callback", content=raw, headers={"x-line-signature": factories.sign(raw, SECRET)})
    assert response.status_code == 400
    assert response.json()["detail"]
    assert stored(committing_db) == 0


def test_payload_is_encrypted_at_rest(client: TestClient, committing_db, engine) -> None:
    uid = factories.user_id()
    assert post(client, factories.body([factories.text_event(uid, "家賃が払えなくて困っています")])) == 200
    with engine.connect() as conn:
        raw_rows = conn.exec_driver_sql("SELECT * FROM webhook_events").fetchall()
    dump = json.dumps([list(map(str, r)) for r in raw_rows], ensure_ascii=False)
    assert "家賃" not in dump and uid not in dump
    with committing_db() as s:
        decrypted = [json.loads(e.payload) for e in s.scalars(select(WebhookEvent))]
    assert "家賃" in json.dumps(decrypted, ensure_ascii=False)


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_says_why_it_is_not_ready(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    reasons = response.json()["reasons"]
    assert any("worker" in r for r in reasons)
    assert any("classifier model" in r for r in reasons)


def test_readyz_is_ready_with_a_model_and_a_live_worker(bot, classifier_model_path) -> None:  # type: ignore[no-untyped-def]
    # The bot fixture runs a worker; the model goes where its var dir says.
    install_model(classifier_model_path, bot.settings.var_dir)
    deadline = time.monotonic() + 10
    while True:
        response = httpx.get(f"{bot.url}/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert response.json() == {"status": "ready"}
