"""review states as ODK Central names them (pending -> received, has_issues); a period's
owning unit and its closing time

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03 12:40:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows carry a review state: the responses and both tallies (a key column there,
# but no row can hold the new name yet, so renaming in place never collides).
STATE_TABLES = ("response", "tally", "unit_tally")


def _rename_state(old: str, new: str) -> None:
    for table in STATE_TABLES:
        op.execute(
            sa.text(f"UPDATE {table} SET review_state = :new WHERE review_state = :old").bindparams(
                old=old, new=new
            )
        )


def _counted_states(change: dict[str, list[str]]) -> None:
    """Rewrite each period's counted review states (a JSON list) through `change`."""
    bind = op.get_bind()
    period = sa.table(
        "period", sa.column("id", sa.Integer), sa.column("counted_review_states", sa.JSON)
    )
    for period_id, states in bind.execute(sa.select(period.c.id, period.c.counted_review_states)):
        listed = states if isinstance(states, list) else json.loads(states or "[]")
        renamed: list[str] = []
        for state in listed:
            for replacement in change.get(state, [state]):
                if replacement not in renamed:
                    renamed.append(replacement)
        bind.execute(
            period.update().where(period.c.id == period_id).values(counted_review_states=renamed)
        )


def upgrade() -> None:
    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_period_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_period_unit_id_unit"), "unit", ["unit_id"], ["id"]
        )
    _rename_state("pending", "received")
    # A period that counted responses nobody had decided on counts those with issues too.
    _counted_states({"pending": ["received", "has_issues"]})


def downgrade() -> None:
    # has_issues had no name before: such a response was still undecided. Its tallies would
    # have to merge with the received ones' packed counts, which SQL cannot add here.
    flagged = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM response WHERE review_state = 'has_issues'")
    )
    if flagged:
        raise RuntimeError(
            f"{flagged} responses are marked has_issues: set them to received, approved or "
            "rejected (hailong responses review) before downgrading."
        )
    _rename_state("received", "pending")
    _counted_states({"received": ["pending"], "has_issues": ["pending"]})
    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_period_unit_id_unit"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_period_unit_id"))
        batch_op.drop_column("closed_at")
        batch_op.drop_column("unit_id")
