"""The storing side of an import of paper forms: the staging of every good row, the writing of
responses, answers and tallies a batch at a time, and the background thread that does it.

On PostgreSQL rows go by COPY (hailong.bulk); on SQLite by ordinary inserts.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from hailong.bulk import copy_upsert, insert_rows
from hailong.db import dialect_insert, is_postgresql
from hailong.models import (
    Answer,
    Period,
    Response,
    ResponseStatus,
    ReviewState,
    Tally,
    UnitTally,
)
from hailong.models.base import utcnow
from hailong.responses.checking import CheckedForm, FormChecker
from hailong.responses.service import FINISHED_KEY
from hailong.tallies.layout import TallyLayout, layout_for
from hailong.tallies.service import Dimensions, TallyBatch

# Counts are gathered over several batches and written when this many tally rows are pending
# (each a vector of every answer code's count, about a kilobyte in memory): a file sorted by
# unit then writes each tally row about once.
TALLY_ROWS = 5_000


class Staging:
    """(line, unit, period, form_id) of every good row, in a temporary table of this
    connection, to find forms that appear twice in the file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.table = Table(
            "import_form",
            MetaData(),
            Column("line", Integer, nullable=False),
            Column("unit_id", Integer, nullable=False),
            Column("period_id", Integer, nullable=False),
            Column("form_id", String(64), nullable=False),
            prefixes=["TEMPORARY"],
        )

    def create(self) -> None:
        self.table.create(self.session.connection())

    def drop(self) -> None:
        # Only after a run that ended normally: after an error, the caller's rollback takes
        # the table away with the rest (CREATE is transactional on both databases).
        self.table.drop(self.session.connection())

    def write(self, forms: list[CheckedForm]) -> None:
        rows = [(f.line, f.unit_id, f.period.id, f.form_id) for f in forms]
        if not rows:
            return
        insert_rows(self.session, self.table, _STAGING_TYPES, rows)

    def repeats(self) -> Iterator[tuple[int, int, str]]:
        """(line, first line, form_id) of each row that repeats an earlier one, in file order."""
        staged = self.table.c
        same_form = (staged.unit_id, staged.period_id, staged.form_id)
        ranked = select(
            staged.line,
            staged.form_id,
            func.min(staged.line).over(partition_by=same_form).label("first"),
        ).subquery()
        query = (
            select(ranked.c.line, ranked.c.first, ranked.c.form_id)
            .where(ranked.c.line > ranked.c.first)
            .order_by(ranked.c.line)
        )
        yield from self.session.execute(query).tuples()


class FormStore:
    """Writes checked forms: the responses (a form already stored is skipped), their answers
    and their tallies, a batch at a time."""

    def __init__(self, session: Session, checker: FormChecker) -> None:
        self.session = session
        self.checker = checker
        self.layouts: dict[int, TallyLayout] = {}
        self.fast = is_postgresql(session)
        self.tallies = TallyBatch()

    def store(self, forms: list[CheckedForm]) -> int:
        """Store the forms not already there; returns how many were new."""
        now = utcnow()
        by_public_id = {_public_id(form): form for form in forms}
        rows = [_response_row(public_id, form, now) for public_id, form in by_public_id.items()]
        inserted = self._insert_responses(rows)
        stored = [(response_id, by_public_id[public_id]) for response_id, public_id in inserted]
        self._insert_answers(stored)
        # Inserted by Core statements, which the ORM's change tracking never sees: say which
        # units gained finished forms, for open progress pages once the import commits.
        finished = self.session.info.setdefault(FINISHED_KEY, set())
        finished.update((form.period.id, form.unit_id) for _, form in stored)
        for _, form in stored:
            if form.status == ResponseStatus.completed:
                layout = self._layout(form.period)
                self.tallies.add_response(_dimensions(form), layout, form.answers)
        if len(self.tallies) >= TALLY_ROWS:
            self.tallies.write(self.session)
        return len(stored)

    def finish(self) -> None:
        """Write the counts still pending."""
        self.tallies.write(self.session)

    def _insert_responses(self, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
        if self.fast:
            values = ([row[name] for name, _ in _RESPONSE_TYPES] for row in rows)
            tail = "ON CONFLICT DO NOTHING RETURNING id, public_id"
            returned = copy_upsert(
                self.session, Response.__tablename__, _RESPONSE_TYPES, values, tail=tail
            )
            return [(row[0], row[1]) for row in returned]
        table = Response.__table__
        statement = (
            dialect_insert(self.session, table)
            .on_conflict_do_nothing()
            .returning(table.c.id, table.c.public_id)
        )
        return [(row[0], row[1]) for row in self.session.execute(statement, rows)]

    def _insert_answers(self, stored: list[tuple[int, CheckedForm]]) -> None:
        rows = [
            (response_id, key, value, form.submitted_at)
            for response_id, form in stored
            for key, value in form.answers.items()
        ]
        if not rows:
            return
        # A mapped class's __table__ is typed as a FromClause; it is a Table.
        insert_rows(self.session, Answer.__table__, _ANSWER_TYPES, rows)  # type: ignore[arg-type]

    def _layout(self, period: Period) -> TallyLayout:
        layout = self.layouts.get(period.questionnaire_id)
        if layout is None:
            questionnaire = self.checker.questionnaire(period)
            layout = self.layouts[period.questionnaire_id] = layout_for(questionnaire)
        return layout


# Columns written by COPY on PostgreSQL, with their binary types; the others take defaults.
_RESPONSE_TYPES = [
    ("public_id", "text"),
    ("unit_id", "int4"),
    ("period_id", "int4"),
    ("questionnaire_id", "int4"),
    ("channel", "text"),
    ("status", "text"),
    ("review_state", "text"),
    ("procedure_code", "text"),
    ("form_id", "text"),
    ("language", "text"),
    ("started_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("submitted_at", "timestamptz"),
]
_ANSWER_TYPES = [
    ("response_id", "int4"),
    ("question_key", "text"),
    ("value", "text"),
    ("answered_at", "timestamptz"),
]
WRITTEN_TABLES = (
    Response.__tablename__,
    Answer.__tablename__,
    Tally.__tablename__,
    UnitTally.__tablename__,
)
_STAGING_TYPES = [("line", "int4"), ("unit_id", "int4"), ("period_id", "int4"), ("form_id", "text")]


class Writer:
    """The database side of an import, on one background thread, in submission order.

    Reading and checking the file is Python work; storing a batch is mostly PostgreSQL's. With
    the storing of one batch running while the next is read, the two overlap on two cores.
    At most `depth` batches wait, so memory stays flat. Only this thread uses the session
    while the file is read.
    """

    def __init__(self, depth: int = 2) -> None:
        self.depth = depth
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hailong-import")
        self.pending: deque[Future[None]] = deque()

    def submit(self, job: Callable[[], None]) -> None:
        self.pending.append(self.executor.submit(job))
        while len(self.pending) > self.depth:
            self.pending.popleft().result()  # re-raises the job's error, if any

    def finish(self) -> None:
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _public_id(form: CheckedForm) -> str:
    """An exported web/chat response carries its public id as form_id: keep it, so the same
    response imported twice (or back into its own database) is found again."""
    try:
        parsed = uuid.UUID(form.form_id)
    except ValueError:
        return str(uuid.uuid4())
    return str(parsed) if str(parsed) == form.form_id.lower() else str(uuid.uuid4())


def _response_row(public_id: str, form: CheckedForm, now: datetime) -> dict[str, Any]:
    return {
        "public_id": public_id,
        "unit_id": form.unit_id,
        "counter_id": None,
        "period_id": form.period.id,
        "questionnaire_id": form.period.questionnaire_id,
        "channel": form.channel,
        "status": form.status,
        "review_state": ReviewState.received.value,
        "procedure_code": form.procedure_code,
        "respondent_ref": None,
        "form_id": form.form_id,
        "language": "vi",
        "started_at": now,
        "updated_at": now,
        "submitted_at": form.submitted_at,
    }


def _dimensions(form: CheckedForm) -> Dimensions:
    return Dimensions(
        period_id=form.period.id,
        unit_id=form.unit_id,
        counter_id=0,
        procedure_code=form.procedure_code or "",
        channel=form.channel,
        review_state=ReviewState.received.value,
        questionnaire_id=form.period.questionnaire_id,
    )
