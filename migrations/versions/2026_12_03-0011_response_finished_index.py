"""response: an index for the latest finished responses of a period and channel

The landing page and the posters promise the median time of the period's latest completed web
responses; this index reads them without scanning the whole period.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '0011'
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_response_period_channel_finished',
        'response',
        ['period_id', 'channel', 'status', 'submitted_at'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_response_period_channel_finished', table_name='response')
