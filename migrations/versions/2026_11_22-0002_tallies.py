"""tallies: answer counts per unit and per counter/procedure, for the index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOT_COLUMNS = tuple(f"n{slot}" for slot in range(10))


def _slots() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in SLOT_COLUMNS]


def _common_keys() -> list[sa.Column]:
    return [
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
    ]


def _foreign_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f(f'fk_{table}_period_id_period'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f(f'fk_{table}_unit_id_unit')),
        sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire_version.id'], name=op.f(f'fk_{table}_questionnaire_id_questionnaire_version')),
    ]


def upgrade() -> None:
    op.create_table('tally',
    *_common_keys(),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('review_state', sa.String(length=16), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    *_slots(),
    *_foreign_keys('tally'),
    sa.PrimaryKeyConstraint('period_id', 'unit_id', 'counter_id', 'procedure_code', 'channel', 'review_state', 'questionnaire_id', 'question_key', 'part', name=op.f('pk_tally'))
    )
    op.create_table('unit_tally',
    *_common_keys(),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('review_state', sa.String(length=16), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    *_slots(),
    *_foreign_keys('unit_tally'),
    sa.PrimaryKeyConstraint('period_id', 'unit_id', 'channel', 'review_state', 'questionnaire_id', 'question_key', 'part', name=op.f('pk_unit_tally'))
    )


def downgrade() -> None:
    op.drop_table('unit_tally')
    op.drop_table('tally')
