"""Tallies recomputed from raw answers: `hailong tallies rebuild` and `hailong tallies check`.

Both stream one GROUP BY over answer JOIN response, ordered by unit, and hold one unit's counts
at a time, so a period of millions of responses needs no more memory than a small one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Select, String, cast, delete, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from hailong.db import is_postgresql
from hailong.models import Answer, Period, Response, ResponseStatus, Tally, Unit, UnitTally
from hailong.models.packing import CorruptTally
from hailong.questionnaires.service import questionnaire_by_id
from hailong.tallies.layout import RESPONSES_KEY, TallyLayout, layout_for
from hailong.tallies.service import (
    TALLY_KEYS,
    UNIT_TALLY_KEYS,
    Dimensions,
    TallyBatch,
)

STREAM_ROWS = 5000
# Tally rows (vectors of every answer code's count) gathered before a rebuild writes them.
WRITE_ROWS = 5000

_DIMENSIONS = (
    Response.unit_id,
    Response.counter_id,
    Response.procedure_code,
    Response.channel,
    Response.review_state,
    Response.questionnaire_id,
)


def _tallied_keys(session: Session, period: Period) -> set[str]:
    ids = set(
        session.scalars(
            select(Response.questionnaire_id).where(Response.period_id == period.id).distinct()
        )
    )
    ids.add(period.questionnaire_id)
    keys: set[str] = set()
    for questionnaire_id in ids:
        keys |= set(_layout(session, questionnaire_id).questions)
    return keys


def _layout(session: Session, questionnaire_id: int) -> TallyLayout:
    return layout_for(questionnaire_by_id(session, questionnaire_id))


def raw_tally_query(period_id: int, keys: Iterable[str]) -> Select[Any]:
    """Counts of each stored answer of completed responses, by every tally dimension."""
    counted = (Response.period_id == period_id, Response.status == ResponseStatus.completed)
    answers = (
        select(*_DIMENSIONS, Answer.question_key, Answer.value, func.count().label("n"))
        .join(Response, Response.id == Answer.response_id)
        .where(*counted, Answer.value.is_not(None), Answer.question_key.in_(sorted(keys)))
        .group_by(*_DIMENSIONS, Answer.question_key, Answer.value)
    )
    responses = (
        select(*_DIMENSIONS, literal(RESPONSES_KEY, String), cast(null(), String), func.count())
        .where(*counted)
        .group_by(*_DIMENSIONS)
    )
    combined = union_all(answers, responses).subquery()
    return select(*combined.c).order_by(combined.c.unit_id)


def raw_batches(session: Session, period: Period) -> Iterator[tuple[int, TallyBatch]]:
    """Per unit (in unit id order), the tallies its raw answers add up to."""
    layouts: dict[int, TallyLayout] = {}
    query = raw_tally_query(period.id, _tallied_keys(session, period))
    rows = session.execute(query.execution_options(yield_per=STREAM_ROWS))
    for unit_id, unit_rows in groupby(rows, key=lambda row: row[0]):
        batch = TallyBatch()
        for _, counter_id, procedure, channel, state, qid, key, value, n in unit_rows:
            layout = layouts.get(qid) or layouts.setdefault(qid, _layout(session, qid))
            dimensions = Dimensions(
                period.id, unit_id, counter_id or 0, procedure or "", channel, state, qid
            )
            batch.add_value(dimensions, layout, key, value, n)
        yield unit_id, batch


def lock_tallies(session: Session) -> None:
    """Make live answers wait while a rebuild runs: a response that completes meanwhile is
    then counted exactly once, by its own upsert after the rebuild commits."""
    if is_postgresql(session):
        session.connection().exec_driver_sql(
            "LOCK TABLE tally, unit_tally IN SHARE ROW EXCLUSIVE MODE"
        )


def units_with_responses(session: Session, period: Period) -> int:
    """How many units a rebuild or a check walks through: the length of its progress bar."""
    query = select(func.count(func.distinct(Response.unit_id))).where(
        Response.period_id == period.id, Response.status == ResponseStatus.completed
    )
    return session.scalar(query) or 0


def rebuild(session: Session, period: Period, *, on_unit: Callable[[], None] | None = None) -> int:
    """Recompute a period's tallies from its raw answers; returns the tally rows written.

    `on_unit` is called once per unit done, for a progress bar.
    """
    lock_tallies(session)
    session.execute(delete(Tally).where(Tally.period_id == period.id))
    session.execute(delete(UnitTally).where(UnitTally.period_id == period.id))
    pending = TallyBatch()
    written = 0
    for _, batch in raw_batches(session, period):
        pending.update(batch)
        if on_unit is not None:
            on_unit()
        if len(pending) >= WRITE_ROWS:
            written += pending.write(session)
    written += pending.write(session)
    session.flush()
    return written


@dataclass(frozen=True)
class Change:
    question: str  # a question's key, or RESPONSES_KEY for the count of responses
    expected: tuple[int, ...]  # from the raw answers
    found: tuple[int, ...] | None  # in the tally table; None: the stored number is unreadable


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]  # the row's key columns, questionnaire_id last
    changes: tuple[Change, ...]


Keyed = dict[tuple[Any, ...], int]


def _stored(
    session: Session, table: Any, keys: tuple[str, ...], period: Period
) -> Iterator[tuple[int, Keyed]]:
    query = (
        select(*(table.c[k] for k in keys), table.c.counts)
        .where(table.c.period_id == period.id)
        .order_by(table.c.unit_id)
    )
    rows = session.execute(query.execution_options(yield_per=STREAM_ROWS))
    unit_position = keys.index("unit_id")
    for unit_id, unit_rows in groupby(rows, key=lambda row: row[unit_position]):
        # Rows brought back to zero (a rejected response) are no counts at all.
        yield unit_id, _keyed(row for row in unit_rows if row[-1])


def _keyed(rows: Iterable[Sequence[Any]]) -> Keyed:
    """Rows of (keys..., packed counts) by their keys."""
    return {tuple(row[:-1]): row[-1] for row in rows}


class Comparer:
    """Tells, question by question, how stored packed counts differ from the expected ones."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.layouts: dict[int, TallyLayout] = {}

    def compare(self, table: str, expected: Keyed, found: Keyed) -> list[Difference]:
        differences = []
        for key in sorted(set(expected) | set(found), key=repr):
            want, have = expected.get(key, 0), found.get(key, 0)
            if want != have:
                changes = self._changes(key[-1], want, have)
                differences.append(Difference(table, key, changes))
        return differences

    def _changes(self, questionnaire_id: int, want: int, have: int) -> tuple[Change, ...]:
        layout = self.layouts.get(questionnaire_id)
        if layout is None:
            layout = self.layouts[questionnaire_id] = _layout(self.session, questionnaire_id)
        expected = layout.by_question(want)
        try:
            found = layout.by_question(have)
        except CorruptTally:
            return (Change(RESPONSES_KEY, expected[RESPONSES_KEY], None),)
        return tuple(
            Change(question, counts, found[question])
            for question, counts in expected.items()
            if counts != found[question]
        )


def _merge(*streams: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, list[Any]]]:
    """Walk several unit-ordered streams together: (unit id, each stream's item or None)."""
    heads = [next(stream, None) for stream in streams]
    while any(head is not None for head in heads):
        unit_id = min(head[0] for head in heads if head is not None)
        items = []
        for index, head in enumerate(heads):
            if head is not None and head[0] == unit_id:
                items.append(head[1])
                heads[index] = next(streams[index], None)
            else:
                items.append(None)
        yield unit_id, items


def repeatable_read(session: Session) -> None:
    """On PostgreSQL, one snapshot for the whole transaction (REPEATABLE READ).

    It can only be chosen before the transaction's first statement; later it does nothing.
    """
    if is_postgresql(session) and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def check(session: Session, period: Period) -> list[Difference]:
    """Every difference between the stored tallies and the raw answers (none: they agree).

    Run it in a transaction of its own: on PostgreSQL it asks for a REPEATABLE READ snapshot,
    so answers arriving meanwhile cannot show up on one side only.
    """
    repeatable_read(session)
    differences: list[Difference] = []
    comparer = Comparer(session)
    streams = (
        raw_batches(session, period),
        _stored(session, Tally.__table__, TALLY_KEYS, period),
        _stored(session, UnitTally.__table__, UNIT_TALLY_KEYS, period),
    )
    for _, (raw, tally, unit_tally) in _merge(*streams):
        batch = raw or TallyBatch()
        tally_rows, unit_rows = batch.rows()
        differences += comparer.compare("tally", _keyed(tally_rows), tally or {})
        differences += comparer.compare("unit_tally", _keyed(unit_rows), unit_tally or {})
    return differences


def unit_codes(session: Session, differences: Iterable[Difference]) -> dict[int, str]:
    """The codes of the units the differences name, in one query (to show them to people)."""
    ids = {d.key[key_names(d.table).index("unit_id")] for d in differences}
    return dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids))).tuples().all())


def key_names(table: str) -> tuple[str, ...]:
    """The key columns of a tally table, in the order of a Difference's key."""
    return TALLY_KEYS if table == "tally" else UNIT_TALLY_KEYS
