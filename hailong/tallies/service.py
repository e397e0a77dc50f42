"""Tallies: counts per (period, unit, counter, procedure, channel, review state, question, answer),
kept in step with the answers so the index and the dashboard read O(units), never O(responses).

Every change is an atomic upsert (INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n) in
the transaction of the change itself, so two app processes can count at once and a rolled-back
answer is never counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from hailong.db import dialect_insert
from hailong.models import Answer, Response, ResponseStatus, ReviewState, Tally, UnitTally
from hailong.models.tally import SLOT_COLUMNS, SLOTS
from hailong.questionnaires.service import questionnaire_by_id
from hailong.tallies.layout import Block, TallyLayout, layout_for

TALLY_KEYS = (
    "period_id",
    "unit_id",
    "counter_id",
    "procedure_code",
    "channel",
    "review_state",
    "questionnaire_id",
    "question_key",
    "part",
)
UNIT_TALLY_KEYS = (
    "period_id",
    "unit_id",
    "channel",
    "review_state",
    "questionnaire_id",
    "question_key",
    "part",
)


@dataclass(frozen=True, order=True)
class Dimensions:
    """What a response is counted under. Key columns are never NULL (ON CONFLICT needs that)."""

    period_id: int
    unit_id: int
    counter_id: int  # 0: no counter (a paper form)
    procedure_code: str  # "": none given
    channel: str
    review_state: str
    questionnaire_id: int

    def unit_part(self) -> tuple[int, int, str, str, int]:
        return (
            self.period_id,
            self.unit_id,
            self.channel,
            self.review_state,
            self.questionnaire_id,
        )


def dimensions_of(response: Response) -> Dimensions:
    return Dimensions(
        period_id=response.period_id,
        unit_id=response.unit_id,
        counter_id=response.counter_id or 0,
        procedure_code=response.procedure_code or "",
        channel=response.channel,
        review_state=response.review_state,
        questionnaire_id=response.questionnaire_id,
    )


class TallyBatch:
    """Counts gathered in memory and written with one upsert per table.

    Imports and rebuilds add thousands of responses per batch; aggregating first turns them
    into one row per key instead of one upsert per answer.
    """

    def __init__(self) -> None:
        self.blocks: dict[Dimensions, Block] = {}

    def block(self, dimensions: Dimensions) -> Block:
        block = self.blocks.get(dimensions)
        if block is None:
            block = self.blocks[dimensions] = {}
        return block

    def add_response(
        self,
        dimensions: Dimensions,
        layout: TallyLayout,
        answers: Mapping[str, str | None],
        *,
        sign: int = 1,
    ) -> None:
        layout.add_answers(self.block(dimensions), answers, sign=sign)

    def add_value(
        self, dimensions: Dimensions, layout: TallyLayout, key: str, value: str | None, n: int
    ) -> None:
        """Count `n` identical stored answers (one row of a raw GROUP BY)."""
        layout.add_value(self.block(dimensions), key, value, n)

    def __len__(self) -> int:
        return sum(len(block) for block in self.blocks.values())

    def tally_values(self) -> Iterator[tuple[Any, ...]]:
        """Rows of the tally table as (TALLY_KEYS..., slots...), keys in sorted order."""
        for dims in sorted(self.blocks):
            head = _fine_values(dims)
            for (key, part), slots in sorted(self.blocks[dims].items()):
                if any(slots):
                    yield (*head, key, part, *slots)

    def unit_tally_values(self) -> Iterator[tuple[Any, ...]]:
        """Rows of the unit_tally table as (UNIT_TALLY_KEYS..., slots...), sorted."""
        merged: dict[tuple[Any, ...], list[int]] = {}
        for dims, block in self.blocks.items():
            head = dims.unit_part()
            for (key, part), slots in block.items():
                target = merged.get((*head, key, part))
                if target is None:
                    merged[(*head, key, part)] = list(slots)
                else:
                    for slot in range(SLOTS):
                        target[slot] += slots[slot]
        for unit_key, slots in sorted(merged.items()):
            if any(slots):
                yield (*unit_key, *slots)

    def tally_rows(self) -> list[dict[str, Any]]:
        return [_row(TALLY_KEYS, values) for values in self.tally_values()]

    def unit_tally_rows(self) -> list[dict[str, Any]]:
        return [_row(UNIT_TALLY_KEYS, values) for values in self.unit_tally_values()]

    def write(self, session: Session) -> int:
        """Add the gathered counts to both tally tables, then start afresh; returns how many
        `tally` rows were written."""
        # Sorted keys: concurrent writers lock rows in the same order and cannot deadlock.
        rows = self.tally_rows()
        upsert(session, Tally.__table__, TALLY_KEYS, rows)
        upsert(session, UnitTally.__table__, UNIT_TALLY_KEYS, self.unit_tally_rows())
        self.blocks.clear()
        return len(rows)


def _fine_values(dims: Dimensions) -> tuple[Any, ...]:
    return (
        dims.period_id,
        dims.unit_id,
        dims.counter_id,
        dims.procedure_code,
        dims.channel,
        dims.review_state,
        dims.questionnaire_id,
    )


def _row(keys: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip((*keys, *SLOT_COLUMNS), values, strict=True))


def upsert(
    session: Session, table: Table | Any, keys: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """n = n + excluded.n for every slot, atomically, whichever database is in use."""
    if not rows:
        return
    statement = dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in SLOT_COLUMNS},
    )
    session.execute(statement, rows)


def apply_response(
    session: Session, response: Response, answers: Mapping[str, str | None], *, sign: int
) -> None:
    """Add (sign=1) or remove (sign=-1) a finished response's answers to the tallies.

    Called in the same transaction as the change that finishes or re-reviews a response.
    """
    layout = layout_for(questionnaire_by_id(session, response.questionnaire_id))
    batch = TallyBatch()
    batch.add_response(dimensions_of(response), layout, answers, sign=sign)
    batch.write(session)


def set_review_state(session: Session, response: Response, state: str) -> None:
    """Approve or reject a response, moving its counts to the new review state's tallies."""
    state = ReviewState(state)
    # Lock the response first: two officials deciding at once must not move its counts twice.
    session.flush()
    session.refresh(response, with_for_update=True)
    if state == response.review_state:
        return
    counted = response.status == ResponseStatus.completed
    if counted:
        answers = _stored_answers(session, response.id)
        apply_response(session, response, answers, sign=-1)
    response.review_state = state
    if counted:
        apply_response(session, response, answers, sign=1)
    session.flush()


def _stored_answers(session: Session, response_id: int) -> dict[str, str | None]:
    rows = session.execute(
        select(Answer.question_key, Answer.value).where(Answer.response_id == response_id)
    )
    return {key: value for key, value in rows}
