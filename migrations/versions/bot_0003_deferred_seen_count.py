"""webhook events: the count of later events a deferring handler read

A deferred text woke when a newer event's arrival time passed the deferral's. An event stored while the
handler ran, unseen by it, arrived before the deferral and so never woke it: a crisis sent second waited
out the whole coalescing window. The count of later events the handler read replaces the times.

Revision ID: bot_0003
Revises: bot_0002
Create Date: 2026-11-28 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'bot_0003'
down_revision: str | Sequence[str] | None = 'bot_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deferred_seen', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_column('deferred_seen')
