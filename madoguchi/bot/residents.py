"""Residents: found by the keyed hash of their LINE id, shown to staff by pseudonym only."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from madoguchi.bot.models import Resident
from madoguchi.shared import clock, crypto

# No 0/O/1/I: staff read these codes aloud on the phone.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _new_pseudonym() -> str:
    return "相談者 " + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))


def find(session: Session, *, line_user_id: str) -> Resident | None:
    """The resident with this LINE id, whichever data key hashed it."""
    hashes = crypto.box().all_lookup_hashes(line_user_id)
    return session.scalars(select(Resident).where(Resident.line_id_hash.in_(hashes))).first()


def get_or_create(session: Session, *, line_user_id: str) -> tuple[Resident, bool]:
    """The resident for this LINE id, created on first contact; returns (resident, created)."""
    resident = find(session, line_user_id=line_user_id)
    if resident is not None:
        return resident, False
    for _ in range(8):
        resident = Resident(
            line_id_hash=crypto.box().lookup_hash(line_user_id),
            line_id_enc=line_user_id,
            pseudonym=_new_pseudonym(),
            created_at=clock.now(),
        )
        try:
            with session.begin_nested():
                session.add(resident)
                session.flush()
            return resident, True
        except IntegrityError:
            # A pseudonym collision (rare), or the same resident created concurrently.
            existing = find(session, line_user_id=line_user_id)
            if existing is not None:
                return existing, False
    raise RuntimeError("could not allocate a unique pseudonym")


def line_user_id(resident: Resident) -> str | None:
    """The LINE id, decrypted only where a message must be addressed."""
    return resident.line_id_enc


def mark_followed(session: Session, *, resident: Resident) -> None:
    resident.blocked = False
    resident.followed_at = clock.now()
    session.flush()


def mark_blocked(session: Session, *, resident: Resident) -> None:
    """An unfollow: nothing more is sent to this resident until they follow again."""
    resident.blocked = True
    resident.unfollowed_at = clock.now()
    session.flush()


def rehash_all(session: Session) -> int:
    """Recompute every lookup hash under the first data key (after `keys rotate`)."""
    box = crypto.box()
    n = 0
    for resident in session.scalars(select(Resident).where(Resident.line_id_enc.isnot(None))):
        resident.line_id_hash = box.lookup_hash(resident.line_id_enc or "")
        n += 1
    session.flush()
    return n
