"""packed_tallies: one tally row per response dimensions, every answer count packed in one number

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:00:00.000000

The tallies were one row per question with ten count columns; the national index then summed
hundreds of thousands of rows column by column. Now each row packs all its counts into one
number (hailong/models/packing.py). Tallies are derived from the answers: the upgrade refills
them from the raw answers with the application's own rebuild (should a later revision change
the tables the rebuild reads, this one must get a frozen copy of it). The downgrade brings
back the old, empty tables: run `hailong tallies rebuild` of the older version afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SLOT_COLUMNS = tuple(f"n{slot}" for slot in range(10))


def _foreign_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f(f'fk_{table}_period_id_period'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f(f'fk_{table}_unit_id_unit')),
        sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire_version.id'], name=op.f(f'fk_{table}_questionnaire_id_questionnaire_version')),
    ]


def _fine_keys() -> list[sa.Column]:
    return [
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('counter_id', sa.Integer(), nullable=False),
        sa.Column('procedure_code', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('review_state', sa.String(length=16), nullable=False),
        sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    ]


def _unit_keys() -> list[sa.Column]:
    return [
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('review_state', sa.String(length=16), nullable=False),
        sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    ]


def _packed() -> sa.Column:
    # An exact number of any size on PostgreSQL; SQLite's integers stop at 64 bits.
    if op.get_bind().dialect.name == 'postgresql':
        return sa.Column('counts', sa.Numeric(), nullable=False)
    return sa.Column('counts', sa.LargeBinary(), nullable=False)


def upgrade() -> None:
    op.drop_table('unit_tally')
    op.drop_table('tally')
    op.create_table('tally',
    *_fine_keys(),
    _packed(),
    *_foreign_keys('tally'),
    sa.PrimaryKeyConstraint('period_id', 'unit_id', 'counter_id', 'procedure_code', 'channel', 'review_state', 'questionnaire_id', name=op.f('pk_tally'))
    )
    op.create_table('unit_tally',
    *_unit_keys(),
    _packed(),
    *_foreign_keys('unit_tally'),
    sa.PrimaryKeyConstraint('period_id', 'unit_id', 'channel', 'review_state', 'questionnaire_id', name=op.f('pk_unit_tally'))
    )
    _rebuild()


def _rebuild() -> None:
    from sqlalchemy.orm import load_only

    from hailong.models import Period
    from hailong.tallies import verify

    session = Session(bind=op.get_bind())
    # Only the columns this revision knew: later revisions add others to the model.
    known = load_only(Period.id, Period.questionnaire_id)
    for period in session.scalars(sa.select(Period).options(known).order_by(Period.id)).all():
        verify.rebuild(session, period)
    session.flush()


def _old_slots() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in OLD_SLOT_COLUMNS]


def _old_question_keys() -> list[sa.Column]:
    return [
        sa.Column('question_key', sa.String(length=40), nullable=False),
        sa.Column('part', sa.Integer(), nullable=False),
    ]


def downgrade() -> None:
    op.drop_table('unit_tally')
    op.drop_table('tally')
    op.create_table('tally',
    *_fine_keys(),
    *_old_question_keys(),
    *_old_slots(),
    *_foreign_keys('tally'),
    sa.PrimaryKeyConstraint('period_id', 'unit_id', 'counter_id', 'procedure_code', 'channel', 'review_state', 'questionnaire_id', 'question_key', 'part', name=op.f('pk_tally'))
    )
    op.create_table('unit_tally',
    *_unit_keys(),
    *_old_question_keys(),
    *_old_slots(),
    *_foreign_keys('unit_tally'),
    sa.PrimaryKeyConstraint('period_id', 'unit_id', 'channel', 'review_state', 'questionnaire_id', 'question_key', 'part', name=op.f('pk_unit_tally'))
    )
