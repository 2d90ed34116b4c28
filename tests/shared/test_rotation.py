"""`keys rotate`: every encrypted value and lookup hash moves to the first key; the old key can go."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.all_models import metadata
from madoguchi.bot import outbox, residents
from madoguchi.bot.models import Message, Resident
from madoguchi.shared import crypto
from madoguchi.shared.rotation import reencrypt_all
from tests.conftest import TEST_DATA_KEY


def test_rotation_moves_everything_to_the_new_key(session: Session) -> None:
    uid = "U" + "2" * 32
    resident, _ = residents.get_or_create(session, line_user_id=uid)
    outbox.enqueue(session, resident=resident, messages=[{"type": "text", "text": "こんにちは"}])
    session.flush()
    new = crypto.new_key()
    try:
        crypto.configure([new, TEST_DATA_KEY])
        assert reencrypt_all(session, metadata=metadata) >= 3
        assert residents.rehash_all(session) >= 1
        session.expire_all()
        crypto.configure([new])  # the old key is gone
        assert residents.find(session, line_user_id=uid) is not None
        assert session.scalars(select(Resident)).first().line_id_enc == uid
        assert session.scalars(select(Message)).first().body == "こんにちは"
    finally:
        crypto.configure([TEST_DATA_KEY])
