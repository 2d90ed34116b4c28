"""Encryption at rest (Fernet/MultiFernet) and keyed hashes for lookups.

The first key encrypts, all keys decrypt (rotation). Lookup hashes are HMACs
under a key derived from each data key, so a rotation can still find rows
hashed under an older key until `madoguchi keys rotate` rewrites them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DataBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        try:
            self._fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
        except (ValueError, TypeError) as exc:
            raise ValueError(
                "MADOGUCHI_DATA_KEY must be Fernet keys (32 bytes, url-safe base64), comma-separated"
            ) from exc
        self._multi = MultiFernet(self._fernets)
        self._hash_keys = [
            hashlib.sha256(b"madoguchi-lookup-v1" + base64.urlsafe_b64decode(k)).digest() for k in keys
        ]

    def encrypt(self, text: str) -> str:
        return self._multi.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: none of the data keys fits") from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first key."""
        return self._multi.rotate(token.encode("ascii")).decode("ascii")

    def lookup_hash(self, value: str) -> str:
        return self._hash(self._hash_keys[0], value)

    def all_lookup_hashes(self, value: str) -> list[str]:
        return [self._hash(k, value) for k in self._hash_keys]

    @staticmethod
    def _hash(key: bytes, value: str) -> str:
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


_box: DataBox | None = None


def configure(keys: list[str]) -> DataBox:
    global _box
    _box = DataBox(keys)
    return _box


def box() -> DataBox:
    if _box is None:
        raise RuntimeError("data keys are not configured (crypto.configure was not called)")
    return _box


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
