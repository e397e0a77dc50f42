"""Counted answers per unit (or per counter, or per procedure), from the tallies or from raw
answers. Both end in the same UnitCounts, so the formula cannot tell them apart.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from hailong.db import is_postgresql
from hailong.errors import HailongError
from hailong.i18n import N_
from hailong.index.formula import UnitCounts
from hailong.models import Answer, Response, ResponseStatus, Tally, Unit, UnitTally
from hailong.models.packing import CorruptTally, from_text, unpack
from hailong.questionnaires.service import questionnaire_by_id
from hailong.tallies.layout import RESPONSES_KEY, RESPONSES_POSITION, TallyLayout, layout_for

GroupKey = Any  # a column's value, or a tuple of several


class DamagedTallies(HailongError):
    """A stored tally that cannot be a count (edited by hand, or damaged): say how to repair
    it rather than show figures built on it."""

    status_code = 500
    message = N_(
        "Some stored tallies cannot be read: they were changed outside the service. "
        "`hailong tallies check` shows which; `hailong tallies rebuild` recomputes them "
        "from the answers."
    )


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
    """Turns packed tally counts (or raw stored values) into counts in the period's option
    order, for the questions the index reads."""

    def __init__(
        self, session: Session, questionnaire_id: int, keys: Iterable[str] | None = None
    ) -> None:
        self.session = session
        self.main_id = questionnaire_id
        self.main = self._layout(questionnaire_id)
        wanted = set(self.main.questions) if keys is None else set(keys)
        # (key, start, stop) of each question read, in the main layout's vector.
        self.spans = [
            (q.key, q.start, q.stop) for q in self.main.questions.values() if q.key in wanted
        ]
        self._layouts: dict[int, TallyLayout] = {questionnaire_id: self.main}

    def _layout(self, questionnaire_id: int) -> TallyLayout:
        return layout_for(questionnaire_by_id(self.session, questionnaire_id))

    def layout(self, questionnaire_id: int) -> TallyLayout:
        found = self._layouts.get(questionnaire_id)
        if found is None:
            found = self._layouts[questionnaire_id] = self._layout(questionnaire_id)
        return found

    def add_packed(self, counts: UnitCounts, questionnaire_id: int, total: int) -> None:
        """Add a tally row's packed counts (or a sum of several) to `counts`."""
        if questionnaire_id != self.main_id:
            self._add_foreign(counts, questionnaire_id, total)
            return
        vector = unpack(total, self.main.width)
        counts.responses += vector[RESPONSES_POSITION]
        answers = counts.answers
        for key, start, stop in self.spans:
            mine = answers.get(key)
            if mine is None:
                answers[key] = list(vector[start:stop])
            else:
                answers[key] = list(map(operator.add, mine, vector[start:stop]))

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
            self._add_code(counts, key, question.codes[position - question.start], n)

    def _add_foreign(self, counts: UnitCounts, questionnaire_id: int, total: int) -> None:
        # A response kept the version it was answered under; match its answers by code.
        layout = self.layout(questionnaire_id)
        vector = unpack(total, layout.width)
        counts.responses += vector[RESPONSES_POSITION]
        for key, _, _ in self.spans:
            question = layout.questions.get(key)
            if question is None:
                continue
            for code, n in zip(question.codes, vector[question.start : question.stop], strict=True):
                if n:
                    self._add_code(counts, key, code, n)

    def _add_code(self, counts: UnitCounts, key: str, code: str, n: int) -> None:
        main = self.main.questions.get(key)
        if main is None or code not in main.codes:
            return
        counts.vector(key, len(main.codes))[main.codes.index(code)] += n


FAST_AGGREGATES = {
    # The national index sums some twenty thousand tally rows, where JIT costs more than it
    # saves; the raw baseline groups millions of answers, where it saves nothing either.
    "jit": "off",
    # Keep the aggregate's hash table in memory.
    "work_mem": "64MB",
    # Let workers share the scan and a first aggregation even for a small result: the
    # planner's default costs keep these aggregates on one core.
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
}


def prefer_fast_aggregates(session: Session) -> None:
    """On PostgreSQL, settings for this transaction's aggregates (see FAST_AGGREGATES)."""
    if is_postgresql(session):
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
    return filters


def _packed_sums(
    session: Session,
    table: Any,
    group: Sequence[Any],
    selection: Selection,
    only: Sequence[ColumnElement[bool]] = (),
) -> Iterable[Sequence[Any]]:
    """Rows of (group columns..., questionnaire, packed counts) summed over the channels and
    review states the selection counts (and the `only` conditions).

    A stored total is never negative; one that is (edited by hand) would borrow from the
    counts of the rows it is summed with, so it is refused before the sum hides it.
    """
    filters = [*_tally_filters(table, selection), *only]
    if not is_postgresql(session):
        # SQLite's integers cannot hold packed counts: each row's are added up here.
        rows = session.execute(
            select(*group, table.c.questionnaire_id, table.c.counts).where(*filters)
        )
        sums: dict[tuple[Any, ...], int] = {}
        for *head, total in rows:
            if total < 0:
                raise DamagedTallies()
            sums[tuple(head)] = sums.get(tuple(head), 0) + total
        return [(*head, total) for head, total in sums.items()]
    keys = [*group, table.c.questionnaire_id]
    # As text: psycopg reads a numeric of a thousand digits as a Decimal several times slower.
    summed = cast(func.sum(table.c.counts), Text)
    query = select(*keys, summed, func.bool_or(table.c.counts < 0))
    found = fetch_all(session, query.where(*filters).group_by(*keys))
    if any(row[-1] for row in found):
        raise DamagedTallies()
    return [(*row[:-2], from_text(row[-2])) for row in found]


def answered_channels(session: Session, selection: Selection) -> set[str]:
    """The channels that brought responses the selection counts (a few rows per unit)."""
    query = select(UnitTally.channel).where(*_tally_filters(UnitTally.__table__, selection))
    return set(session.scalars(query.distinct()))


def fetch_all(session: Session, query: Select[Any]) -> Sequence[Sequence[Any]]:
    """Every row of a query at once, on PostgreSQL straight from psycopg's binary cursor
    (building SQLAlchemy Row objects costs more than the national index's query)."""
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
    """Rows of (group columns..., questionnaire, packed counts) -> counts by group.

    A group of one column is keyed by its value, a wider one by the tuple of its values.
    """
    result: dict[GroupKey, UnitCounts] = {}
    for row in rows:
        group = row[0] if width == 1 else tuple(row[:width])
        counts = result.get(group)
        if counts is None:
            counts = result[group] = UnitCounts()
        try:
            decoder.add_packed(counts, row[width], row[width + 1])
        except CorruptTally:
            raise DamagedTallies() from None
    return result


def unit_counts_from_tallies(session: Session, selection: Selection) -> dict[int, UnitCounts]:
    """Each unit's own counted answers, from unit_tally: one summed row per unit."""
    decoder = Decoder(session, selection.questionnaire_id, selection.keys)
    table = UnitTally.__table__
    prefer_fast_aggregates(session)
    rows = _packed_sums(session, table, [table.c.unit_id], selection)
    return _gather(decoder, rows, 1)


def counts_by_counter(
    session: Session, selection: Selection, unit_id: int
) -> dict[int, UnitCounts]:
    """A unit's own counted answers per counter (0: no counter, e.g. paper forms)."""
    decoder = Decoder(session, selection.questionnaire_id, selection.keys)
    table = Tally.__table__
    only = [table.c.unit_id == unit_id]
    rows = _packed_sums(session, table, [table.c.counter_id], selection, only)
    return _gather(decoder, rows, 1)


def counts_by_procedure(
    session: Session, selection: Selection
) -> dict[tuple[int, str], UnitCounts]:
    """Each unit's own counted answers per procedure code ("" when none was given)."""
    decoder = Decoder(session, selection.questionnaire_id, selection.keys)
    table = Tally.__table__
    rows = _packed_sums(session, table, [table.c.unit_id, table.c.procedure_code], selection)
    return _gather(decoder, rows, 2)


def _response_filters(selection: Selection, status: ResponseStatus) -> list[ColumnElement[bool]]:
    """The selection's responses of one status, as conditions on the response table."""
    filters: list[ColumnElement[bool]] = [
        Response.period_id == selection.period_id,
        Response.status == status,
        Response.review_state.in_(selection.states),
    ]
    if selection.channels is not None:
        filters.append(Response.channel.in_(selection.channels))
    if selection.unit_path is not None:
        filters.append(_in_subtree(Response.unit_id, selection.unit_path))
    return filters


def raw_query(selection: Selection, keys: Iterable[str]) -> Select[Any]:
    """One GROUP BY over answer JOIN response: what the tallies must always agree with."""
    response_filters = _response_filters(selection, ResponseStatus.completed)
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


def add_unrated(session: Session, selection: Selection, counts: dict[int, UnitCounts]) -> None:
    """Each unit's finished responses that rate no criterion, left out of its counts: said
    beside the index, so an official knows forms came in that count for nothing."""
    filters = _response_filters(selection, ResponseStatus.unrated)
    query = select(Response.unit_id, func.count()).where(*filters).group_by(Response.unit_id)
    for unit_id, n in session.execute(query):
        found = counts.get(unit_id)
        if found is None:
            found = counts[unit_id] = UnitCounts()
        found.unrated += n


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
