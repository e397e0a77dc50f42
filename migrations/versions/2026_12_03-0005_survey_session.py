"""survey_session: e-mail invitations, the enumerator of an interview, the web form's resume
key, and responses that rate no criterion left out of the counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00.000000

A response finished without a single criterion rated is now `unrated`: kept, never counted.
The upgrade finds such responses among the completed ones and refills the tallies of their
periods with the application's own rebuild (as 0004 does); the downgrade makes them
`completed` again and refills those tallies too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_response = sa.table(
    'response',
    sa.column('id', sa.Integer()),
    sa.column('period_id', sa.Integer()),
    sa.column('questionnaire_id', sa.Integer()),
    sa.column('status', sa.String()),
)
_answer = sa.table(
    'answer',
    sa.column('response_id', sa.Integer()),
    sa.column('question_key', sa.String()),
    sa.column('value', sa.Text()),
)


def upgrade() -> None:
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('dossier_id', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_invitation_period_id_period')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_invitation_response_id_response'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_invitation_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('response_id', name=op.f('uq_invitation_response_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash')),
    sa.UniqueConstraint('unit_id', 'dossier_id', name=op.f('uq_invitation_unit_id_dossier_id'))
    )
    # Plain ALTER TABLE on both databases: a batch copy of `response` on SQLite would drop the
    # old table, and its foreign keys' ON DELETE CASCADE would take every answer with it.
    op.add_column('response', sa.Column('resume_key_hash', sa.String(length=64), nullable=True))
    op.add_column('response', sa.Column('enumerator_id', sa.Integer(), nullable=True))
    op.create_index('ix_response_unrated', 'response', ['period_id', 'unit_id'], unique=False, sqlite_where=sa.text("status = 'unrated'"), postgresql_where=sa.text("status = 'unrated'"))
    _mark_unrated()


def downgrade() -> None:
    changed = _periods_with('unrated')
    op.execute(_response.update().where(_response.c.status == 'unrated').values(status='completed'))
    _rebuild(changed)
    op.drop_index('ix_response_unrated', table_name='response', sqlite_where=sa.text("status = 'unrated'"), postgresql_where=sa.text("status = 'unrated'"))
    op.drop_column('response', 'enumerator_id')
    op.drop_column('response', 'resume_key_hash')
    op.drop_table('invitation')


def _mark_unrated() -> None:
    from hailong.questionnaires.service import questionnaire_by_id

    session = Session(bind=op.get_bind())
    versions = session.scalars(sa.select(_response.c.questionnaire_id).distinct()).all()
    for version in versions:
        criteria = questionnaire_by_id(session, version).criteria_keys()
        rated = sa.select(_answer.c.response_id).where(
            _answer.c.response_id == _response.c.id,
            _answer.c.question_key.in_(criteria),
            _answer.c.value.is_not(None),
        )
        session.execute(
            _response.update()
            .where(
                _response.c.questionnaire_id == version,
                _response.c.status == 'completed',
                ~sa.exists(rated),
            )
            .values(status='unrated')
        )
    _rebuild(_periods_with('unrated'))


def _periods_with(status: str) -> list[int]:
    query = sa.select(_response.c.period_id).where(_response.c.status == status).distinct()
    return list(op.get_bind().scalars(query))


def _rebuild(period_ids: list[int]) -> None:
    from sqlalchemy.orm import load_only

    from hailong.models import Period
    from hailong.tallies import verify

    session = Session(bind=op.get_bind())
    for period_id in sorted(period_ids):
        # Only the columns this revision knew: later revisions add others to the model.
        period = session.get(
            Period, period_id, options=[load_only(Period.id, Period.questionnaire_id)]
        )
        if period is not None:
            verify.rebuild(session, period)
    session.flush()
