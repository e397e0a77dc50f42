"""invitations_and_enumerators: the e-mail of an invitation, enumerators' units

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('enumerator_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('tie', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_enumerator_unit_account_id_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_enumerator_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enumerator_unit')),
    sa.UniqueConstraint('account_id', 'unit_id', name=op.f('uq_enumerator_unit_account_id_unit_id')),
    )
    op.create_index(op.f('ix_enumerator_unit_account_id'), 'enumerator_unit', ['account_id'], unique=False)
    with op.batch_alter_table('invitation') as batch:
        batch.add_column(sa.Column('message_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.drop_column('message_id')
    op.drop_index(op.f('ix_enumerator_unit_account_id'), table_name='enumerator_unit')
    op.drop_table('enumerator_unit')
