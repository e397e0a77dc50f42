"""Counted answers per unit (or per counter, or per procedure), from the tallies or from raw
answers. Both end in the same UnitCounts, so the formula cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from hailong.index.formula import UnitCounts
from hailong.models import Answer, Response, ResponseStatus, Tally, Unit, UnitTally
from hailong.models.tally import SLOT_COLUMNS, SLOTS
from hailong.questionnaires.service import questionnaire_by_id
from hailong.tallies.layout import RESPONSES_KEY, TallyLayout, layout_for

GroupKey = Any  # a column's value, or a tuple of several


@dataclass(frozen=True)
class Selection:
    """Which responses count: the period, the channel group, the review states, the units."""

    period_id: int
    questionnaire_id: int
    channels: tuple[str, ...] | None  # None: every channel
    states: tuple[str, ...]
    unit_path: str | None = None  # a subtree's materialised path; None: the whole country
    keys: tuple[str, ...] | None = None  # the questions to read; None: every tallied one


class Decoder:
    """Turns tally slots (or raw stored values) into counts in the period's option order."""

    def __init__(self, session: Session, questionnaire_id: int) -> None:
        self.session = session
        self.main_id = questionnaire_id
        self.main = self._layout(questionnaire_id)
        self.sizes = {key: len(q.codes) for key, q in self.main.questions.items()}
        self._layouts: dict[int, TallyLayout] = {questionnaire_id: self.main}

    def _layout(self, questionnaire_id: int) -> TallyLayout:
        return layout_for(questionnaire_by_id(self.session, questionnaire_id))

    def layout(self, questionnaire_id: int) -> TallyLayout:
        found = self._layouts.get(questionnaire_id)
        if found is None:
            found = self._layouts[questionnaire_id] = self._layout(questionnaire_id)
        return found

    @property
    def slot_count(self) -> int:
        """How many slot columns are worth reading: the longest option list, up to SLOTS."""
        if len(self._layouts) > 1:
            return SLOTS
        return min(SLOTS, max(self.sizes.values(), default=1))

    def add_slots(
        self, counts: UnitCounts, questionnaire_id: int, key: str, part: int, slots: Sequence[int]
    ) -> None:
        if key == RESPONSES_KEY:
            counts.responses += slots[0]
            return
        if questionnaire_id != self.main_id:
            self._add_foreign(counts, questionnaire_id, key, part, slots)
            return
        size = self.sizes.get(key)
        if size is None:
            return
        vector = counts.vector(key, size)
        base = part * SLOTS
        for offset in range(min(len(slots), size - base)):
            vector[base + offset] += slots[offset]

    def add_value(
        self, counts: UnitCounts, questionnaire_id: int, key: str, value: str | None, n: int
    ) -> None:
        if key == RESPONSES_KEY:
            counts.responses += n
            return
        question = self.layout(questionnaire_id).questions.get(key)
        if question is None or value is None:
            return
        for position in question.positions(value):
            self._add_code(counts, key, question.codes[position], n)

    def _add_foreign(
        self, counts: UnitCounts, questionnaire_id: int, key: str, part: int, slots: Sequence[int]
    ) -> None:
        # A response kept the version it was answered under; match its answers by code.
        codes = self.layout(questionnaire_id).codes(key) if key in self.sizes else ()
        for offset, n in enumerate(slots):
            position = part * SLOTS + offset
            if n and position < len(codes):
                self._add_code(counts, key, codes[position], n)

    def _add_code(self, counts: UnitCounts, key: str, code: str, n: int) -> None:
        main = self.main.questions.get(key)
        if main is None or code not in main.codes:
            return
        counts.vector(key, len(main.codes))[main.codes.index(code)] += n


FAST_AGGREGATES = {
    # The index is a few hundred thousand tally rows, where JIT costs more than it saves.
    "jit": "off",
    # Keep the aggregate's hash table in memory.
    "work_mem": "64MB",
    # Let workers share the scan and a first aggregation even for this small a result: the
    # planner's default costs keep a national index (under a second) on one core.
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
}


def prefer_fast_aggregates(session: Session) -> None:
    """On PostgreSQL, settings for this transaction's aggregates (see FAST_AGGREGATES)."""
    if session.get_bind().dialect.name == "postgresql":
        for name, value in FAST_AGGREGATES.items():
            session.execute(select(func.set_config(name, value, True)))


def _in_subtree(unit_column: Any, unit_path: str) -> ColumnElement[bool]:
    return unit_column.in_(select(Unit.id).where(Unit.path.startswith(unit_path)))


def _tally_filters(table: Any, selection: Selection) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [
        table.c.period_id == selection.period_id,
        table.c.review_state.in_(selection.states),
    ]
    if selection.channels is not None:
        filters.append(table.c.channel.in_(selection.channels))
    if selection.unit_path is not None:
        filters.append(_in_subtree(table.c.unit_id, selection.unit_path))
    if selection.keys is not None:
        filters.append(table.c.question_key.in_([*selection.keys, RESPONSES_KEY]))
    return filters


def _summed_slots(
    table: Any, group: Sequence[Any], selection: Selection, slot_count: int
) -> Select[Any]:
    # Summed as 4-byte integers: PostgreSQL sums bigints as numeric (Decimal in Python, and
    # twice the work); a sum of integers is a bigint. One tally cell never nears 2^31.
    slots = [func.sum(cast(table.c[name], Integer)) for name in SLOT_COLUMNS[:slot_count]]
    keys = [table.c.questionnaire_id, table.c.question_key, table.c.part]
    return (
        select(*group, *keys, *slots)
        .where(*_tally_filters(table, selection))
        .group_by(*group, *keys)
    )


def fetch_all(session: Session, query: Select[Any]) -> Sequence[Sequence[Any]]:
    """Every row of a query at once.

    On PostgreSQL straight from psycopg's binary cursor: the national index reads about a
    hundred thousand summed rows, and building SQLAlchemy Row objects for them cost as much
    as PostgreSQL's own work.
    """
    if session.get_bind().dialect.name != "postgresql":
        return session.execute(query).all()
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    cursor = connection.connection.driver_connection.cursor(binary=True)  # type: ignore[union-attr]
    cursor.execute(str(compiled), compiled.params)
    rows: list[Sequence[Any]] = cursor.fetchall()
    return rows


def _gather(
    decoder: Decoder, rows: Iterable[Sequence[Any]], width: int
) -> dict[GroupKey, UnitCounts]:
    """Rows of (group columns..., questionnaire, question, part, slots...) -> counts by group.

    A group of one column is keyed by its value, a wider one by the tuple of its values.
    """
    result: dict[GroupKey, UnitCounts] = {}
    main_id, sizes, first_slot = decoder.main_id, decoder.sizes, width + 3
    for row in rows:
        group = row[0] if width == 1 else tuple(row[:width])
        counts = result.get(group)
        if counts is None:
            counts = result[group] = UnitCounts()
        questionnaire_id, key, part = row[width], row[width + 1], row[width + 2]
        size = sizes.get(key)
        if (
            questionnaire_id == main_id
            and part == 0
            and size is not None
            and key not in counts.answers
            and first_slot + size <= len(row)
        ):
            # The usual row, the group's only one for this question: its slots are the counts.
            counts.answers[key] = list(row[first_slot : first_slot + size])
        else:
            decoder.add_slots(counts, questionnaire_id, key, part, row[first_slot:])
    return result


def unit_counts_from_tallies(session: Session, selection: Selection) -> dict[int, UnitCounts]:
    """Each unit's own counted answers, from unit_tally: one row per unit and question."""
    decoder = Decoder(session, selection.questionnaire_id)
    table = UnitTally.__table__
    prefer_fast_aggregates(session)
    query = _summed_slots(table, [table.c.unit_id], selection, decoder.slot_count)
    return _gather(decoder, fetch_all(session, query), 1)


def counts_by_counter(
    session: Session, selection: Selection, unit_id: int
) -> dict[int, UnitCounts]:
    """A unit's own counted answers per counter (0: no counter, e.g. paper forms)."""
    decoder = Decoder(session, selection.questionnaire_id)
    table = Tally.__table__
    query = _summed_slots(table, [table.c.counter_id], selection, decoder.slot_count).where(
        table.c.unit_id == unit_id
    )
    return _gather(decoder, fetch_all(session, query), 1)


def counts_by_procedure(
    session: Session, selection: Selection
) -> dict[tuple[int, str], UnitCounts]:
    """Each unit's own counted answers per procedure code ("" when none was given)."""
    decoder = Decoder(session, selection.questionnaire_id)
    table = Tally.__table__
    group = [table.c.unit_id, table.c.procedure_code]
    query = _summed_slots(table, group, selection, decoder.slot_count)
    return _gather(decoder, fetch_all(session, query), 2)


def raw_query(selection: Selection, keys: Iterable[str]) -> Select[Any]:
    """One GROUP BY over answer JOIN response: what the tallies must always agree with."""
    response_filters: list[ColumnElement[bool]] = [
        Response.period_id == selection.period_id,
        Response.status == ResponseStatus.completed,
        Response.review_state.in_(selection.states),
    ]
    if selection.channels is not None:
        response_filters.append(Response.channel.in_(selection.channels))
    if selection.unit_path is not None:
        response_filters.append(_in_subtree(Response.unit_id, selection.unit_path))
    answers = (
        select(
            Response.unit_id,
            Response.questionnaire_id,
            Answer.question_key,
            Answer.value,
            func.count().label("n"),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(*response_filters, Answer.value.is_not(None), Answer.question_key.in_(list(keys)))
        .group_by(Response.unit_id, Response.questionnaire_id, Answer.question_key, Answer.value)
    )
    responses = (
        select(
            Response.unit_id,
            Response.questionnaire_id,
            literal(RESPONSES_KEY, String),
            cast(null(), String),
            func.count(),
        )
        .where(*response_filters)
        .group_by(Response.unit_id, Response.questionnaire_id)
    )
    combined = union_all(answers, responses).subquery()
    return select(*combined.c)


def unit_counts_from_answers(session: Session, selection: Selection) -> dict[int, UnitCounts]:
    """Each unit's own counted answers, computed from the raw answers (the baseline)."""
    decoder = Decoder(session, selection.questionnaire_id)
    keys = set(decoder.main.questions)
    if selection.keys is not None:
        keys &= set(selection.keys)
    prefer_fast_aggregates(session)
    result: dict[int, UnitCounts] = {}
    for unit_id, qid, key, value, n in session.execute(raw_query(selection, keys)):
        counts = result.get(unit_id)
        if counts is None:
            counts = result[unit_id] = UnitCounts()
        decoder.add_value(counts, qid, key, value, n)
    return result
