"""Records several packages write: alerts, the audit log, worker heartbeats, small system state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from madoguchi.shared import clock
from madoguchi.shared.db import Base, UTCDateTime


class Alert(Base):
    """Something staff must see (LINE quota used up, a failed event, a crisis for a holder)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    # Japanese, for staff; never resident text or a LINE id.
    message: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(80))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(Text)


class SystemState(Base):
    """Small named values shared by all processes (e.g. pushes paused until quota returns)."""

    __tablename__ = "system_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class WorkerHeartbeat(Base):
    """Each worker loop writes here; /readyz says 503 when none has beaten recently."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
