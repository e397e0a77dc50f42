"""outbox_message: messages to send after the transaction that caused them commits

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:49:36.308752
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("state IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('ordering_key', sa.String(length=128), nullable=True),
    sa.Column('recipient', sa.String(length=320), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('idempotency_key', 'channel', name=op.f('uq_outbox_message_idempotency_key_channel'))
    )
    op.create_index('ix_outbox_message_open_available_at', 'outbox_message', ['available_at', 'id'], unique=False, sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index('ix_outbox_message_open_ordering_key', 'outbox_message', ['ordering_key', 'id'], unique=False, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index('ix_outbox_message_open_ordering_key', table_name='outbox_message')
    op.drop_index('ix_outbox_message_open_available_at', table_name='outbox_message')
    op.drop_table('outbox_message')
