"""Residents, stored webhook events, messages and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from madoguchi.shared import clock
from madoguchi.shared.db import Base, EncryptedText, UTCDateTime


class Resident(Base):
    """A LINE user. The LINE id lives only encrypted, found by its keyed hash."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    line_id_enc: Mapped[str | None] = mapped_column(EncryptedText)
    # What staff see: 相談者 + a short code.
    pseudonym: Mapped[str] = mapped_column(String(20), unique=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unfollowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The privacy notice: until they agree, their text is not kept after handling.
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A knowledge-base area (kb_areas.id). No foreign key: the bot's tables stay independent of the
    # knowledge package's migrations, and an area that disappears only means "area unknown".
    area_id: Mapped[int | None] = mapped_column(Integer)
    # Erasure asked for while a record was held (crisis or 記録保全): finished when the hold ends.
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookReceipt(Base):
    """Every webhookEventId ever accepted: a redelivered event finds its receipt and is not handled again.

    Kept apart from the event itself, which is deleted once handled.
    """

    __tablename__ = "webhook_receipts"

    webhook_event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


class WebhookEvent(Base):
    """A stored event waiting for (or parked after) handling; the payload is encrypted."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_queue", "status", "source_key", "event_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    # Keyed hash of the source (user, group or room): orders a resident's events without their id.
    source_key: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(40))
    event_ts: Mapped[int] = mapped_column(BigInteger)  # LINE's millisecond timestamp
    payload: Mapped[str] = mapped_column(EncryptedText)
    # pending -> processing -> (deleted) | failed (parked, re-runnable)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set while a text waits for the coalescing window (more of the same worry may follow).
    deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many later events of the resident the deferring handler read. One more waiting than that makes
    # the event claimable at once (to read it for a crisis). A count, not a time: an event stored while
    # the handler ran, unseen by it, can carry an arrival time earlier than the deferral.
    deferred_seen: Mapped[int | None] = mapped_column(Integer)


class Message(Base):
    """One message in or out, body encrypted. Conversations refer to these."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    sender: Mapped[str] = mapped_column(String(10))  # resident | bot | staff
    kind: Mapped[str] = mapped_column(String(20), default="text")  # text, sticker, image, ...
    body: Mapped[str | None] = mapped_column(EncryptedText)
    line_message_id: Mapped[str | None] = mapped_column(String(40), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    unsent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """Every request to LINE is a row first; one sender sends it (reply while fresh, else push)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_queue", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    # "message" (reply or push), or "leave" (the bot leaves a group or room after a polite word).
    action: Mapped[str] = mapped_column(String(20), default="message")
    # Target when it is not a resident (a group or room id): encrypted.
    target_enc: Mapped[str | None] = mapped_column(EncryptedText)
    # JSON list of LINE message objects (at most 5), encrypted.
    payload: Mapped[str] = mapped_column(EncryptedText)
    reply_token: Mapped[str | None] = mapped_column(String(255))
    reply_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_key: Mapped[str] = mapped_column(String(36))
    # pending -> sending -> sent | failed | skipped (resident blocked)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    via: Mapped[str | None] = mapped_column(String(10))  # reply | push, once sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    line_request_id: Mapped[str | None] = mapped_column(String(64))


class Conversation(Base):
    """One worry over time: with the bot, waiting for a person, with a person, closed. One open per resident.

    Erasure detaches it from the resident (resident_id NULL) and deletes its messages; what remains
    (labels, crisis flag, timestamps, transitions) is anonymous and feeds the weekly figures.
    """

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_queue", "status", "crisis", "waiting_since"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="bot")  # bot | waiting | human | closed
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)  # once set, for good
    crisis_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    crisis_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The crisis lines last sent (resource codes) and when: not repeated within 30 minutes.
    crisis_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    crisis_lines_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The coordinator holding it: an opaque staff id until the staff table exists.
    held_by: Mapped[str | None] = mapped_column(String(64))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The worry's category scores so far (follow-ups refine them) and the resources already shown.
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shown: Mapped[list[str]] = mapped_column(JSON, default=list)
    asked_topic_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 記録保全: a supervisor keeps the record (e.g. a child-abuse report the city must keep).
    record_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    record_hold_reason: Mapped[str | None] = mapped_column(Text)
    record_hold_by: Mapped[str | None] = mapped_column(String(64))
    record_hold_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_resident_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The resident's latest unused reply token (the bot stayed silent): a coordinator's reply can use it.
    reply_token: Mapped[str | None] = mapped_column(String(255))
    reply_token_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConversationTransition(Base):
    """Every change of a conversation's status, timestamped: drives the queue and the weekly figures."""

    __tablename__ = "conversation_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # bot | resident | staff:<id> | system
    reason: Mapped[str] = mapped_column(String(40))
