"""foundation: residents, events, messages, outbox, alerts

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 19:47:25.693497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import madoguchi.shared.db


revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=True),
    sa.Column('raised_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('cleared_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_kind'), ['kind'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id_hash', sa.String(length=64), nullable=True),
    sa.Column('line_id_enc', madoguchi.shared.db.EncryptedText(), nullable=True),
    sa.Column('pseudonym', sa.String(length=20), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('followed_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.Column('unfollowed_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('erased_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residents')),
    sa.UniqueConstraint('line_id_hash', name=op.f('uq_residents_line_id_hash')),
    sa.UniqueConstraint('pseudonym', name=op.f('uq_residents_pseudonym'))
    )
    op.create_table('system_state',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('updated_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_system_state'))
    )
    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_event_id', sa.String(length=64), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('event_ts', sa.BigInteger(), nullable=False),
    sa.Column('payload', madoguchi.shared.db.EncryptedText(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('locked_until', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('received_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('webhook_event_id', name=op.f('uq_webhook_events_webhook_event_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_events_queue', ['status', 'source_key', 'event_ts'], unique=False)

    op.create_table('webhook_receipts',
    sa.Column('webhook_event_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('webhook_event_id', name=op.f('pk_webhook_receipts'))
    )
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_receipts_received_at'), ['received_at'], unique=False)

    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('beat_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('target_enc', madoguchi.shared.db.EncryptedText(), nullable=True),
    sa.Column('payload', madoguchi.shared.db.EncryptedText(), nullable=False),
    sa.Column('reply_token', sa.String(length=255), nullable=True),
    sa.Column('reply_token_expires_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.Column('retry_key', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('locked_until', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.Column('via', sa.String(length=10), nullable=True),
    sa.Column('created_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('line_request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_outbox_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_queue', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_resident_id'), ['resident_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', madoguchi.shared.db.EncryptedText(), nullable=True),
    sa.Column('line_message_id', sa.String(length=40), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', madoguchi.shared.db.UTCDateTime(), nullable=False),
    sa.Column('unsent_at', madoguchi.shared.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_messages_outbox_id_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_messages_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_line_message_id'), ['line_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_resident_id'), ['resident_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_resident_id'))
        batch_op.drop_index(batch_op.f('ix_messages_line_message_id'))

    op.drop_table('messages')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_resident_id'))
        batch_op.drop_index('ix_outbox_queue')

    op.drop_table('outbox')
    op.drop_table('worker_heartbeats')
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_receipts_received_at'))

    op.drop_table('webhook_receipts')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_queue')

    op.drop_table('webhook_events')
    op.drop_table('system_state')
    op.drop_table('residents')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_kind'))

    op.drop_table('alerts')
