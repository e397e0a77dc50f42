"""Import keyed-in paper forms from the methodology's CSV (or XLSX with the same header).

One pass over the file, so a million rows cost one read and flat memory:
- each row is checked with the questionnaire's own rules (hailong/responses/checking.py), and
  its (unit, period, form_id) is staged in a temporary table, where forms repeated inside the
  file are found by SQL at the end;
- while no row has been bad, checked forms are stored in batches: responses, answers and
  tallies, by a background writer, so PostgreSQL stores one batch while the next is read.
  From the first bad row on nothing more is stored, and the rest is only checked, so every bad
  row is still reported.
A form already stored (same unit, period and form_id) is skipped, so importing a file twice adds
nothing. The caller's transaction makes it all or nothing: it commits when the result is ok and
rolls back otherwise.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from hailong.bulk import (
    analyze,
    as_rows,
    copy_rows,
    copy_upsert,
    is_postgresql,
    triggers_off,
)
from hailong.db import dialect_insert
from hailong.i18n import N_, Catalogs
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
from hailong.responses.checking import CheckedForm, FormChecker, RowProblem
from hailong.responses.csvformat import COLUMNS, FormRow, HeaderProblem, form_row, header_problems
from hailong.responses.formfile import FormFile, UnreadableFile, is_blank, not_utf8
from hailong.tallies import bulk as tallies_bulk
from hailong.tallies.layout import TallyLayout, layout_for
from hailong.tallies.service import Dimensions, TallyBatch

__all__ = ["ImportResult", "Importer", "RowProblem", "describe", "import_responses"]

BATCH_ROWS = 5000
# Counts are gathered over several batches and written when this many tally rows are pending:
# a file sorted by unit then writes each tally row about once.
TALLY_ROWS = 50_000
# A file this large changes the tables enough for the planner to need new statistics.
ANALYZE_AFTER = 10_000
KEEP_PROBLEMS = 10_000  # reported as they are found; only this many are kept in memory

NOT_UTF8 = N_("The file is not UTF-8 text. Save it as CSV UTF-8.")
WRONG_SEPARATOR = N_(
    "The columns are separated by “{separator}”, not by commas. Save the file as CSV UTF-8 "
    "(comma delimited)."
)
_HEADER_MESSAGES = {
    "extra": N_("Unexpected columns: {columns}. Remove them."),
    "missing": N_("Missing columns: {columns}."),
    "repeated": N_("Repeated columns: {columns}."),
    "order": N_("The columns must come in this order: {columns}."),
}


def describe(problem: RowProblem, catalogs: Catalogs) -> str:
    """'Dòng 5: ... / Line 5: ...' for the operator's console."""
    texts = []
    for language in ("vi", "en"):
        reason = catalogs.gettext(language, problem.message).format(**problem.params)
        texts.append(
            catalogs.gettext(language, N_("Line {line}: {reason}")).format(
                line=problem.line, reason=reason
            )
        )
    return texts[0] if texts[0] == texts[1] else " / ".join(texts)


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0  # 0 when there are problems: nothing is kept
    skipped: int = 0  # already stored: same unit, period and form_id
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


# (pass name, done, total) in the file's own unit: bytes or rows.
Progress = Callable[[str, int, int], None]


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
        if is_postgresql(self.session):
            copy_rows(self.session, self.table.name, _STAGING_TYPES, rows)
        else:
            names = [name for name, _ in _STAGING_TYPES]
            self.session.execute(self.table.insert(), as_rows(names, rows))

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
        for _, form in stored:
            if form.status == ResponseStatus.completed:
                layout = self._layout(form.period)
                self.tallies.add_response(_dimensions(form), layout, form.answers)
        if len(self.tallies) >= TALLY_ROWS:
            tallies_bulk.write(self.session, self.tallies)
        return len(stored)

    def finish(self) -> None:
        """Write the counts still pending."""
        tallies_bulk.write(self.session, self.tallies)

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
        if self.fast:
            copy_rows(self.session, Answer.__tablename__, _ANSWER_TYPES, rows)
        else:
            names = [name for name, _ in _ANSWER_TYPES]
            self.session.execute(insert(Answer), as_rows(names, rows))

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
_WRITTEN_TABLES = (
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


class Importer:
    def __init__(
        self,
        session: Session,
        source: FormFile,
        *,
        on_problem: Callable[[RowProblem], None] | None = None,
        progress: Progress | None = None,
        batch_rows: int = BATCH_ROWS,
        analyze_after: int = ANALYZE_AFTER,
    ) -> None:
        self.session = session
        self.analyze_after = analyze_after
        self.source = source
        self.on_problem = on_problem
        self.progress = progress
        self.batch_rows = batch_rows
        self.result = ImportResult()
        self.staging = Staging(session)
        self.batch: list[CheckedForm] = []

    def problem(self, problem: RowProblem) -> None:
        self.result.problem_count += 1
        if len(self.result.problems) < KEEP_PROBLEMS:
            self.result.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def run(self) -> ImportResult:
        # Every reference the import writes is vouched for: units, periods and questionnaire
        # versions are locked by the checker, answers point at responses inserted just before.
        with triggers_off(self.session) as vouched:
            self.checker = FormChecker(self.session, lock=vouched)
            self.store = FormStore(self.session, self.checker)
            return self._run()

    def _run(self) -> ImportResult:
        self.staging.create()
        writer = Writer()
        try:
            for row in self._forms():
                self.result.rows += 1
                checked = self.checker.check(row)
                if isinstance(checked, list):
                    for problem in checked:
                        self.problem(problem)
                    continue
                self.batch.append(checked)
                if len(self.batch) >= self.batch_rows:
                    self._submit(writer)
            self._submit(writer)
            writer.finish()
        finally:
            writer.close()
        for line, first, form_id in self.staging.repeats():
            self.problem(
                RowProblem(
                    line,
                    N_("form_id “{form_id}” repeats line {first} (same unit and period)."),
                    {"form_id": form_id, "first": first},
                )
            )
        if self.result.ok:
            self.store.finish()
            if self.result.imported >= self.analyze_after:
                analyze(self.session, _WRITTEN_TABLES)
        else:
            self.result.imported = self.result.skipped = 0
        self.staging.drop()
        return self.result

    def _submit(self, writer: Writer) -> None:
        """Stage the batch's forms and, while no row has been bad, store them."""
        forms, self.batch = self.batch, []
        # From the first bad row on nothing more is stored: the caller rolls back anyway.
        store = self.result.ok
        writer.submit(lambda: self._write(forms, store=store))

    def _write(self, forms: list[CheckedForm], *, store: bool) -> None:
        self.staging.write(forms)
        if store and forms:
            imported = self.store.store(forms)
            self.result.imported += imported
            self.result.skipped += len(forms) - imported

    def _forms(self) -> Iterator[FormRow]:
        """Data rows of the file; a header problem or an unreadable file becomes a problem."""
        line = 1
        shown = 0
        try:
            total = self.source.total() if self.progress else 0
            rows = self.source.rows()
            header = next(rows, None)
            if header is None:
                self.problem(RowProblem(1, N_("The file is empty.")))
                return
            if not self.source.is_xlsx and not_utf8(header[1]):
                self.problem(RowProblem(1, NOT_UTF8))
                return
            separator = _other_separator(header[1])
            if separator is not None:
                self.problem(RowProblem(1, WRONG_SEPARATOR, {"separator": separator}))
                return
            for issue in header_problems(header[1]):
                self.problem(_header_problem(issue))
            if not self.result.ok:
                return
            for line, cells, position in rows:
                if self.progress and position != shown:
                    self.progress("import", position, total)
                    shown = position
                if is_blank(cells):
                    continue
                if not self.source.is_xlsx and not_utf8(cells):
                    self.problem(RowProblem(line, NOT_UTF8))
                    continue
                if len(cells) != len(COLUMNS):
                    self.problem(
                        RowProblem(
                            line,
                            N_("This row has {found} cells; the header has {expected}."),
                            {"found": len(cells), "expected": len(COLUMNS)},
                        )
                    )
                    continue
                yield form_row(line, cells)
        except UnreadableFile as error:
            self.problem(
                RowProblem(
                    line, N_("The file could not be read as XLSX: {error}"), {"error": error}
                )
            )


def _other_separator(header: Sequence[object]) -> str | None:
    """The separator of a CSV saved with semicolons or tabs (Excel does, in some locales)."""
    if len(header) != 1:
        return None
    for separator, shown in ((";", ";"), ("\t", "Tab")):
        if separator in str(header[0]):
            return shown
    return None


def _header_problem(issue: HeaderProblem) -> RowProblem:
    return RowProblem(1, _HEADER_MESSAGES[issue.kind], {"columns": ", ".join(issue.columns)})


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
        "review_state": ReviewState.pending.value,
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
        review_state=ReviewState.pending.value,
        questionnaire_id=form.period.questionnaire_id,
    )


def import_responses(
    session: Session,
    path: Path,
    *,
    on_problem: Callable[[RowProblem], None] | None = None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
    analyze_after: int = ANALYZE_AFTER,
) -> ImportResult:
    """Check and import a responses file. With any problem the result is not ok and the
    caller must roll back: forms checked before the first bad row may have been written."""
    importer = Importer(
        session,
        FormFile(path),
        on_problem=on_problem,
        progress=progress,
        batch_rows=batch_rows,
        analyze_after=analyze_after,
    )
    return importer.run()
