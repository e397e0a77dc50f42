"""Tallies: counts per (period, unit, counter, procedure, channel, review state, questionnaire),
kept in step with the answers so the index and the dashboard read O(units), never O(responses).

Every change is an atomic upsert (INSERT ... ON CONFLICT DO UPDATE SET counts = counts +
excluded.counts, the counts packed into one number: hailong/models/packing.py) in the
transaction of the change itself, so two app processes can count at once and a rolled-back
answer is never counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, TextClause, select
from sqlalchemy.orm import Session

from hailong.bulk import ColumnType, copy_upsert
from hailong.db import is_postgresql, typed_text
from hailong.models import Answer, Response, ResponseStatus, ReviewState, Tally, UnitTally
from hailong.models.packing import pack
from hailong.questionnaires.service import cached_questionnaire
from hailong.tallies.layout import TallyLayout, Vector, layout_for

TALLY_KEYS = (
    "period_id",
    "unit_id",
    "counter_id",
    "procedure_code",
    "channel",
    "review_state",
    "questionnaire_id",
)
UNIT_TALLY_KEYS = (
    "period_id",
    "unit_id",
    "channel",
    "review_state",
    "questionnaire_id",
)
# PostgreSQL types of the key columns, for COPY.
_KEY_TYPES = {
    "period_id": "int4",
    "unit_id": "int4",
    "counter_id": "int4",
    "procedure_code": "text",
    "channel": "text",
    "review_state": "text",
    "questionnaire_id": "int4",
}
# Below this many rows an upsert statement beats a COPY through a scratch table.
COPY_ROWS = 100


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
    into one row per key instead of one upsert per response.
    """

    def __init__(self) -> None:
        self.vectors: dict[Dimensions, Vector] = {}

    def vector(self, dimensions: Dimensions, layout: TallyLayout) -> Vector:
        vector = self.vectors.get(dimensions)
        if vector is None:
            vector = self.vectors[dimensions] = layout.vector()
        return vector

    def add_response(
        self,
        dimensions: Dimensions,
        layout: TallyLayout,
        answers: Mapping[str, str | None],
        *,
        sign: int = 1,
    ) -> None:
        layout.add_answers(self.vector(dimensions, layout), answers, sign=sign)

    def add_value(
        self, dimensions: Dimensions, layout: TallyLayout, key: str, value: str | None, n: int
    ) -> None:
        """Count `n` identical stored answers (one row of a raw GROUP BY)."""
        layout.add_value(self.vector(dimensions, layout), key, value, n)

    def update(self, other: TallyBatch) -> None:
        """Take over another batch's counts (of other dimensions than this one's)."""
        self.vectors.update(other.vectors)

    def __len__(self) -> int:
        """How many `tally` rows a write adds to."""
        return len(self.vectors)

    def rows(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Rows of the tally and the unit_tally table as (keys..., packed counts), keys in
        sorted order. Each vector is packed once; a unit row is the sum of its tally rows'
        packed counts, which adds up as the vectors would."""
        tally_rows: list[tuple[Any, ...]] = []
        merged: dict[tuple[Any, ...], int] = {}
        for dims in sorted(self.vectors):
            counts = pack(self.vectors[dims])
            if not counts:
                continue
            tally_rows.append((*_fine_values(dims), counts))
            key = dims.unit_part()
            merged[key] = merged.get(key, 0) + counts
        unit_rows = [(*key, counts) for key, counts in sorted(merged.items()) if counts]
        return tally_rows, unit_rows

    def write(self, session: Session) -> int:
        """Add the gathered counts to both tally tables, then start afresh; returns how many
        `tally` rows were written."""
        # Sorted keys: concurrent writers lock rows in the same order and cannot deadlock.
        rows, unit_rows = self.rows()
        if is_postgresql(session) and len(rows) >= COPY_ROWS:
            _copy_upsert(session, Tally.__tablename__, TALLY_KEYS, rows)
            _copy_upsert(session, UnitTally.__tablename__, UNIT_TALLY_KEYS, unit_rows)
        else:
            upsert(session, Tally.__table__, TALLY_KEYS, rows)
            upsert(session, UnitTally.__table__, UNIT_TALLY_KEYS, unit_rows)
        self.vectors.clear()
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


def upsert(
    session: Session, table: Table | Any, keys: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """counts = counts + excluded.counts, atomically, whichever database is in use."""
    if not rows:
        return
    names = (*keys, "counts")
    statement = _upsert_statement(table, keys, is_postgresql(session))
    session.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])


@cache
def _upsert_statement(table: Table | Any, keys: tuple[str, ...], postgresql: bool) -> TextClause:
    """The upsert of `table`, written once per database (a built ON CONFLICT statement is
    compiled again on every execution: hailong.db.typed_text)."""
    name = table.name
    # SQLite keeps packed counts as bytes, which its + cannot add: hailong.db gives it
    # tally_add().
    if postgresql:
        total = f"{name}.counts + excluded.counts"
    else:
        total = f"tally_add({name}.counts, excluded.counts)"
    columns = ", ".join((*keys, "counts"))
    values = ", ".join(f":{column}" for column in (*keys, "counts"))
    return typed_text(
        f"INSERT INTO {name} ({columns}) VALUES ({values}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET counts = {total}",
        table,
    )


def _copy_upsert(
    session: Session, table: str, keys: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """The same upsert with the rows sent by COPY (hailong.bulk): an import's or a rebuild's
    tens of thousands of rows at once."""
    columns: list[ColumnType] = [(key, _KEY_TYPES[key]) for key in keys]
    columns.append(("counts", "numeric"))
    # A batch holds each key once, so the one statement never touches a row twice.
    tail = (
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET counts = {table}.counts + excluded.counts"
    )
    copy_upsert(session, table, columns, rows, tail=tail)


def apply_response(
    session: Session, response: Response, answers: Mapping[str, str | None], *, sign: int
) -> None:
    """Add (sign=1) or remove (sign=-1) a finished response's answers to the tallies.

    Called in the same transaction as the change that finishes or re-reviews a response.
    """
    layout = layout_for(cached_questionnaire(session, response.questionnaire_id))
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
