"""Encryption at rest and keyed lookups, including key rotation."""

from __future__ import annotations

import pytest

from madoguchi.shared.crypto import DataBox, new_key


def test_round_trip_and_no_clear_text() -> None:
    box = DataBox([new_key()])
    token = box.encrypt("母の介護のこと")
    assert "母" not in token
    assert box.decrypt(token) == "母の介護のこと"


def test_rotation_first_key_encrypts_all_decrypt() -> None:
    old, new = new_key(), new_key()
    before = DataBox([old])
    token = before.encrypt("x")
    after = DataBox([new, old])
    assert after.decrypt(token) == "x"
    rotated = after.rotate(token)
    assert DataBox([new]).decrypt(rotated) == "x"
    with pytest.raises(ValueError, match="none of the data keys"):
        DataBox([new_key()]).decrypt(token)


def test_lookup_hash_is_keyed_stable_and_found_under_an_older_key() -> None:
    old, new = new_key(), new_key()
    uid = "U" + "1" * 32
    assert DataBox([old]).lookup_hash(uid) == DataBox([old]).lookup_hash(uid)
    assert DataBox([old]).lookup_hash(uid) != DataBox([new]).lookup_hash(uid)
    assert DataBox([old]).lookup_hash(uid) in DataBox([new, old]).all_lookup_hashes(uid)
    assert uid not in DataBox([old]).lookup_hash(uid)


def test_a_malformed_key_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="url-safe base64"):
        DataBox(["not-a-key"])
