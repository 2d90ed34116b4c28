"""Re-encrypt every encrypted column under the first data key (`madoguchi keys rotate`)."""

from __future__ import annotations

from sqlalchemy import MetaData, column, select, table, update
from sqlalchemy.orm import Session

from madoguchi.shared import crypto
from madoguchi.shared.db import EncryptedText


def reencrypt_all(session: Session, *, metadata: MetaData, batch: int = 500) -> int:
    """Rewrite every EncryptedText value under the first key; returns how many values were rewritten."""
    box = crypto.box()
    count = 0
    for full in metadata.sorted_tables:
        names = [c.name for c in full.columns if isinstance(c.type, EncryptedText)]
        pk = list(full.primary_key.columns)
        if not names or len(pk) != 1:
            continue
        # Untyped columns: the stored tokens pass through as they are, in both directions.
        raw = table(full.name, column(pk[0].name), *(column(n) for n in names))
        key = raw.c[pk[0].name]
        last = None
        while True:
            stmt = select(raw).order_by(key).limit(batch)
            if last is not None:
                stmt = stmt.where(key > last)
            rows = session.execute(stmt).mappings().all()
            if not rows:
                break
            for row in rows:
                values = {n: box.rotate(row[n]) for n in names if row[n] is not None}
                if values:
                    session.execute(update(raw).where(key == row[pk[0].name]).values(values))
                    count += len(values)
            last = rows[-1][pk[0].name]
    session.flush()
    return count
