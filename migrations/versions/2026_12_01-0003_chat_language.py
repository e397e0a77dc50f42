"""chat_language: the language a chat respondent chose before starting a survey

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_language',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('respondent_ref', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'respondent_ref', name=op.f('pk_chat_language'))
    )


def downgrade() -> None:
    op.drop_table('chat_language')
